// Package holiday fills analyze.Calendar.Holidays: South Korea's public
// holidays from a checked-in table (Korea), every country of
// github.com/rickar/cal/v2 by ISO code (ForCountry), and the events of an
// iCalendar file (ParseICS, ICalHolidays).
//
// It sits beside analyze, and cmd calls it while it validates a profile.
// Holidays are local dates ("2006-01-02") mapped to names, as the
// calendar keeps them. The package performs no I/O beyond reading the
// io.Reader handed to ParseICS, and reads no clock.
package holiday
