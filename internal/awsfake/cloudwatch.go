package awsfake

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/smithy-go/encoding/cbor"
)

func cborError(code, message string) []byte {
	return cbor.Encode(cbor.Map{"__type": cbor.String(code), "message": cbor.String(message)})
}

func ctime(t time.Time) cbor.Value {
	return &cbor.Tag{ID: 1, Value: cbor.Float64(float64(t.UnixMilli()) / 1e3)}
}

func str(m cbor.Map, k string) string {
	if v, ok := m[k].(cbor.String); ok {
		return string(v)
	}
	return ""
}

func num(m cbor.Map, k string) int64 {
	v, ok := m[k]
	if !ok {
		return 0
	}
	n, err := cbor.AsInt64(v)
	if err != nil {
		return 0
	}
	return n
}

func tm(m cbor.Map, k string) (time.Time, bool) {
	v, ok := m[k]
	if !ok {
		return time.Time{}, false
	}
	t, err := cbor.AsTime(v)
	return t.UTC(), err == nil
}

func writeCBOR(w http.ResponseWriter, v cbor.Map) {
	w.Header().Set("Smithy-Protocol", "rpc-v2-cbor")
	w.Header().Set("Content-Type", "application/cbor")
	w.WriteHeader(200)
	w.Write(cbor.Encode(v))
}

func (s *Server) cloudwatch(w http.ResponseWriter, r *http.Request, op string, body []byte) *apiError {
	if r.Method != http.MethodPost || r.Header.Get("Smithy-Protocol") != "rpc-v2-cbor" ||
		!strings.HasPrefix(r.URL.Path, "/service/GraniteServiceVersion20100801/operation/") {
		return &apiError{status: 400, code: "UnknownOperationException", message: "expected Smithy RPC v2 CBOR"}
	}
	in := cbor.Map{}
	if len(body) > 0 {
		v, err := cbor.Decode(body)
		m, ok := v.(cbor.Map)
		if err != nil || !ok {
			return &apiError{status: 400, code: "SerializationException", message: fmt.Sprintf("body is not a CBOR map: %v", err)}
		}
		in = m
	}
	switch op {
	case "GetMetricData":
		return s.getMetricData(w, r, in)
	case "ListMetrics":
		return s.listMetrics(w, in)
	case "DescribeAlarmHistory":
		return s.describeAlarmHistory(w, in)
	}
	return &apiError{status: 400, code: "UnknownOperationException", message: "operation " + op + " is not served by this stand-in"}
}

type mdResult struct {
	id, label string
	points    []Sample
	partial   bool
}

func (s *Server) region(r *http.Request) string {
	auth := r.Header.Get("Authorization")
	if i := strings.Index(auth, "Credential="); i >= 0 {
		scope := strings.Split(strings.SplitN(auth[i+len("Credential="):], ",", 2)[0], "/")
		if len(scope) == 5 {
			return scope[2]
		}
	}
	return s.Region
}

func (s *Server) getMetricData(w http.ResponseWriter, r *http.Request, in cbor.Map) *apiError {
	from, ok1 := tm(in, "StartTime")
	to, ok2 := tm(in, "EndTime")
	qs, _ := in["MetricDataQueries"].(cbor.List)
	if !ok1 || !ok2 || len(qs) == 0 {
		return &apiError{status: 400, code: "MissingParameter", message: "StartTime, EndTime and MetricDataQueries are required"}
	}
	if len(qs) > 500 {
		return &apiError{status: 400, code: "InvalidParameterValue", message: "The collection MetricDataQueries must not have a size greater than 500."}
	}
	if !to.After(from) {
		return &apiError{status: 400, code: "InvalidParameterValue", message: "The parameter StartTime must be less than the parameter EndTime."}
	}
	region := s.region(r)
	s.mu.Lock()
	var res []mdResult
	for _, qv := range qs {
		q, _ := qv.(cbor.Map)
		id := str(q, "Id")
		if rd, ok := q["ReturnData"].(cbor.Bool); ok && !bool(rd) {
			continue
		}
		if e := str(q, "Expression"); e != "" {
			res = append(res, mdResult{id: id, label: e, points: s.exprs[e]})
			continue
		}
		ms, _ := q["MetricStat"].(cbor.Map)
		met, _ := ms["Metric"].(cbor.Map)
		period := time.Duration(num(ms, "Period")) * time.Second
		if period <= 0 || period%time.Minute != 0 {
			s.mu.Unlock()
			return &apiError{status: 400, code: "InvalidParameterValue", message: "The parameter MetricDataQueries.member.Period must be a multiple of 60."}
		}
		dims := map[string]string{}
		dl, _ := met["Dimensions"].(cbor.List)
		for _, dv := range dl {
			d, _ := dv.(cbor.Map)
			dims[str(d, "Name")] = str(d, "Value")
		}
		out := mdResult{id: id, label: str(met, "MetricName")}
		for _, m := range s.metrics {
			mr := m.Region
			if mr == "" {
				mr = s.Region
			}
			if mr == region && m.Namespace == str(met, "Namespace") && m.Name == str(met, "MetricName") && sameDims(m.Dims, dims) {
				out.points = s.series(m, from, to, period, str(ms, "Stat"))
				out.partial = m.Partial
				break
			}
		}
		res = append(res, out)
	}
	budget := s.PageDatapoints
	s.mu.Unlock()
	if budget <= 0 {
		budget = 100800
	}
	qi, pi := 0, 0
	if tok := str(in, "NextToken"); tok != "" {
		a, b, _ := strings.Cut(tok, ":")
		var err1, err2 error
		qi, err1 = strconv.Atoi(a)
		pi, err2 = strconv.Atoi(b)
		if err1 != nil || err2 != nil || qi >= len(res) {
			return &apiError{status: 400, code: "InvalidNextToken", message: "The service couldn't process the NextToken."}
		}
	}
	var out cbor.List
	next := ""
	for ; qi < len(res); qi, pi = qi+1, 0 {
		rr := res[qi]
		if budget == 0 {
			next = fmt.Sprintf("%d:%d", qi, pi)
			break
		}
		end := min(len(rr.points), pi+budget)
		status := "Complete"
		if rr.partial {
			status = "PartialData"
		}
		if end < len(rr.points) {
			status = "PartialData"
			next = fmt.Sprintf("%d:%d", qi, end)
		}
		var ts, vs cbor.List
		for _, p := range rr.points[pi:end] {
			ts = append(ts, ctime(p.T))
			vs = append(vs, cbor.Float64(p.V))
		}
		if ts == nil {
			ts, vs = cbor.List{}, cbor.List{}
		}
		item := cbor.Map{"Id": cbor.String(rr.id), "Label": cbor.String(rr.label), "StatusCode": cbor.String(status),
			"Timestamps": ts, "Values": vs}
		if rr.partial {
			item["Messages"] = cbor.List{cbor.Map{"Code": cbor.String("ArithmeticError"), "Value": cbor.String("not all data could be read")}}
		}
		out = append(out, item)
		budget -= end - pi
		if next != "" {
			break
		}
	}
	resp := cbor.Map{"MetricDataResults": out, "Messages": cbor.List{}}
	if out == nil {
		resp["MetricDataResults"] = cbor.List{}
	}
	if next != "" {
		resp["NextToken"] = cbor.String(next)
	}
	writeCBOR(w, resp)
	return nil
}

