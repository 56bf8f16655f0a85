package cloudwatch

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials/ssocreds"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
)

// loadAWS resolves the SDK's configuration the AWS way: the default chain
// (environment, shared config and credentials files, SSO, web identity,
// container and instance roles), narrowed to a named profile when one is
// set, then a role assumed on top when role_arn is set. Nothing is fetched
// here: credentials are retrieved on first use and cached.
func loadAWS(c Config) (aws.Config, error) {
	var opts []func(*config.LoadOptions) error
	if c.Region != "" {
		opts = append(opts, config.WithRegion(c.Region))
	}
	if c.Profile != "" {
		opts = append(opts, config.WithSharedConfigProfile(c.Profile))
	}
	// Throttling is retried with the SDK's backoff; five attempts (the
	// default) ride out the 2-requests-a-second limit of CloudTrail
	// LookupEvents.
	opts = append(opts, config.WithRetryer(func() aws.Retryer {
		return retry.NewStandard(func(o *retry.StandardOptions) { o.MaxAttempts = c.MaxAttempts })
	}))
	if c.Endpoint != "" {
		opts = append(opts, config.WithBaseEndpoint(c.Endpoint))
	}
	cfg, err := config.LoadDefaultConfig(context.Background(), opts...)
	if err != nil {
		if c.Profile != "" && strings.Contains(err.Error(), "failed to get shared config profile") {
			return aws.Config{}, fmt.Errorf("aws_profile %q: not in the shared AWS config\nhint: list the profiles with `aws configure list-profiles`, or set AWS_CONFIG_FILE", c.Profile)
		}
		return aws.Config{}, fmt.Errorf("load AWS config: %w", err)
	}
	if cfg.Region == "" {
		return aws.Config{}, errors.New("no AWS region\nhint: set region in the source, region in the AWS profile, or AWS_REGION")
	}
	if c.RoleARN != "" {
		stsc := sts.NewFromConfig(cfg)
		cfg.Credentials = aws.NewCredentialsCache(stscreds.NewAssumeRoleProvider(stsc, c.RoleARN, func(o *stscreds.AssumeRoleOptions) {
			if c.ExternalID != "" {
				o.ExternalID = aws.String(c.ExternalID)
			}
			o.RoleSessionName = "hindsight"
		}))
	}
	return cfg, nil
}

// explain turns an SDK error into one line naming what failed, plus the
// next step. The SDK's messages never carry secrets (keys appear only as
// their id in a signature mismatch, which AWS itself echoes); we still cut
// them to their first line.
func (s *Source) explain(what string, err error) error {
	profile := s.c.Profile
	if profile == "" {
		profile = "default"
	}
	var tokErr *ssocreds.InvalidTokenError
	if errors.As(err, &tokErr) || strings.Contains(err.Error(), "SSO token") || strings.Contains(err.Error(), "SSO session") {
		return fmt.Errorf("%s: the AWS SSO session of profile %s has expired\nhint: aws sso login --profile %s", what, profile, profile)
	}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		code := ae.ErrorCode()
		msg := firstLine(ae.ErrorMessage())
		switch code {
		case "ExpiredToken", "ExpiredTokenException", "RequestExpired":
			return fmt.Errorf("%s: the AWS credentials have expired (%s)\nhint: refresh them (aws sso login --profile %s, or new temporary keys)", what, code, profile)
		case "InvalidClientTokenId", "UnrecognizedClientException", "SignatureDoesNotMatch", "IncompleteSignature", "InvalidSignatureException", "AuthFailure":
			return fmt.Errorf("%s: AWS refused the credentials (%s: %s)\nhint: check the access key and secret of profile %s, or the role's trust policy", what, code, msg, profile)
		case "AccessDenied", "AccessDeniedException", "UnauthorizedOperation":
			return fmt.Errorf("%s: access denied (%s)\nhint: grant the read-only policy CloudWatchReadOnlyAccess (and AWSCloudTrail_ReadOnlyAccess, CloudWatchSyntheticsReadOnlyAccess, AmazonRoute53ReadOnlyAccess for those parts)", what, msg)
		case "Throttling", "ThrottlingException", "RequestLimitExceeded", "TooManyRequestsException":
			return fmt.Errorf("%s: throttled by AWS after retries (%s)\nhint: narrow the window or fewer presets; another tool may be using the account's API quota", what, code)
		}
		return fmt.Errorf("%s: %s: %s", what, code, msg)
	}
	var ne net.Error
	if errors.As(err, &ne) || strings.Contains(err.Error(), "dial tcp") || strings.Contains(err.Error(), "no such host") {
		return fmt.Errorf("%s: AWS endpoint unreachable: %s\nhint: check the network path to AWS (proxy, VPC endpoint) or endpoint in the source's config", what, lastPart(err.Error()))
	}
	if strings.Contains(err.Error(), "failed to retrieve credentials") || strings.Contains(err.Error(), "no EC2 IMDS role found") {
		return fmt.Errorf("%s: no AWS credentials found\nhint: set aws_profile, or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or run on an instance with a role", what)
	}
	return fmt.Errorf("%s: %s", what, firstLine(err.Error()))
}

// lastPart is the innermost cause of a chain of "a: b: c" messages.
func lastPart(s string) string {
	s = firstLine(s)
	if i := strings.LastIndex(s, ": "); i >= 0 && i+2 < len(s) {
		return s[i+2:]
	}
	return s
}
