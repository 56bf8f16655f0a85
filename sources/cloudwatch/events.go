package cloudwatch

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	cttypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"

	"github.com/hindsight-sre/hindsight/sources"
	trailkind "github.com/hindsight-sre/hindsight/sources/internal/cloudtrail"
)

// historyData is the JSON in an alarm history item's HistoryData.
type historyData struct {
	OldState struct {
		StateValue string `json:"stateValue"`
	} `json:"oldState"`
	NewState struct {
		StateValue  string `json:"stateValue"`
		StateReason string `json:"stateReason"`
	} `json:"newState"`
}

// fetchAlarms reads the window's alarm state changes. Each stay in ALARM
// becomes one alert event from the change into ALARM to the change out of
// it; an alarm already firing when the window starts begins at its start.
func (s *Source) fetchAlarms(ctx context.Context, w sources.Window, ds *sources.Dataset) error {
	pg := cloudwatch.NewDescribeAlarmHistoryPaginator(s.cw, &cloudwatch.DescribeAlarmHistoryInput{
		StartDate: aws.Time(w.From), EndDate: aws.Time(w.To),
		HistoryItemType: types.HistoryItemTypeStateUpdate,
		AlarmTypes:      []types.AlarmType{types.AlarmTypeMetricAlarm, types.AlarmTypeCompositeAlarm},
		ScanBy:          types.ScanByTimestampAscending,
	})
	var items []types.AlarmHistoryItem
	for pg.HasMorePages() {
		out, err := pg.NextPage(ctx)
		s.count(func(c *cost) { c.other++ })
		if err != nil {
			return s.explain("DescribeAlarmHistory", err)
		}
		items = append(items, out.AlarmHistoryItems...)
	}
	slices.SortStableFunc(items, func(a, b types.AlarmHistoryItem) int { return aws.ToTime(a.Timestamp).Compare(aws.ToTime(b.Timestamp)) })
	open := map[string]int{} // alarm name -> index of its open event
	bad := 0
	for _, it := range items {
		var hd historyData
		if err := json.Unmarshal([]byte(aws.ToString(it.HistoryData)), &hd); err != nil {
			bad++
			continue
		}
		name := aws.ToString(it.AlarmName)
		t := aws.ToTime(it.Timestamp).UTC()
		switch {
		case hd.NewState.StateValue == "ALARM":
			if _, ok := open[name]; ok {
				continue
			}
			ds.Events = append(ds.Events, sources.Event{Source: s.Name(), T: t, Kind: sources.KindAlert, Severity: sources.Error,
				Title: "alert: " + name, Detail: hd.NewState.StateReason, Ref: "CloudWatch alarm " + name})
			open[name] = len(ds.Events) - 1
		case hd.OldState.StateValue == "ALARM":
			if i, ok := open[name]; ok {
				ds.Events[i].End = t
				delete(open, name)
				continue
			}
			ds.Events = append(ds.Events, sources.Event{Source: s.Name(), T: w.From, End: t, Kind: sources.KindAlert, Severity: sources.Error,
				Title: "alert: " + name, Detail: "already in ALARM when the window starts", Ref: "CloudWatch alarm " + name})
		}
	}
	if bad > 0 {
		ds.Gaps = append(ds.Gaps, sources.Gap{Source: s.Name(), What: "alarm history",
			Reason: fmt.Sprintf("%d state updates had unreadable HistoryData and were skipped", bad)})
	}
	return nil
}

// maxTrailPages caps CloudTrail reading: LookupEvents answers 50 events a
// call at 2 calls a second per account and region, so 40 pages (2,000
// write events) take 20 s; a busier window is cut, and says so.
const maxTrailPages = 40

// trailInterval spaces LookupEvents calls under CloudTrail's limit of two a
// second per account and region, so a long window is read without being
// throttled (and without eating the quota other tools share).
var trailInterval = 500 * time.Millisecond

// fetchTrail reads the window's write (non-read-only) management events and
// keeps those that change what runs: restarts, deployments, configuration.
func (s *Source) fetchTrail(ctx context.Context, w sources.Window, ds *sources.Dataset) error {
	pg := cloudtrail.NewLookupEventsPaginator(s.ct, &cloudtrail.LookupEventsInput{
		StartTime: aws.Time(w.From), EndTime: aws.Time(w.To), MaxResults: aws.Int32(50),
		LookupAttributes: []cttypes.LookupAttribute{{AttributeKey: cttypes.LookupAttributeKeyReadOnly, AttributeValue: aws.String("false")}},
	})
	pages := 0
	for pg.HasMorePages() {
		if pages > 0 && trailInterval > 0 {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(trailInterval):
			}
		}
		if pages == maxTrailPages {
			ds.Gaps = append(ds.Gaps, sources.Gap{Source: s.Name(), What: "CloudTrail",
				Reason: fmt.Sprintf("more than %d write events in the window; the oldest were not read", maxTrailPages*50)})
			break
		}
		out, err := pg.NextPage(ctx)
		pages++
		s.count(func(c *cost) { c.other++ })
		if err != nil {
			return s.explain("CloudTrail LookupEvents", err)
		}
		for _, e := range out.Events {
			if ev, ok := s.trailEvent(e); ok {
				ds.Events = append(ds.Events, ev)
			}
		}
	}
	return nil
}

// trailDetail is the part of a CloudTrail record's JSON we read.
type trailDetail struct {
	ErrorCode    string `json:"errorCode"`
	UserIdentity struct {
		Type      string `json:"type"`
		InvokedBy string `json:"invokedBy"`
	} `json:"userIdentity"`
}

func (s *Source) trailEvent(e cttypes.Event) (sources.Event, bool) {
	name := aws.ToString(e.EventName)
	kind := trailkind.Kind(name)
	if kind == "" {
		return sources.Event{}, false
	}
	var d trailDetail
	_ = json.Unmarshal([]byte(aws.ToString(e.CloudTrailEvent)), &d)
	if d.ErrorCode != "" {
		return sources.Event{}, false // a refused call changed nothing
	}
	svc := strings.TrimSuffix(aws.ToString(e.EventSource), ".amazonaws.com")
	var res []string
	for _, r := range e.Resources {
		if n := aws.ToString(r.ResourceName); n != "" && !slices.Contains(res, n) {
			res = append(res, n)
		}
	}
	title := string(kind) + ": " + svc + " " + name
	if len(res) > 0 {
		title += " " + strings.Join(res[:min(len(res), 3)], ",")
	}
	who := aws.ToString(e.Username)
	if who == "" {
		who = d.UserIdentity.InvokedBy
	}
	detail := "CloudTrail " + svc + " " + name
	if who != "" {
		detail += " by " + who
	}
	if len(res) > 3 {
		detail += fmt.Sprintf(" (%d resources)", len(res))
	}
	return sources.Event{Source: s.Name(), T: aws.ToTime(e.EventTime).UTC(), Kind: kind, Severity: sources.Info,
		Title: title, Detail: detail, Ref: "CloudTrail event " + aws.ToString(e.EventId)}, true
}
