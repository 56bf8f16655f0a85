package holiday

import (
	"strconv"
	"strings"
	"time"
)

// KoreaFirstYear and KoreaLastYear bound the lunar table below. Outside
// them Korea returns only the fixed-date holidays, without substitutes.
const (
	KoreaFirstYear = 2020
	KoreaLastYear  = 2030
)

// lunar holds, per year, the Gregorian dates of Seollal (lunar 1/1),
// Buddha's Birthday (lunar 4/8) and Chuseok (lunar 8/15) in Korean time.
// They are facts of the Korean lunisolar calendar as published by the
// Korea Astronomy and Space Science Institute (KASI), not computed here;
// checked against the korean-lunar-calendar npm package (KASI tables).
// Korean dates can differ from Chinese ones by a day (Seollal 2027 is
// Feb 7 in Seoul, Feb 6 in Beijing).
var lunar = map[int][3]string{
	2020: {"2020-01-25", "2020-04-30", "2020-10-01"},
	2021: {"2021-02-12", "2021-05-19", "2021-09-21"},
	2022: {"2022-02-01", "2022-05-08", "2022-09-10"},
	2023: {"2023-01-22", "2023-05-27", "2023-09-29"},
	2024: {"2024-02-10", "2024-05-15", "2024-09-17"},
	2025: {"2025-01-29", "2025-05-05", "2025-10-06"},
	2026: {"2026-02-17", "2026-05-24", "2026-09-25"},
	2027: {"2027-02-07", "2027-05-13", "2027-09-15"},
	2028: {"2028-01-27", "2028-05-02", "2028-10-03"},
	2029: {"2029-02-13", "2029-05-20", "2029-09-22"},
	2030: {"2030-02-03", "2030-05-09", "2030-09-12"},
}

// oneOff are holidays of a single date: election days of elections held
// when terms end (Public Official Election Act art. 34 makes them public
// holidays; the early presidential election of 2025-06-03 too) and
// temporary holidays (임시공휴일) designated by the cabinet. Elections
// after 2026 are left out until their dates are certain (2028-04-12 is the
// statutory date for the National Assembly, but an early or moved election
// would make a table entry wrong); add them with `holidays:` in the
// config.
var oneOff = map[string]string{
	"2020-04-15": "National Assembly election (국회의원선거)",
	"2020-08-17": "Temporary holiday (임시공휴일)",
	"2022-03-09": "Presidential election (대통령선거)",
	"2022-06-01": "Local elections (전국동시지방선거)",
	"2023-10-02": "Temporary holiday (임시공휴일)",
	"2024-04-10": "National Assembly election (국회의원선거)",
	"2024-10-01": "Armed Forces Day, temporary holiday (국군의 날)",
	"2025-01-27": "Temporary holiday (임시공휴일)",
	"2025-06-03": "Presidential election (대통령선거)",
	"2026-06-03": "Local elections (전국동시지방선거)",
}

// subRule says when a holiday earns a substitute day (대체공휴일).
type subRule int8

const (
	subNever subRule = iota
	// subBlock: Seollal and Chuseok (three days each) earn one substitute
	// when one of their days is a Sunday or another holiday; a Saturday
	// does not count.
	subBlock
	// subWeekend: a Saturday, a Sunday or another holiday on the day earns
	// a substitute.
	subWeekend
)

// rule is the substitute rule of a fixed or lunar holiday in a year. The
// Regulations on Holidays of Government Offices (관공서의 공휴일에 관한
// 규정) art. 3 and, from 2022, the Act on Public Holidays (공휴일에 관한
// 법률) art. 3:
//
//   - 2014 (decree of 2013-11-05): Seollal and Chuseok on a Sunday or
//     another holiday, Children's Day on a Saturday, Sunday or another
//     holiday.
//   - 2021 (Act on Public Holidays of 2021-07-07 and the decree amended
//     to match; first applied to Liberation Day 2021-08-15): also the
//     national days (국경일) March 1st, Liberation Day, National
//     Foundation Day and Hangul Day on a Saturday, Sunday or another
//     holiday.
//   - 2023 (decree amended in May 2023; first applied to Buddha's
//     Birthday 2023-05-27): also Buddha's Birthday and Christmas.
//   - 2026: Constitution Day (7-17) is a public holiday and national day
//     again, so it earns one too.
//
// New Year's Day, Memorial Day and election days never do. The substitute
// is the first day after that is neither a Saturday, a Sunday nor a
// holiday. Two holidays on one weekday lose one day off and earn one
// substitute (2025-05-05, Children's Day and Buddha's Birthday: only
// 2025-05-06).
func rule(name string, year int) subRule {
	switch name {
	case seollal, chuseok:
		return subBlock
	case children:
		return subWeekend
	case march1, liberation, foundation, hangul, constitution:
		if year >= 2021 {
			return subWeekend
		}
	case buddha, christmas:
		if year >= 2023 {
			return subWeekend
		}
	}
	return subNever
}

