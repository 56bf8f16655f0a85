package cloudwatch

import (
	"github.com/hindsight-sre/hindsight/sources"
)

// metricSpec is one metric a preset asks for on every resource it finds.
type metricSpec struct {
	namespace string
	metric    string
	// dims are the dimension names that identify one resource for this
	// metric, sorted; ListMetrics results with other dimension sets (per
	// availability zone, per target group) are left out.
	dims  []string
	stat  string // Average, Sum, Minimum, Maximum, p99 ...
	name  string // the series' human name
	role  sources.Role
	unit  string
	scale float64 // multiplies each value (0: 1)
	// falling marks a free/remaining/balance series whose running out is a
	// failure: its series carries sources.LabelExhaustion = "falling", and
	// its name says what is left ("free", "left"), as exporters' names do.
	falling bool
	// zero marks a count CloudWatch reports only when it is not zero
	// (the load balancers' HTTP code and error counts: "Reporting
	// criteria: there is a nonzero value" in their metric tables); a
	// period without a datapoint is then a zero, and is filled as one.
	zero bool
}

// presets find their resources with ListMetrics and give each series its
// role. The choice of metrics is AWS's own list of what to watch for each
// service ("Recommended alarms" in the CloudWatch user guide), kept to
// those that tell symptom from cause:
//
//   - latency and 5xx are what users feel (Latency, Errors);
//   - request counts drive load (Traffic);
//   - CPU, queues, connections and unhealthy hosts are the machinery
//     (Saturation), and a balance or free space that runs out is an
//     exhaustion candidate (falling).
var presets = map[string][]metricSpec{
	"alb": {
		{namespace: "AWS/ApplicationELB", metric: "TargetResponseTime", dims: []string{"LoadBalancer"}, stat: "p50", name: "ALB target response time p50", role: sources.Latency, unit: "s"},
		{namespace: "AWS/ApplicationELB", metric: "TargetResponseTime", dims: []string{"LoadBalancer"}, stat: "p99", name: "ALB target response time p99", role: sources.Latency, unit: "s"},
		{namespace: "AWS/ApplicationELB", metric: "HTTPCode_Target_5XX_Count", dims: []string{"LoadBalancer"}, stat: "Sum", name: "ALB target 5xx", role: sources.Errors, zero: true},
		{namespace: "AWS/ApplicationELB", metric: "HTTPCode_ELB_5XX_Count", dims: []string{"LoadBalancer"}, stat: "Sum", name: "ALB load balancer 5xx", role: sources.Errors, zero: true},
		{namespace: "AWS/ApplicationELB", metric: "RequestCount", dims: []string{"LoadBalancer"}, stat: "Sum", name: "ALB requests", role: sources.Traffic},
		{namespace: "AWS/ApplicationELB", metric: "TargetConnectionErrorCount", dims: []string{"LoadBalancer"}, stat: "Sum", name: "ALB target connection errors", role: sources.Errors, zero: true},
		// Unhealthy hosts are reported per target group only.
		{namespace: "AWS/ApplicationELB", metric: "UnHealthyHostCount", dims: []string{"LoadBalancer", "TargetGroup"}, stat: "Maximum", name: "ALB unhealthy hosts", role: sources.Saturation},
	},
	"elb": {
		{namespace: "AWS/ELB", metric: "Latency", dims: []string{"LoadBalancerName"}, stat: "Average", name: "ELB latency", role: sources.Latency, unit: "s"},
		{namespace: "AWS/ELB", metric: "Latency", dims: []string{"LoadBalancerName"}, stat: "p99", name: "ELB latency p99", role: sources.Latency, unit: "s"},
		{namespace: "AWS/ELB", metric: "HTTPCode_Backend_5XX", dims: []string{"LoadBalancerName"}, stat: "Sum", name: "ELB backend 5xx", role: sources.Errors, zero: true},
		{namespace: "AWS/ELB", metric: "HTTPCode_ELB_5XX", dims: []string{"LoadBalancerName"}, stat: "Sum", name: "ELB load balancer 5xx", role: sources.Errors, zero: true},
		{namespace: "AWS/ELB", metric: "RequestCount", dims: []string{"LoadBalancerName"}, stat: "Sum", name: "ELB requests", role: sources.Traffic},
		{namespace: "AWS/ELB", metric: "BackendConnectionErrors", dims: []string{"LoadBalancerName"}, stat: "Sum", name: "ELB backend connection errors", role: sources.Errors, zero: true},
		{namespace: "AWS/ELB", metric: "UnHealthyHostCount", dims: []string{"LoadBalancerName"}, stat: "Maximum", name: "ELB unhealthy hosts", role: sources.Saturation},
		{namespace: "AWS/ELB", metric: "SurgeQueueLength", dims: []string{"LoadBalancerName"}, stat: "Maximum", name: "ELB surge queue", role: sources.Saturation},
		{namespace: "AWS/ELB", metric: "SpilloverCount", dims: []string{"LoadBalancerName"}, stat: "Sum", name: "ELB spillover", role: sources.Errors, zero: true},
	},
	"ec2": {
		{namespace: "AWS/EC2", metric: "CPUUtilization", dims: []string{"InstanceId"}, stat: "Average", name: "EC2 CPU", role: sources.Saturation, unit: "%"},
		{namespace: "AWS/EC2", metric: "StatusCheckFailed", dims: []string{"InstanceId"}, stat: "Maximum", name: "EC2 status check failed", role: sources.Errors},
		// A burstable instance (t2/t3/t4g) out of CPU credits is throttled to
		// its baseline: a common cause of slowness nobody sees coming.
		{namespace: "AWS/EC2", metric: "CPUCreditBalance", dims: []string{"InstanceId"}, stat: "Minimum", name: "EC2 CPU credits left", role: sources.Saturation, falling: true},
	},
	"ebs": {
		// gp2/st1/sc1 volumes out of burst credits fall to baseline IOPS.
		{namespace: "AWS/EBS", metric: "BurstBalance", dims: []string{"VolumeId"}, stat: "Minimum", name: "EBS burst credits left", role: sources.Saturation, unit: "%", falling: true},
		{namespace: "AWS/EBS", metric: "VolumeQueueLength", dims: []string{"VolumeId"}, stat: "Average", name: "EBS queue length", role: sources.Saturation},
	},
	"rds": {
		{namespace: "AWS/RDS", metric: "CPUUtilization", dims: []string{"DBInstanceIdentifier"}, stat: "Average", name: "RDS CPU", role: sources.Saturation, unit: "%"},
		{namespace: "AWS/RDS", metric: "FreeStorageSpace", dims: []string{"DBInstanceIdentifier"}, stat: "Minimum", name: "RDS free storage", role: sources.Saturation, unit: "bytes", falling: true},
		{namespace: "AWS/RDS", metric: "FreeableMemory", dims: []string{"DBInstanceIdentifier"}, stat: "Minimum", name: "RDS freeable memory", role: sources.Saturation, unit: "bytes", falling: true},
		{namespace: "AWS/RDS", metric: "DatabaseConnections", dims: []string{"DBInstanceIdentifier"}, stat: "Maximum", name: "RDS connections", role: sources.Saturation},
		// The database's latency is machinery behind the application's, not
		// what users feel: Saturation, so it can be a cause, never a symptom.
		{namespace: "AWS/RDS", metric: "ReadLatency", dims: []string{"DBInstanceIdentifier"}, stat: "Average", name: "RDS read latency", role: sources.Saturation, unit: "s"},
		{namespace: "AWS/RDS", metric: "WriteLatency", dims: []string{"DBInstanceIdentifier"}, stat: "Average", name: "RDS write latency", role: sources.Saturation, unit: "s"},
		{namespace: "AWS/RDS", metric: "ReplicaLag", dims: []string{"DBInstanceIdentifier"}, stat: "Maximum", name: "RDS replica lag", role: sources.Saturation, unit: "s"},
	},
}

// presetNames lists the presets in a stable order for messages.
var presetNames = []string{"alb", "elb", "ec2", "ebs", "rds"}
