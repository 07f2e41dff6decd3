//! The per-topic control tables. Each module holds one topic's documentation (its module doc,
//! also returned by [`doc`]) and a static table with one [`Control`] per benchmark version that
//! has the control.

use crate::{Control, Topic};

/// The remediation steps every metric-filter control shares, with the resource names derived
/// from the topic slug (`cis-<slug>`, the names `trailwatch` itself proposes). A macro so the
/// result stays a `&'static str` literal in the static tables.
macro_rules! metric_filter_remediation {
    ($slug:literal) => {
        concat!(
            "1. Pick the trail that feeds the alarms: an active (`IsLogging`), multi-region trail whose ",
            "event selectors record all management events (read and write) and that delivers to a ",
            "CloudWatch Logs log group in this account:\n",
            "   aws cloudtrail describe-trails\n",
            "   aws cloudtrail get-trail-status --name <trail>\n",
            "   aws cloudtrail get-event-selectors --trail-name <trail>\n",
            "   If there is none, create one and set --cloud-watch-logs-log-group-arn and ",
            "--cloud-watch-logs-role-arn on it.\n",
            "2. In the log group's region, create the metric filter with the pattern published for ",
            "this control:\n",
            "   aws logs put-metric-filter --log-group-name <trail-log-group> --filter-name cis-",
            $slug,
            " --metric-transformations metricName=cis-",
            $slug,
            ",metricNamespace=CISBenchmark,metricValue=1 --filter-pattern '<pattern>'\n",
            "3. Create (or reuse) an SNS topic, subscribe an endpoint someone watches, and confirm ",
            "the subscription:\n",
            "   aws sns create-topic --name trailwatch-cis-alarms\n",
            "   aws sns subscribe --topic-arn <topic-arn> --protocol email --notification-endpoint ",
            "<address>\n",
            "4. Create the alarm on the metric, notifying the topic:\n",
            "   aws cloudwatch put-metric-alarm --alarm-name cis-",
            $slug,
            " --metric-name cis-",
            $slug,
            " --namespace CISBenchmark --statistic Sum --period 300 --evaluation-periods 1 ",
            "--threshold 1 --comparison-operator GreaterThanOrEqualToThreshold ",
            "--treat-missing-data notBreaching --alarm-actions <topic-arn>\n"
        )
    };
}
pub(crate) use metric_filter_remediation;

/// The remediation steps of the Security Hub control.
macro_rules! security_hub_remediation {
    () => {
        concat!(
            "1. Enable Security Hub in every region in scope (AWS Config must be recording there ",
            "for most of its controls):\n",
            "   aws securityhub enable-security-hub --region <region> --enable-default-standards\n",
            "2. In an organization, prefer a delegated administrator with central configuration so ",
            "new accounts and regions are enabled automatically:\n",
            "   aws securityhub enable-organization-admin-account --admin-account-id <account-id>\n",
            "3. Check the result per region:\n",
            "   aws securityhub describe-hub --region <region>\n"
        )
    };
}
pub(crate) use security_hub_remediation;

mod cloudtrail_config_changes;
mod cmk_disable_or_deletion;
mod config_changes;
mod console_auth_failures;
mod console_signin_without_mfa;
mod iam_policy_changes;
mod nacl_changes;
mod network_gateway_changes;
mod organizations_changes;
mod root_usage;
mod route_table_changes;
mod s3_bucket_policy_changes;
mod security_group_changes;
mod security_hub_enabled;
mod unauthorized_api_calls;
mod vpc_changes;

/// Every topic's table; [`crate::controls()`] filters and sorts them.
pub(crate) static TABLES: [&[Control]; 16] = [
    unauthorized_api_calls::CONTROLS,
    console_signin_without_mfa::CONTROLS,
    root_usage::CONTROLS,
    iam_policy_changes::CONTROLS,
    cloudtrail_config_changes::CONTROLS,
    console_auth_failures::CONTROLS,
    cmk_disable_or_deletion::CONTROLS,
    s3_bucket_policy_changes::CONTROLS,
    config_changes::CONTROLS,
    security_group_changes::CONTROLS,
    nacl_changes::CONTROLS,
    network_gateway_changes::CONTROLS,
    route_table_changes::CONTROLS,
    vpc_changes::CONTROLS,
    organizations_changes::CONTROLS,
    security_hub_enabled::CONTROLS,
];

/// The topic's ruff-style documentation (Markdown).
pub(crate) fn doc(topic: Topic) -> &'static str {
    match topic {
        Topic::UnauthorizedApiCalls => unauthorized_api_calls::DOC,
        Topic::ConsoleSigninWithoutMfa => console_signin_without_mfa::DOC,
        Topic::RootUsage => root_usage::DOC,
        Topic::IamPolicyChanges => iam_policy_changes::DOC,
        Topic::CloudTrailConfigChanges => cloudtrail_config_changes::DOC,
        Topic::ConsoleAuthFailures => console_auth_failures::DOC,
        Topic::CmkDisableOrDeletion => cmk_disable_or_deletion::DOC,
        Topic::S3BucketPolicyChanges => s3_bucket_policy_changes::DOC,
        Topic::ConfigChanges => config_changes::DOC,
        Topic::SecurityGroupChanges => security_group_changes::DOC,
        Topic::NaclChanges => nacl_changes::DOC,
        Topic::NetworkGatewayChanges => network_gateway_changes::DOC,
        Topic::RouteTableChanges => route_table_changes::DOC,
        Topic::VpcChanges => vpc_changes::DOC,
        Topic::OrganizationsChanges => organizations_changes::DOC,
        Topic::SecurityHubEnabled => security_hub_enabled::DOC,
    }
}
