package sources

import "testing"

func TestLogLineRef(t *testing.T) {
	for _, c := range []struct {
		l    LogLine
		want string
	}{
		{LogLine{File: "/var/log/syslog", Line: 42}, "/var/log/syslog:42"},
		{LogLine{File: "/var/log/app.log", Offset: 5242880}, "/var/log/app.log@5242880"},
		{LogLine{File: "x.log", Line: 3, Offset: 99}, "x.log:3"},
	} {
		if got := c.l.Ref(); got != c.want {
			t.Errorf("%+v: %q, want %q", c.l, got, c.want)
		}
	}
}