const (
	newYear      = "New Year's Day (신정)"
	seollal      = "Seollal (설날)"
	march1       = "Independence Movement Day (3·1절)"
	children     = "Children's Day (어린이날)"
	buddha       = "Buddha's Birthday (부처님오신날)"
	memorial     = "Memorial Day (현충일)"
	constitution = "Constitution Day (제헌절)"
	liberation   = "Liberation Day (광복절)"
	chuseok      = "Chuseok (추석)"
	foundation   = "National Foundation Day (개천절)"
	hangul       = "Hangul Day (한글날)"
	christmas    = "Christmas (기독탄신일)"
)

// krDay is one holiday: a single day, or the three days of Seollal or
// Chuseok (first is the day before).
type krDay struct {
	first time.Time
	days  int
	name  string
}

// koreaYear returns the public holidays of one year, substitutes
// included, as local dates.
func koreaYear(year int) map[string]string {
	fixed := []krDay{
		{date(year, 1, 1), 1, newYear},
		{date(year, 3, 1), 1, march1},
		{date(year, 5, 5), 1, children},
		{date(year, 6, 6), 1, memorial},
		{date(year, 8, 15), 1, liberation},
		{date(year, 10, 3), 1, foundation},
		{date(year, 10, 9), 1, hangul},
		{date(year, 12, 25), 1, christmas},
	}
	// Constitution Day stopped being a day off in 2008 and is one again
	// from 2026 (amendment of the Act on Public Holidays, 2025; the KR
	// rules of the date-holidays project, v3.37.0, agree).
	if year >= 2026 {
		fixed = append(fixed, krDay{date(year, 7, 17), 1, constitution})
	}
	out := map[string]string{}
	l, ok := lunar[year]
	if !ok {
		for _, h := range fixed {
			out[h.first.Format(time.DateOnly)] = h.name
		}
		return out
	}
	all := append(fixed,
		krDay{mustDate(l[0]).AddDate(0, 0, -1), 3, seollal},
		krDay{mustDate(l[1]), 1, buddha},
		krDay{mustDate(l[2]).AddDate(0, 0, -1), 3, chuseok},
	)
	for d, name := range oneOff {
		if strings.HasPrefix(d, strconv.Itoa(year)+"-") {
			all = append(all, krDay{mustDate(d), 1, name})
		}
	}
	// count[d] is how many holidays fall on d.
	count := map[time.Time]int{}
	for _, h := range all {
		for i := range h.days {
			count[h.first.AddDate(0, 0, i)]++
		}
	}
	subs := map[time.Time][]string{}
	for _, h := range all {
		r := rule(h.name, year)
		if r == subNever {
			continue
		}
		lost := false
		for i := range h.days {
			d := h.first.AddDate(0, 0, i)
			wd := d.Weekday()
			if count[d] > 1 || wd == time.Sunday || (wd == time.Saturday && r == subWeekend) {
				lost = true
			}
		}
		if !lost {
			continue
		}
		d := h.first.AddDate(0, 0, h.days)
		for d.Weekday() == time.Saturday || d.Weekday() == time.Sunday || count[d] > 0 {
			d = d.AddDate(0, 0, 1)
		}
		subs[d] = append(subs[d], short(h.name))
	}
	for _, h := range all {
		for i := range h.days {
			k := h.first.AddDate(0, 0, i).Format(time.DateOnly)
			if prev, ok := out[k]; ok {
				out[k] = prev + ", " + h.name
			} else {
				out[k] = h.name
			}
		}
	}
	for d, names := range subs {
		// names come from ranging over all, a slice: their order is stable.
		out[d.Format(time.DateOnly)] = "Substitute holiday for " + strings.Join(names, " and ") + " (대체공휴일)"
	}
	return out
}

// Korea returns South Korea's public holidays from from to to (local
// dates, both included): the fixed and lunar holidays, election days and
// temporary holidays, and substitute holidays by the rules of each year.
// The lunar holidays, one-off days and substitutes are known for
// KoreaFirstYear to KoreaLastYear only.
func Korea(from, to time.Time) map[string]string {
	out := map[string]string{}
	lo, hi := from.Format(time.DateOnly), to.Format(time.DateOnly)
	for y := from.Year(); y <= to.Year(); y++ {
		for d, n := range koreaYear(y) {
			if d >= lo && d <= hi {
				out[d] = n
			}
		}
	}
	return out
}

// short is a holiday's English name, for substitute names.
func short(name string) string {
	n, _, _ := strings.Cut(name, " (")
	return n
}

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func mustDate(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic("holiday: bad date in table: " + s)
	}
	return t
}
