package analyze

import (
	"time"
)

// Calendar is a profile's working time: its zone, working days and hours,
// and holidays. The zero Calendar is UTC, Monday to Friday, 09:00-18:00.
type Calendar struct {
	Location *time.Location
	// WorkDays[d] is true when time.Weekday(d) is a working day.
	WorkDays [7]bool
	// DayStart and DayEnd bound business hours as offsets from local
	// midnight: 9h and 18h mean 09:00-18:00.
	DayStart, DayEnd time.Duration
	// Holidays maps local dates ("2025-12-25") to their names.
	Holidays map[string]string
}

// DefaultCalendar is Monday-Friday 09:00-18:00 in loc.
func DefaultCalendar(loc *time.Location) Calendar {
	c := Calendar{Location: loc, DayStart: 9 * time.Hour, DayEnd: 18 * time.Hour}
	for d := time.Monday; d <= time.Friday; d++ {
		c.WorkDays[d] = true
	}
	return c
}

func (c Calendar) loc() *time.Location {
	if c.Location == nil {
		return time.UTC
	}
	return c.Location
}

// Classify tags t as business hours, off-hours, weekend or holiday, in that
// order of precedence: a holiday that falls on a weekend is a holiday.
func (c Calendar) Classify(t time.Time) TimeClass {
	lt := t.In(c.loc())
	// The date is formatted only when there are holidays to look up:
	// charts classify every step of the window.
	if len(c.Holidays) > 0 {
		if _, ok := c.Holidays[lt.Format(time.DateOnly)]; ok {
			return Holiday
		}
	}
	if !c.anyWorkDay() {
		c = DefaultCalendar(c.loc())
	}
	if !c.WorkDays[lt.Weekday()] {
		return Weekend
	}
	start, end := c.DayStart, c.DayEnd
	if start == 0 && end == 0 {
		start, end = 9*time.Hour, 18*time.Hour
	}
	off := time.Duration(lt.Hour())*time.Hour + time.Duration(lt.Minute())*time.Minute +
		time.Duration(lt.Second())*time.Second
	if off >= start && off < end {
		return BusinessHours
	}
	return OffHours
}

// HolidayName returns the holiday t falls on, if any.
func (c Calendar) HolidayName(t time.Time) string {
	return c.Holidays[t.In(c.loc()).Format(time.DateOnly)]
}

func (c Calendar) anyWorkDay() bool {
	for _, w := range c.WorkDays {
		if w {
			return true
		}
	}
	return false
}

// Local converts t to the calendar's zone.
func (c Calendar) Local(t time.Time) time.Time { return t.In(c.loc()) }
