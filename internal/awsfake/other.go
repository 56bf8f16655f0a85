package awsfake

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

func epoch(t time.Time) float64 { return float64(t.UnixMilli()) / 1e3 }

func fromEpoch(v any) (time.Time, bool) {
	f, ok := v.(float64)
	if !ok {
		return time.Time{}, false
	}
	return time.UnixMilli(int64(f * 1e3)).UTC(), true
}

func writeJSON(w http.ResponseWriter, ct string, v any) {
	w.Header().Set("Content-Type", ct)
	w.WriteHeader(200)
	json.NewEncoder(w).Encode(v)
}

func (s *Server) cloudtrail(w http.ResponseWriter, op string, body []byte) *apiError {
	if op != "LookupEvents" {
		return &apiError{status: 400, code: "UnknownOperationException", message: op}
	}
	var in struct {
		StartTime, EndTime any
		MaxResults         int
		NextToken          string
		LookupAttributes   []struct{ AttributeKey, AttributeValue string }
	}
	if err := json.Unmarshal(body, &in); err != nil {
		return &apiError{status: 400, code: "SerializationException", message: err.Error()}
	}
	from, hasFrom := fromEpoch(in.StartTime)
	to, hasTo := fromEpoch(in.EndTime)
	if in.MaxResults > 50 {
		return &apiError{status: 400, code: "InvalidMaxResultsException", message: "MaxResults must be at most 50"}
	}
	if len(in.LookupAttributes) > 1 {
		return &apiError{status: 400, code: "InvalidLookupAttributesException", message: "only one lookup attribute is allowed"}
	}
	per := in.MaxResults
	if per == 0 {
		per = 50
	}
	s.mu.Lock()
	per = min(per, s.pageItems())
	var list []TrailEvent
	for _, e := range s.trail {
		if hasFrom && e.T.Before(from) || hasTo && e.T.After(to) {
			continue
		}
		if len(in.LookupAttributes) == 1 {
			a := in.LookupAttributes[0]
			if a.AttributeKey == "ReadOnly" && strconv.FormatBool(e.ReadOnly) != a.AttributeValue ||
				a.AttributeKey == "EventName" && e.Name != a.AttributeValue {
				continue
			}
		}
		list = append(list, e)
	}
	s.mu.Unlock()
	slices.SortStableFunc(list, func(a, b TrailEvent) int { return b.T.Compare(a.T) }) // newest first
	start, err := token(in.NextToken, len(list))
	if err != nil {
		return err
	}
	end := min(len(list), start+per)
	evs := []map[string]any{}
	for _, e := range list[start:end] {
		rec := map[string]any{"eventVersion": "1.09", "eventTime": e.T.Format(time.RFC3339), "eventSource": e.Source,
			"eventName": e.Name, "awsRegion": s.Region, "userIdentity": map[string]any{"type": "IAMUser", "userName": e.User}}
		if e.ErrorCode != "" {
			rec["errorCode"] = e.ErrorCode
		}
		raw, _ := json.Marshal(rec)
		res := []map[string]string{}
		for _, r := range e.Resources {
			res = append(res, map[string]string{"ResourceType": "AWS::EC2::Instance", "ResourceName": r})
		}
		evs = append(evs, map[string]any{"EventId": e.ID, "EventName": e.Name, "ReadOnly": strconv.FormatBool(e.ReadOnly),
			"EventTime": epoch(e.T), "EventSource": e.Source, "Username": e.User, "Resources": res, "CloudTrailEvent": string(raw)})
	}
	out := map[string]any{"Events": evs}
	if end < len(list) {
		out["NextToken"] = strconv.Itoa(end)
	}
	writeJSON(w, "application/x-amz-json-1.1", out)
	return nil
}

