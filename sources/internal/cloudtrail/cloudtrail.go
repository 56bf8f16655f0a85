// Package cloudtrail says which CloudTrail API calls are events a cause can
// be: one list for the two places that read CloudTrail (the cloudwatch
// source's LookupEvents and the logs source's trail files in S3), so that a
// trail looked up and the same trail read from S3 give the same events.
package cloudtrail

import (
	"slices"
	"strings"

	"github.com/hindsight-sre/hindsight/sources"
)

var (
	// restarts stop or start what serves: a crash-like cause.
	restarts = []string{"RebootInstances", "StopInstances", "StartInstances", "TerminateInstances",
		"RebootDBInstance", "StopDBInstance", "StartDBInstance", "FailoverDBCluster", "RebootCacheCluster", "RebootBroker"}
	// deploys put new code or a new version in place.
	deploys = []string{"CreateDeployment", "UpdateService", "UpdateFunctionCode", "UpdateStack", "ExecuteChangeSet",
		"StartInstanceRefresh", "UpdateEnvironment", "CreateImage"}
	// changePrefixes are the verbs of AWS write APIs that alter a running
	// system's configuration.
	changePrefixes = []string{"Modify", "Update", "Put", "Authorize", "Revoke", "Attach", "Detach", "Associate",
		"Disassociate", "Replace", "Set", "Create", "Delete", "Register", "Deregister", "Enable", "Disable", "Change", "Terminate", "Reboot"}
	// skipped are write calls that change nothing a service depends on, or
	// that AWS's own automation makes all day (log streams, KMS grants,
	// network interfaces for Lambda and ECS, sessions and logins): as
	// change events they would bury the few that matter.
	skipped = []string{"AssumeRole", "AssumeRoleWithWebIdentity", "AssumeRoleWithSAML", "ConsoleLogin", "CreateLogStream",
		"CreateGrant", "RetireGrant", "CreateNetworkInterface", "DeleteNetworkInterface", "CreateTags", "DeleteTags",
		"GetSessionToken", "GetFederationToken", "StartSession", "CreateToken", "RegisterClient", "Decrypt", "Encrypt", "GenerateDataKey"}
)

// Kind is the event kind of a successful call named name: restart, deploy
// or change, or "" when the call is no event (a read, a skipped call, an
// unknown verb). A refused call changes nothing: callers drop those first.
func Kind(name string) sources.EventKind {
	if name == "" || slices.Contains(skipped, name) {
		return ""
	}
	switch {
	case slices.Contains(restarts, name):
		return sources.KindRestart
	case slices.Contains(deploys, name):
		return sources.KindDeploy
	}
	for _, p := range changePrefixes {
		if strings.HasPrefix(name, p) {
			return sources.KindChange
		}
	}
	return ""
}
