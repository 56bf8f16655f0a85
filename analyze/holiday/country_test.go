package holiday

import (
	"strings"
	"testing"
)

func TestForCountry(t *testing.T) {
	for _, tc := range []struct {
		code, date, want string
	}{
		{"KR", "2025-10-08", "Substitute holiday for Chuseok"},
		{"kr", "2025-01-29", "Seollal"},
		{"DE", "2025-10-03", "Deutschen Einheit"},
		{"DE", "2025-12-25", "Weihnachtstag"},
		{"DE-BY", "2025-01-06", "Heilige Drei Könige"},
		{"US", "2026-07-04", "Independence Day"},
		{"US", "2026-07-03", "Independence Day (observed)"},
		{" us ", "2025-11-27", "Thanksgiving"},
		{"FR", "2025-07-14", "Fête Nationale"},
		{"GB", "2025-12-26", "Boxing Day"},
		{"JP", "2025-11-03", "Culture Day"},
		{"AU-NSW", "2025-01-27", "Australia Day (observed)"},
		{"CH-ZH", "2025-08-01", "Bundesfeiertag"},
	} {
		got, err := ForCountry(tc.code, day("2025-01-01"), day("2026-12-31"))
		if err != nil {
			t.Errorf("%s: %v", tc.code, err)
			continue
		}
		if !strings.Contains(got[tc.date], tc.want) {
			t.Errorf("%s %s = %q, want %q", tc.code, tc.date, got[tc.date], tc.want)
		}
	}
}

func TestForCountryEveryCode(t *testing.T) {
	for _, c := range Countries() {
		got, err := ForCountry(c, day("2025-01-01"), day("2025-12-31"))
		if err != nil || len(got) < 3 {
			t.Errorf("%s: %d holidays in 2025, err %v", c, len(got), err)
		}
		for d := range got {
			if d < "2025-01-01" || d > "2025-12-31" {
				t.Errorf("%s: %s outside the range", c, d)
			}
		}
	}
}

func TestForCountryUnknown(t *testing.T) {
	for _, tc := range []struct{ code, want string }{
		{"XX", `no holiday table for country "XX"`},
		{"XX", "hint: use an ISO 3166 code"},
		{"AU", "hint: Australia's holidays are per state: use AU-NSW"},
		{"", `country ""`},
	} {
		_, err := ForCountry(tc.code, day("2025-01-01"), day("2025-12-31"))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ForCountry(%q) error %v, want %q", tc.code, err, tc.want)
		}
	}
}
