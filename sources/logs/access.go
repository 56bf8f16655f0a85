package logs

import (
	"encoding/binary"
	"time"
)

// This file holds the hot path of access logs (nginx/apache) past the
// line splitter (lines.go): the timestamp cache of the parser.

// time parses an nginx $time_local stamp, "20/Nov/2025:03:01:07 +0900"
// (26 bytes). A stamp in the minute and zone of the last one parsed costs
// four word compares and its two digits of seconds; c may be nil (no
// cache).
func (c *nginxCache) time(stamp []byte) (time.Time, bool) {
	if c == nil {
		return parseNginxTime(stamp)
	}
	_ = stamp[25]
	m0 := binary.LittleEndian.Uint64(stamp[0:])
	m1 := binary.LittleEndian.Uint64(stamp[8:])
	m2 := binary.LittleEndian.Uint16(stamp[16:])
	zone := binary.LittleEndian.Uint64(stamp[18:]) &^ 0xffff // the seconds masked
	if c.ok && m0 == c.minute0 && m1 == c.minute1 && m2 == c.minute2 && zone == c.zone {
		s1, s2 := stamp[18]-'0', stamp[19]-'0'
		sec := int64(s1)*10 + int64(s2)
		if s1 > 9 || s2 > 9 || sec > 60 { // as clock
			return time.Time{}, false
		}
		return time.Unix(c.base+sec, 0).UTC(), true
	}
	t, ok := parseNginxTime(stamp)
	if !ok {
		return t, false
	}
	c.minute0, c.minute1, c.minute2, c.zone = m0, m1, m2, zone
	c.base = t.Unix() - int64(stamp[18]-'0')*10 - int64(stamp[19]-'0')
	c.ok = true
	return t, true
}
