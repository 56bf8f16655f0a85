package cloudwatch

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cttypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"

	"github.com/hindsight-sre/hindsight/sources"
)

// FuzzTrailEvent: any CloudTrail record (its name, source and the JSON
// body AWS returns as a string) gives an event of a known kind or none,
// never a panic, and never an event for a refused call.
func FuzzTrailEvent(f *testing.F) {
	f.Add("ModifyDBInstance", "rds.amazonaws.com", `{"eventVersion":"1.09","userIdentity":{"type":"IAMUser"}}`, "shop-db")
	f.Add("RebootInstances", "ec2.amazonaws.com", `{"errorCode":"UnauthorizedOperation"}`, "i-0abc")
	f.Add("UpdateService", "ecs.amazonaws.com", `not json`, "")
	f.Add("", "", "", "")
	f.Fuzz(func(t *testing.T, name, svc, body, res string) {
		s := &Source{c: Config{Name: "aws"}}
		e := cttypes.Event{EventName: aws.String(name), EventSource: aws.String(svc), CloudTrailEvent: aws.String(body),
			EventTime: aws.Time(time.Unix(1e9, 0)), Resources: []cttypes.Resource{{ResourceName: aws.String(res)}}}
		ev, ok := s.trailEvent(e)
		if !ok {
			return
		}
		switch ev.Kind {
		case sources.KindChange, sources.KindRestart, sources.KindDeploy:
		default:
			t.Errorf("kind %q", ev.Kind)
		}
		var d trailDetail
		if json.Unmarshal([]byte(body), &d) == nil && d.ErrorCode != "" {
			t.Errorf("a refused call (%s) became an event", d.ErrorCode)
		}
		if !strings.Contains(ev.Title, name) {
			t.Errorf("title %q does not name %q", ev.Title, name)
		}
	})
}