func (s *Server) synthetics(w http.ResponseWriter, r *http.Request, op string, body []byte) *apiError {
	var in struct {
		MaxResults int
		NextToken  string
	}
	if len(body) > 0 {
		if err := json.Unmarshal(body, &in); err != nil {
			return &apiError{status: 400, code: "ValidationException", message: err.Error()}
		}
	}
	per := in.MaxResults
	if per == 0 {
		per = s.pageItems()
	}
	per = min(per, s.pageItems())
	s.mu.Lock()
	runs := slices.Clone(s.runs)
	s.mu.Unlock()
	switch op {
	case "DescribeCanaries":
		var names []string
		for _, r := range runs {
			if !slices.Contains(names, r.Canary) {
				names = append(names, r.Canary)
			}
		}
		slices.Sort(names)
		cs := []map[string]any{}
		for _, n := range names {
			cs = append(cs, map[string]any{"Name": n, "Status": map[string]string{"State": "RUNNING"}})
		}
		writeJSON(w, "application/json", map[string]any{"Canaries": cs})
		return nil
	case "GetCanaryRuns":
		name := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/canary/"), "/runs")
		var list []CanaryRun
		for _, r := range runs {
			if r.Canary == name {
				list = append(list, r)
			}
		}
		if list == nil {
			return &apiError{status: 404, code: "ResourceNotFoundException", message: "Canary " + name + " not found"}
		}
		slices.SortStableFunc(list, func(a, b CanaryRun) int { return b.Start.Compare(a.Start) }) // newest first
		start, err := token(in.NextToken, len(list))
		if err != nil {
			return err
		}
		end := min(len(list), start+per)
		out := []map[string]any{}
		for i, r := range list[start:end] {
			out = append(out, map[string]any{"Id": fmt.Sprintf("run-%d", start+i), "Name": r.Canary,
				"Status":   map[string]any{"State": r.State, "StateReason": r.StateReason},
				"Timeline": map[string]any{"Started": epoch(r.Start), "Completed": epoch(r.End)}})
		}
		resp := map[string]any{"CanaryRuns": out}
		if end < len(list) {
			resp["NextToken"] = strconv.Itoa(end)
		}
		writeJSON(w, "application/json", resp)
		return nil
	}
	return &apiError{status: 404, code: "UnknownOperationException", message: op}
}

func (s *Server) route53(w http.ResponseWriter, op string) *apiError {
	if op != "ListHealthChecks" {
		return &apiError{status: 400, code: "InvalidInput", message: op}
	}
	s.mu.Lock()
	checks := slices.Clone(s.checks)
	s.mu.Unlock()
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n" + `<ListHealthChecksResponse xmlns="https://route53.amazonaws.com/doc/2013-04-01/"><HealthChecks>`)
	el := func(name, v string) {
		b.WriteString("<" + name + ">")
		xml.EscapeText(&b, []byte(v))
		b.WriteString("</" + name + ">")
	}
	for _, h := range checks {
		b.WriteString("<HealthCheck>")
		el("Id", h.ID)
		el("CallerReference", "ref-"+h.ID)
		b.WriteString("<HealthCheckConfig>")
		if h.Port != 0 {
			el("Port", strconv.Itoa(h.Port))
		}
		el("Type", h.Type)
		if h.Path != "" {
			el("ResourcePath", h.Path)
		}
		el("FullyQualifiedDomainName", h.FQDN)
		el("RequestInterval", "30")
		el("FailureThreshold", "3")
		b.WriteString("</HealthCheckConfig>")
		el("HealthCheckVersion", "1")
		b.WriteString("</HealthCheck>")
	}
	b.WriteString("</HealthChecks><IsTruncated>false</IsTruncated><Marker></Marker><MaxItems>100</MaxItems></ListHealthChecksResponse>")
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(200)
	w.Write(b.Bytes())
	return nil
}

// Roles are the roles AssumeRole may hand out: role ARN to the external
// id it requires ("" for none).
type Roles map[string]string

// AddRole lets AssumeRole hand out temporary credentials for arn when the
// caller gives externalID.
func (s *Server) AddRole(arn, externalID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.roles == nil {
		s.roles = Roles{}
	}
	s.roles[arn] = externalID
}

func (s *Server) sts(w http.ResponseWriter, r *http.Request, body []byte) *apiError {
	q, err := parseForm(body)
	if err != nil || q["Action"] != "AssumeRole" {
		return &apiError{status: 400, code: "InvalidAction", message: "only AssumeRole is served"}
	}
	s.mu.Lock()
	ext, ok := s.roles[q["RoleArn"]]
	s.mu.Unlock()
	if !ok || ext != q["ExternalId"] {
		return &apiError{status: 403, code: "AccessDenied", message: "User is not authorized to perform: sts:AssumeRole on resource: " + q["RoleArn"]}
	}
	id := fmt.Sprintf("ASIAFAKE%08d", len(s.Requests()))
	secret, tok := "temp-secret-"+id, "temp-token-"+id
	exp := s.now().Add(time.Hour)
	s.AddKey(id, secret, tok, exp)
	fmt.Fprintf(w, `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult><Credentials><AccessKeyId>%s</AccessKeyId><SecretAccessKey>%s</SecretAccessKey><SessionToken>%s</SessionToken><Expiration>%s</Expiration></Credentials><AssumedRoleUser><Arn>%s/hindsight</Arn><AssumedRoleId>AROAFAKE:hindsight</AssumedRoleId></AssumedRoleUser></AssumeRoleResult><ResponseMetadata><RequestId>00000000-0000-4000-8000-000000000000</RequestId></ResponseMetadata></AssumeRoleResponse>`,
		id, secret, tok, exp.UTC().Format(time.RFC3339), q["RoleArn"])
	return nil
}