func sameDims(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func (s *Server) listMetrics(w http.ResponseWriter, in cbor.Map) *apiError {
	ns, name := str(in, "Namespace"), str(in, "MetricName")
	s.mu.Lock()
	var list []*Metric
	// ListMetrics lists metrics with data in the last two weeks.
	since := s.now().Add(-14 * 24 * time.Hour)
	for _, m := range s.metrics {
		if m.Region != "" && m.Region != s.Region {
			continue
		}
		if (ns == "" || m.Namespace == ns) && (name == "" || m.Name == name) &&
			len(m.Samples) > 0 && m.Samples[len(m.Samples)-1].T.After(since) {
			list = append(list, m)
		}
	}
	per := s.pageItems()
	s.mu.Unlock()
	start, err := token(str(in, "NextToken"), len(list))
	if err != nil {
		return err
	}
	end := min(len(list), start+per)
	var out cbor.List
	for _, m := range list[start:end] {
		var dl cbor.List
		keys := make([]string, 0, len(m.Dims))
		for k := range m.Dims {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			dl = append(dl, cbor.Map{"Name": cbor.String(k), "Value": cbor.String(m.Dims[k])})
		}
		if dl == nil {
			dl = cbor.List{}
		}
		out = append(out, cbor.Map{"Namespace": cbor.String(m.Namespace), "MetricName": cbor.String(m.Name), "Dimensions": dl})
	}
	if out == nil {
		out = cbor.List{}
	}
	resp := cbor.Map{"Metrics": out}
	if end < len(list) {
		resp["NextToken"] = cbor.String(strconv.Itoa(end))
	}
	writeCBOR(w, resp)
	return nil
}

func token(t string, n int) (int, *apiError) {
	if t == "" {
		return 0, nil
	}
	i, err := strconv.Atoi(t)
	if err != nil || i < 0 || i > n {
		return 0, &apiError{status: 400, code: "InvalidNextToken", message: "The service couldn't process the NextToken."}
	}
	return i, nil
}

func (s *Server) describeAlarmHistory(w http.ResponseWriter, in cbor.Map) *apiError {
	from, _ := tm(in, "StartDate")
	to, hasTo := tm(in, "EndDate")
	typ := str(in, "HistoryItemType")
	s.mu.Lock()
	var list []AlarmChange
	for _, a := range s.alarms {
		if a.T.Before(from) || hasTo && !a.T.Before(to) {
			continue
		}
		list = append(list, a)
	}
	per := s.pageItems()
	s.mu.Unlock()
	if typ != "" && typ != "StateUpdate" {
		list = nil
	}
	slices.SortStableFunc(list, func(a, b AlarmChange) int { return a.T.Compare(b.T) })
	if str(in, "ScanBy") != "TimestampAscending" {
		slices.Reverse(list) // CloudWatch's default is newest first
	}
	start, err := token(str(in, "NextToken"), len(list))
	if err != nil {
		return err
	}
	end := min(len(list), start+per)
	out := cbor.List{}
	for _, a := range list[start:end] {
		hd, _ := json.Marshal(map[string]any{
			"version":  "1.0",
			"oldState": map[string]any{"stateValue": a.From, "stateReason": "previous"},
			"newState": map[string]any{"stateValue": a.To, "stateReason": a.Reason},
		})
		out = append(out, cbor.Map{
			"AlarmName": cbor.String(a.Alarm), "AlarmType": cbor.String("MetricAlarm"), "Timestamp": ctime(a.T),
			"HistoryItemType": cbor.String("StateUpdate"),
			"HistorySummary":  cbor.String(fmt.Sprintf("Alarm updated from %s to %s", a.From, a.To)),
			"HistoryData":     cbor.String(string(hd)),
		})
	}
	resp := cbor.Map{"AlarmHistoryItems": out}
	if end < len(list) {
		resp["NextToken"] = cbor.String(strconv.Itoa(end))
	}
	writeCBOR(w, resp)
	return nil
}
