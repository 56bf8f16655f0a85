// Package cloudwatch is the `cloudwatch` source: an AWS account's
// CloudWatch metrics, alarm history, Synthetics canaries, Route 53 health
// checks and CloudTrail management events, for one region, turned into
// hindsight's vocabulary. It sits between config and analyze and knows
// nothing about incidents; it never writes to AWS.
//
// Metrics come from GetMetricData, at most 500 queries a call, each call
// paged by NextToken. The period is about the window's length / 2,000,
// snapped to 1, 5, 15 or 60 minutes, and never finer than CloudWatch still
// keeps for the window's start (1-minute data 15 days, 5-minute 63, hourly
// 455); the start is rounded down to the period. When retention forced a
// coarser period, a gap says which resolution was used. A note counts the
// metrics and requests of the run (GetMetricData is billed per metric), and
// a window already fetched in the run is served from memory.
//
// Presets (alb, elb, ec2, ebs, rds) find their resources with ListMetrics
// and give each series its role; free storage, freeable memory, CPU credits
// and burst credits carry sources.LabelExhaustion = "falling"; the load
// balancers' 5xx and error counts, which CloudWatch reports only when not
// zero, are filled with zeros up to now. `queries:` adds any metric or
// metric-math expression with a role.
//
// Credentials are the AWS SDK's: the default chain, a named aws_profile
// (static keys, SSO, credential_process), role_arn with external_id on top.
// Errors name what failed and the next step (an expired SSO session:
// `hint: aws sso login --profile NAME`); secrets never appear in them.
//
// Tests: no CloudWatch emulator can be installed where hindsight is built,
// so the tests run the real aws-sdk-go-v2 clients (service/cloudwatch
// v1.76.0, cloudtrail v1.56.0, synthetics v1.43.0, route53 v1.71.0,
// smithy-go v1.28.9) against internal/awsfake, a local server that checks
// each request's SigV4 signature with the SDK's own signer and speaks what
// those SDK versions send: Smithy RPC v2 CBOR for CloudWatch (verified in
// the SDK's api_client.go, `rpcv2.NewCBOR`, and its request snapshots),
// AWS JSON 1.1 for CloudTrail, REST-JSON for Synthetics, REST-XML for
// Route 53 and the query protocol for STS. Responses follow AWS's
// documented examples and the SDK's recorded response snapshots. The
// tests cover throttling (400 ThrottlingException, then a retry), NextToken
// paging, PartialData, expired and wrong credentials, expired SSO tokens
// and assumed roles.
package cloudwatch
