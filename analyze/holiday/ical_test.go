package holiday

import (
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func ics(body string) string {
	return "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n" +
		strings.ReplaceAll(strings.TrimSpace(body), "\n", "\r\n") + "\r\nEND:VCALENDAR\r\n"
}

func TestICalHolidays(t *testing.T) {
	seoul, err := time.LoadLocation("Asia/Seoul")
	if err != nil {
		t.Fatal(err)
	}
	from, to := time.Date(2025, 1, 1, 0, 0, 0, 0, seoul), time.Date(2027, 12, 31, 0, 0, 0, 0, seoul)
	for _, tc := range []struct {
		name, body string
		want       map[string]string
	}{
		{"all-day event without DTEND is one day", `
BEGIN:VEVENT
DTSTART;VALUE=DATE:20251225
SUMMARY:Christmas
END:VEVENT`, map[string]string{"2025-12-25": "Christmas"}},
		{"DTEND of an all-day event is excluded", `
BEGIN:VEVENT
DTSTART;VALUE=DATE:20251005
DTEND;VALUE=DATE:20251008
SUMMARY:Chuseok
END:VEVENT`, map[string]string{"2025-10-05": "Chuseok", "2025-10-06": "Chuseok", "2025-10-07": "Chuseok"}},
		{"DATE without VALUE parameter", `
BEGIN:VEVENT
DTSTART:20250301
SUMMARY:Samiljeol
END:VEVENT`, map[string]string{"2025-03-01": "Samiljeol"}},
		{"folded and escaped summary", `
BEGIN:VEVENT
DTSTART;VALUE=DATE:20250815
SUMMARY:Liberation Day\, 광복절\; office
  closed\nall day \\ really
END:VEVENT`, map[string]string{"2025-08-15": "Liberation Day, 광복절; office closed all day \\ really"}},
		{"UTC date-time is read in the calendar's zone", `
BEGIN:VEVENT
DTSTART:20251230T160000Z
DTEND:20251231T150000Z
SUMMARY:Year-end closing
END:VEVENT`, map[string]string{"2025-12-31": "Year-end closing"}},
		{"TZID date-time spanning two days", `
BEGIN:VEVENT
DTSTART;TZID=Europe/Berlin:20251224T120000
DTEND;TZID=Europe/Berlin:20251225T120000
SUMMARY:Christmas break
END:VEVENT`, map[string]string{"2025-12-24": "Christmas break", "2025-12-25": "Christmas break"}},
		{"quoted TZID and an unknown zone read as floating", `
BEGIN:VEVENT
DTSTART;TZID="Korea Standard Time":20250606T000000
DURATION:P1D
SUMMARY:Memorial Day
END:VEVENT`, map[string]string{"2025-06-06": "Memorial Day"}},
		{"yearly rule repeats inside the range", `
BEGIN:VEVENT
DTSTART;VALUE=DATE:20200101
RRULE:FREQ=YEARLY
SUMMARY:New Year
END:VEVENT`, map[string]string{"2025-01-01": "New Year", "2026-01-01": "New Year", "2027-01-01": "New Year"}},
		{"yearly rule with COUNT, INTERVAL and BYMONTH", `
BEGIN:VEVENT
DTSTART;VALUE=DATE:20230505
RRULE:FREQ=YEARLY;INTERVAL=2;COUNT=2;BYMONTH=5;BYMONTHDAY=5
SUMMARY:Every other Children's Day
END:VEVENT`, map[string]string{"2025-05-05": "Every other Children's Day"}},
		{"yearly rule with UNTIL", `
BEGIN:VEVENT
DTSTART;VALUE=DATE:20250717
RRULE:FREQ=YEARLY;UNTIL=20260801
SUMMARY:Founders day
END:VEVENT`, map[string]string{"2025-07-17": "Founders day", "2026-07-17": "Founders day"}},
		{"February 29 only in leap years", `
BEGIN:VEVENT
DTSTART;VALUE=DATE:20240229
RRULE:FREQ=YEARLY
SUMMARY:Leap
END:VEVENT`, map[string]string{}},
		{"alarm summary does not rename the event", `
BEGIN:VEVENT
DTSTART;VALUE=DATE:20251009
SUMMARY:Hangul Day
BEGIN:VALARM
ACTION:EMAIL
SUMMARY:Reminder
TRIGGER:-P1D
END:VALARM
END:VEVENT`, map[string]string{"2025-10-09": "Hangul Day"}},
		{"events outside the range are dropped; no summary is holiday", `
BEGIN:VEVENT
DTSTART;VALUE=DATE:20241225
SUMMARY:Old
END:VEVENT
BEGIN:VEVENT
DTSTART;VALUE=DATE:20261225
END:VEVENT
BEGIN:VTODO
DTSTART;VALUE=DATE:20260101
SUMMARY:Not an event
END:VTODO`, map[string]string{"2026-12-25": "holiday"}},
		{"two events on one day", `
BEGIN:VEVENT
DTSTART;VALUE=DATE:20250505
SUMMARY:Children's Day
END:VEVENT
BEGIN:VEVENT
DTSTART;VALUE=DATE:20250505
SUMMARY:Buddha's Birthday
END:VEVENT`, map[string]string{"2025-05-05": "Children's Day, Buddha's Birthday"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			evs, err := ParseICS(strings.NewReader(ics(tc.body)))
			if err != nil {
				t.Fatal(err)
			}
			got := ICalHolidays(evs, seoul, from, to)
			if !maps.Equal(got, tc.want) {
				t.Errorf("got %v\nwant %v", got, tc.want)
			}
		})
	}
}

func TestParseICSErrors(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"not a calendar", "hello\n", "not an iCalendar file"},
		{"empty", "", "not an iCalendar file"},
		{"no DTSTART", ics("BEGIN:VEVENT\nSUMMARY:x\nEND:VEVENT"), "line 4: event without DTSTART"},
		{"bad date", ics("BEGIN:VEVENT\nDTSTART;VALUE=DATE:2025-12-25\nEND:VEVENT"), `line 5: DTSTART: "2025-12-25" is not a date`},
		{"bad date-time", ics("BEGIN:VEVENT\nDTSTART:20251225T25\nEND:VEVENT"), `line 5: DTSTART: "20251225T25" is not a date-time`},
		{"weekly rule", ics("BEGIN:VEVENT\nDTSTART:20251225\nRRULE:FREQ=WEEKLY\nEND:VEVENT"), "line 6: RRULE: FREQ=WEEKLY is not supported"},
		{"weekly rule hint", ics("BEGIN:VEVENT\nDTSTART:20251225\nRRULE:FREQ=WEEKLY\nEND:VEVENT"), "hint: export the calendar with recurring events expanded"},
		{"BYDAY", ics("BEGIN:VEVENT\nDTSTART:20251127\nRRULE:FREQ=YEARLY;BYDAY=4TH\nEND:VEVENT"), "BYDAY is not supported"},
		{"bad duration", ics("BEGIN:VEVENT\nDTSTART:20251225\nDURATION:1D\nEND:VEVENT"), `DURATION: "1D" is not a duration`},
		{"ends before start", ics("BEGIN:VEVENT\nDTSTART:20251225\nDTEND:20251224\nEND:VEVENT"), "line 4: event ends before it starts"},
		{"unclosed", "BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART:20251225\n", "BEGIN:VEVENT is never closed"},
		{"wrong END", ics("BEGIN:VEVENT\nDTSTART:20251225\nEND:VTODO"), "END:VTODO does not close an open component"},
		{"no colon", ics("BEGIN:VEVENT\nDTSTART 20251225\nEND:VEVENT"), `line 5: "DTSTART 20251225" is not a property`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseICS(strings.NewReader(tc.in))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want %q", err, tc.want)
			}
		})
	}
}

