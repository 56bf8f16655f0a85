package cloudtrail

import (
	"testing"

	"github.com/hindsight-sre/hindsight/sources"
)

func TestKind(t *testing.T) {
	for name, want := range map[string]sources.EventKind{
		"RebootDBInstance":              sources.KindRestart,
		"UpdateFunctionCode":            sources.KindDeploy,
		"ModifyDBInstance":              sources.KindChange,
		"AuthorizeSecurityGroupIngress": sources.KindChange,
		"CreateLogStream":               "", // AWS's own automation, all day
		"AssumeRole":                    "",
		"DescribeInstances":             "", // a read
		"":                              "",
	} {
		if got := Kind(name); got != want {
			t.Errorf("Kind(%q) = %q, want %q", name, got, want)
		}
	}
}
