package holiday

import (
	"maps"
	"slices"
	"strings"
	"testing"
	"time"
)

func day(s string) time.Time { return mustDate(s) }

func koreaAll(t *testing.T) map[string]string {
	t.Helper()
	return Korea(day("2020-01-01"), day("2030-12-31"))
}

func TestKoreaKnownDates(t *testing.T) {
	all := koreaAll(t)
	for _, tc := range []struct {
		date, want string
	}{
		{"2025-01-28", "Seollal"}, {"2025-01-29", "Seollal"}, {"2025-01-30", "Seollal"},
		{"2025-01-27", "Temporary holiday"},
		{"2025-03-01", "Independence Movement Day"},
		{"2025-03-03", "Substitute holiday for Independence Movement Day"},
		{"2025-05-05", "Children's Day (어린이날), Buddha's Birthday"},
		{"2025-05-06", "Substitute holiday for Children's Day and Buddha's Birthday"},
		{"2025-06-03", "Presidential election"},
		{"2025-10-03", "National Foundation Day"},
		{"2025-10-05", "Chuseok"}, {"2025-10-06", "Chuseok"}, {"2025-10-07", "Chuseok"},
		{"2025-10-08", "Substitute holiday for Chuseok"},
		{"2025-10-09", "Hangul Day"},
		{"2025-12-25", "Christmas"},
		{"2020-01-24", "Seollal"}, {"2020-01-27", "Substitute holiday for Seollal"},
		{"2020-04-15", "National Assembly election"},
		{"2020-04-30", "Buddha's Birthday"},
		{"2020-08-17", "Temporary holiday"},
		{"2020-09-30", "Chuseok"},
		{"2021-02-11", "Seollal"},
		{"2021-08-16", "Substitute holiday for Liberation Day"},
		{"2021-10-11", "Substitute holiday for Hangul Day"},
		{"2022-03-09", "Presidential election"},
		{"2022-06-01", "Local elections"},
		{"2022-09-12", "Substitute holiday for Chuseok"},
		{"2023-05-29", "Substitute holiday for Buddha's Birthday"},
		{"2023-10-02", "Temporary holiday"},
		{"2024-04-10", "National Assembly election"},
		{"2024-10-01", "Armed Forces Day"},
		{"2024-05-06", "Substitute holiday for Children's Day"},
		{"2026-02-17", "Seollal"},
		{"2026-06-03", "Local elections"},
		{"2026-07-17", "Constitution Day"},
		// Seoul's new moon of 2027-02-07 falls before midnight in Beijing:
		// the Chinese New Year is a day earlier.
		{"2027-02-07", "Seollal"}, {"2027-02-09", "Substitute holiday for Seollal"},
		{"2028-10-03", "National Foundation Day (개천절), Chuseok"},
		{"2028-10-05", "Substitute holiday for National Foundation Day and Chuseok"},
		{"2030-09-12", "Chuseok"},
	} {
		got, ok := all[tc.date]
		if !ok || !strings.HasPrefix(got, tc.want) {
			t.Errorf("%s = %q, want %q...", tc.date, got, tc.want)
		}
	}
}

// TestKoreaSubstitutes lists every substitute holiday of the table's
// years. They agree with the KR rules of the date-holidays project
// (v3.37.0), an independent implementation.
func TestKoreaSubstitutes(t *testing.T) {
	want := []string{
		"2020-01-27",                             // Seollal on a Sunday
		"2021-08-16", "2021-10-04", "2021-10-11", // national days, from 2021
		"2022-09-12", "2022-10-10",
		"2023-01-24", "2023-05-29", // Buddha's Birthday, from 2023
		"2024-02-12", "2024-05-06",
		"2025-03-03", "2025-05-06", "2025-10-08",
		"2026-03-02", "2026-05-25", "2026-08-17", "2026-10-05",
		"2027-02-09", "2027-07-19", "2027-08-16", "2027-10-04", "2027-10-11", "2027-12-27",
		"2028-10-05",
		"2029-05-07", "2029-05-21", "2029-09-24",
		"2030-02-05", "2030-05-06",
	}
	var got []string
	for d, n := range koreaAll(t) {
		if strings.HasPrefix(n, "Substitute") {
			got = append(got, d)
		}
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("substitutes:\n got %v\nwant %v", got, want)
	}
}

func TestKoreaNoSubstitute(t *testing.T) {
	all := koreaAll(t)
	for _, tc := range []struct{ date, why string }{
		{"2021-02-15", "Seollal 2021 ends on a Saturday, which does not count for Seollal"},
		{"2026-09-28", "Chuseok 2026 ends on a Saturday"},
		{"2020-10-05", "National Foundation Day 2020 on a Saturday, before the 2021 rule"},
		{"2022-05-09", "Buddha's Birthday 2022 on a Sunday, before the 2023 rule"},
		{"2021-12-27", "Christmas 2021 on a Saturday, before the 2023 rule"},
		{"2026-06-08", "Memorial Day never earns one"},
		{"2027-06-07", "Memorial Day never earns one"},
		{"2022-01-03", "New Year's Day never earns one"},
	} {
		if n, ok := all[tc.date]; ok {
			t.Errorf("%s is %q; want no holiday: %s", tc.date, n, tc.why)
		}
	}
}

func TestKoreaPerYear(t *testing.T) {
	// 15 holiday days every year (New Year, 3 Seollal, March 1st,
	// Children's Day, Buddha's Birthday, Memorial Day, Liberation Day, 3
	// Chuseok, Foundation Day, Hangul Day, Christmas), plus Constitution
	// Day from 2026, one-off days and substitutes, minus days two holidays
	// share.
	want := map[int]int{2020: 18, 2021: 18, 2022: 19, 2023: 18, 2024: 19, 2025: 19,
		2026: 21, 2027: 22, 2028: 16, 2029: 19, 2030: 18}
	for y, n := range want {
		got := Korea(date(y, 1, 1), date(y, 12, 31))
		if len(got) != n {
			keys := slices.Sorted(maps.Keys(got))
			t.Errorf("%d: %d holidays, want %d: %v", y, len(got), n, keys)
		}
	}
}

func TestKoreaOutsideTable(t *testing.T) {
	got := Korea(day("2031-01-01"), day("2031-12-31"))
	if len(got) != 9 || got["2031-01-01"] == "" || got["2031-12-25"] == "" {
		t.Errorf("2031: %v, want the 9 fixed-date holidays only", got)
	}
	got = Korea(day("2019-01-01"), day("2019-12-31"))
	if len(got) != 8 || got["2019-07-17"] != "" {
		t.Errorf("2019: %v, want the 8 fixed-date holidays only", got)
	}
}

func TestKoreaRangeIsInclusive(t *testing.T) {
	seoul := time.FixedZone("KST", 9*3600)
	got := Korea(time.Date(2025, 10, 3, 23, 0, 0, 0, seoul), time.Date(2025, 10, 5, 0, 0, 0, 0, seoul))
	want := []string{"2025-10-03", "2025-10-05"}
	if keys := slices.Sorted(maps.Keys(got)); !slices.Equal(keys, want) {
		t.Errorf("got %v, want %v", keys, want)
	}
}