func TestParseICSFields(t *testing.T) {
	evs, err := ParseICS(strings.NewReader(ics(`
BEGIN:VEVENT
DTSTART;VALUE=DATE:20250128
DTEND;VALUE=DATE:20250131
RRULE:FREQ=YEARLY;COUNT=3
SUMMARY:Seollal
END:VEVENT`)))
	if err != nil {
		t.Fatal(err)
	}
	want := ICalEvent{Summary: "Seollal", Start: day("2025-01-28"), End: day("2025-01-31"), AllDay: true,
		Yearly: &Yearly{Interval: 1, Count: 3}, Line: 4}
	if len(evs) != 1 || evs[0].Summary != want.Summary || !evs[0].Start.Equal(want.Start) ||
		!evs[0].End.Equal(want.End) || !evs[0].AllDay || evs[0].Line != 4 || *evs[0].Yearly != *want.Yearly {
		t.Errorf("got %+v\nwant %+v", evs, want)
	}
	got := slices.Sorted(maps.Keys(ICalHolidays(evs, time.UTC, day("2025-01-01"), day("2025-12-31"))))
	if !slices.Equal(got, []string{"2025-01-28", "2025-01-29", "2025-01-30"}) {
		t.Errorf("dates %v", got)
	}
}

func TestParseICSFile(t *testing.T) {
	f, err := os.Open(filepath.Join("testdata", "kr-office.ics"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	evs, err := ParseICS(f)
	if err != nil {
		t.Fatal(err)
	}
	seoul := time.FixedZone("KST", 9*3600)
	got := ICalHolidays(evs, seoul, day("2025-01-01"), day("2026-12-31"))
	want := map[string]string{
		"2025-03-17": "Company founding day", "2026-03-17": "Company founding day",
		"2025-11-12": "Office closed: all-hands workshop, Jeju",
		"2025-11-13": "Office closed: all-hands workshop, Jeju",
		"2025-11-14": "Office closed: all-hands workshop, Jeju",
	}
	if !maps.Equal(got, want) {
		t.Errorf("got %v\nwant %v", got, want)
	}
}
