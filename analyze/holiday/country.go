package holiday

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/rickar/cal/v2"
	"github.com/rickar/cal/v2/ar"
	"github.com/rickar/cal/v2/at"
	"github.com/rickar/cal/v2/au"
	"github.com/rickar/cal/v2/be"
	"github.com/rickar/cal/v2/bg"
	"github.com/rickar/cal/v2/br"
	"github.com/rickar/cal/v2/ca"
	"github.com/rickar/cal/v2/ch"
	"github.com/rickar/cal/v2/cz"
	"github.com/rickar/cal/v2/de"
	"github.com/rickar/cal/v2/dk"
	"github.com/rickar/cal/v2/es"
	"github.com/rickar/cal/v2/fr"
	"github.com/rickar/cal/v2/gb"
	"github.com/rickar/cal/v2/gr"
	"github.com/rickar/cal/v2/hr"
	"github.com/rickar/cal/v2/ie"
	"github.com/rickar/cal/v2/it"
	"github.com/rickar/cal/v2/jp"
	"github.com/rickar/cal/v2/lt"
	"github.com/rickar/cal/v2/lv"
	"github.com/rickar/cal/v2/mw"
	"github.com/rickar/cal/v2/nc"
	"github.com/rickar/cal/v2/nl"
	"github.com/rickar/cal/v2/no"
	"github.com/rickar/cal/v2/nz"
	"github.com/rickar/cal/v2/pl"
	"github.com/rickar/cal/v2/ro"
	"github.com/rickar/cal/v2/ru"
	"github.com/rickar/cal/v2/se"
	"github.com/rickar/cal/v2/si"
	"github.com/rickar/cal/v2/sk"
	"github.com/rickar/cal/v2/ua"
	"github.com/rickar/cal/v2/us"
	"github.com/rickar/cal/v2/za"
)

// countries are the holiday lists of github.com/rickar/cal/v2 by ISO 3166
// code: national lists by country code, regional ones by ISO 3166-2
// subdivision code. Australia has no national list there, only states.
// An explicit table, like the source switch in cmd, keeps it reviewable.
var countries = map[string][]*cal.Holiday{
	"AR": ar.Holidays, "AT": at.Holidays, "BE": be.Holidays, "BG": bg.Holidays,
	"BR": br.Holidays, "CA": ca.Holidays, "CH": ch.Holidays, "CZ": cz.Holidays,
	"DE": de.Holidays, "DK": dk.Holidays, "ES": es.Holidays, "FR": fr.Holidays,
	"GB": gb.Holidays, "GR": gr.Holidays, "HR": hr.Holidays, "IE": ie.Holidays,
	"IT": it.Holidays, "JP": jp.Holidays, "LT": lt.Holidays, "LV": lv.Holidays,
	"MW": mw.Holidays, "NC": nc.Holidays, "NL": nl.Holidays, "NO": no.Holidays,
	"NZ": nz.Holidays, "PL": pl.Holidays, "RO": ro.Holidays, "RU": ru.Holidays,
	"SE": se.Holidays, "SI": si.Holidays, "SK": sk.Holidays, "UA": ua.Holidays,
	"US": us.Holidays, "ZA": za.Holidays,

	"AU-ACT": au.HolidaysACT, "AU-NSW": au.HolidaysNSW, "AU-NT": au.HolidaysNT, "AU-QLD": au.HolidaysQLD, "AU-SA": au.HolidaysSA,
	"AU-TAS": au.HolidaysTAS, "AU-VIC": au.HolidaysVIC, "AU-WA": au.HolidaysWA,
	"CH-ZH": ch.HolidaysZH, "CH-BE": ch.HolidaysBE, "CH-LU": ch.HolidaysLU, "CH-UR": ch.HolidaysUR, "CH-SZ": ch.HolidaysSZ,
	"CH-OW": ch.HolidaysOW, "CH-NW": ch.HolidaysNW, "CH-GL": ch.HolidaysGL, "CH-ZG": ch.HolidaysZG, "CH-FR": ch.HolidaysFR,
	"CH-SO": ch.HolidaysSO, "CH-BS": ch.HolidaysBS, "CH-BL": ch.HolidaysBL, "CH-SH": ch.HolidaysSH, "CH-AR": ch.HolidaysAR,
	"CH-AI": ch.HolidaysAI, "CH-SG": ch.HolidaysSG, "CH-GR": ch.HolidaysGR, "CH-AG": ch.HolidaysAG, "CH-TG": ch.HolidaysTG,
	"CH-VD": ch.HolidaysVD, "CH-TI": ch.HolidaysTI, "CH-VS": ch.HolidaysVS, "CH-NE": ch.HolidaysNE, "CH-GE": ch.HolidaysGE,
	"CH-JU": ch.HolidaysJU,
	"DE-BW": de.HolidaysBW, "DE-BY": de.HolidaysBY, "DE-BE": de.HolidaysBE, "DE-BB": de.HolidaysBB, "DE-HB": de.HolidaysHB,
	"DE-HH": de.HolidaysHH, "DE-HE": de.HolidaysHE, "DE-MV": de.HolidaysMV, "DE-NI": de.HolidaysNI, "DE-NW": de.HolidaysNW,
	"DE-RP": de.HolidaysRP, "DE-SL": de.HolidaysSL, "DE-SN": de.HolidaysSN, "DE-ST": de.HolidaysST, "DE-SH": de.HolidaysSH,
	"DE-TH": de.HolidaysTH,
}

// korea is the code served by this package's own table (Korea).
const korea = "KR"

// Countries lists the codes ForCountry knows, sorted.
func Countries() []string {
	out := []string{korea}
	for c := range countries {
		out = append(out, c)
	}
	slices.Sort(out)
	return out
}

// ForCountry returns the public holidays of the country (ISO 3166-1
// alpha-2 code, "DE") or region (ISO 3166-2, "DE-BY") from from to to as
// local dates ("2006-01-02", both ends included) mapped to their names.
// "KR" is served by Korea; every other code by github.com/rickar/cal/v2,
// whose names are mostly in the local language. A holiday moved to a weekday
// (observed) gets both dates, the moved one named "NAME (observed)".
func ForCountry(code string, from, to time.Time) (map[string]string, error) {
	code = strings.ToUpper(strings.TrimSpace(code))
	if code == korea {
		return Korea(from, to), nil
	}
	list, ok := countries[code]
	if !ok {
		hint := "use an ISO 3166 code such as KR, DE, US or GB"
		if code == "AU" {
			hint = "Australia's holidays are per state: use AU-NSW, AU-VIC, AU-QLD, AU-WA, AU-SA, AU-TAS, AU-ACT or AU-NT"
		}
		var national []string
		for _, c := range Countries() {
			if !strings.Contains(c, "-") {
				national = append(national, c)
			}
		}
		return nil, fmt.Errorf("no holiday table for country %q\nhint: %s; known: %s, and regions such as DE-BY or CH-ZH", code, hint, strings.Join(national, ", "))
	}
	out := map[string]string{}
	lo, hi := from.Format(time.DateOnly), to.Format(time.DateOnly)
	add := func(t time.Time, name string) {
		if t.IsZero() {
			return
		}
		d := t.Format(time.DateOnly)
		if d < lo || d > hi {
			return
		}
		if prev, ok := out[d]; ok && prev != name {
			name = prev + ", " + name
		}
		out[d] = name
	}
	for y := from.Year(); y <= to.Year(); y++ {
		for _, h := range list {
			actual, observed := h.Calc(y)
			add(actual, h.Name)
			if !observed.Equal(actual) {
				add(observed, h.Name+" (observed)")
			}
		}
	}
	return out, nil
}
