//! From audit findings to gaps: the first broken link of the best candidate decides.

mod support;

use audit::{
    AlarmLink, Assessment, AuditReport, BrokenLink as AuditBroken, CandidateChain, Chain, Evidence,
    Finding, Link, LogGroupLink, MetricFilterLink, PatternMode, RequiredPattern, Status, Summary,
    TopicLink,
};
use fix_plan::findings::gaps;
use fix_plan::BrokenLink;
use support::*;

fn finding(status: Status, broken: Option<(Link, &str)>, chain: Chain) -> Finding {
    Finding {
        control_id: "4.1".into(),
        topic: "unauthorized-api-calls".into(),
        title: "Ensure unauthorized API calls are monitored".into(),
        level: 1,
        assessment: Assessment::Automated,
        benchmark: "v3.0.0".into(),
        status,
        reason: "no alarm watches the filter's metric".into(),
        evidence: Evidence {
            required_patterns: vec![RequiredPattern {
                text: "{ A || B || C || D }".into(),
                variant: "default".into(),
                intended: Some("{ (A || B) && C && D }".into()),
            }],
            passing_chain: None,
            candidates: broken
                .map(|(link, resource)| CandidateChain {
                    status: Status::Fail,
                    chain,
                    first_broken_link: Some(AuditBroken {
                        link,
                        resource: resource.into(),
                        problem: format!("{link} is broken"),
                        witness: None,
                    }),
                    needs_judgement: vec![],
                })
                .into_iter()
                .collect(),
            security_hub: vec![],
        },
        rationale: String::new(),
        remediation: String::new(),
        notes: vec![],
        exception: None,
        lints: vec![],
    }
}

fn report(findings: Vec<Finding>) -> AuditReport {
    AuditReport {
        benchmark: "v3.0.0".into(),
        account_id: ACCOUNT.into(),
        partition: "aws".into(),
        collected_at: None,
        regions: vec![REGION.into()],
        pattern_mode: PatternMode::Semantic,
        summary: Summary::of(&findings),
        findings,
    }
}

fn log_group() -> Option<LogGroupLink> {
    Some(LogGroupLink {
        name: LOG_GROUP.into(),
        arn: format!("arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{LOG_GROUP}:*"),
        region: REGION.into(),
        account_id: ACCOUNT.into(),
    })
}

fn metric_filter() -> Option<MetricFilterLink> {
    Some(MetricFilterLink {
        name: "mine".into(),
        pattern: "{ A }".into(),
        metric_name: "Unauthorized".into(),
        metric_namespace: "Custom".into(),
        metric_value: "1".into(),
        catches_variant: Some("default".into()),
    })
}

fn alarm_link() -> Option<AlarmLink> {
    Some(AlarmLink {
        name: "a".into(),
        arn: format!("arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:a"),
        region: REGION.into(),
    })
}

#[test]
fn the_intended_pattern_is_installed_where_the_printed_one_is_known_wrong() {
    let chain = Chain {
        log_group: log_group(),
        ..Default::default()
    };
    let out = gaps(
        &report(vec![finding(
            Status::Fail,
            Some((Link::MetricFilter, "")),
            chain,
        )]),
        &snapshot(),
    );
    let gap = &out.gaps[0];
    assert_eq!(gap.pattern, "{ (A || B) && C && D }");
    assert!(gap
        .pattern_note
        .as_deref()
        .unwrap()
        .contains("known to be wrong"));
    assert_eq!(gap.slug, "unauthorized-api-calls");
    assert_eq!(
        gap.broken,
        BrokenLink::Filter {
            region: REGION.into(),
            log_group: LOG_GROUP.into()
        }
    );
}

#[test]
fn each_broken_link_maps_to_what_must_be_built() {
    let snap = {
        let mut s = snapshot();
        s.missing_topics.push(USER_TOPIC.into());
        s
    };
    let alarm_chain = Chain {
        log_group: log_group(),
        metric_filter: metric_filter(),
        ..Default::default()
    };
    let topic_chain = Chain {
        alarm: alarm_link(),
        ..alarm_chain.clone()
    };
    let subscription_chain = Chain {
        topic: Some(TopicLink {
            arn: USER_TOPIC.into(),
            region: REGION.into(),
        }),
        ..topic_chain.clone()
    };
    let cases = [
        (Link::Trail, Chain::default(), "trail"),
        (Link::Alarm, alarm_chain, "alarm"),
        (Link::Topic, topic_chain.clone(), "missing"),
        (Link::Subscription, subscription_chain, "subscription"),
    ];
    for (link, chain, expect) in cases {
        let out = gaps(
            &report(vec![finding(Status::Fail, Some((link, USER_TOPIC)), chain)]),
            &snap,
        );
        let broken = &out.gaps[0].broken;
        let ok = match (expect, broken) {
            ("trail", BrokenLink::Trail { missing, .. }) => missing == "trail is broken",
            (
                "alarm",
                BrokenLink::Alarm {
                    namespace,
                    metric_name,
                    ..
                },
            ) => namespace == "Custom" && metric_name == "Unauthorized",
            ("missing", BrokenLink::TopicMissing { topic_arn, .. }) => topic_arn == USER_TOPIC,
            ("subscription", BrokenLink::Subscription { topic_arn }) => topic_arn == USER_TOPIC,
            _ => false,
        };
        assert!(ok, "{link:?}: {broken:?}");
    }
    // A topic that exists but cannot deliver is "unusable", not "missing".
    let out = gaps(
        &report(vec![finding(
            Status::Fail,
            Some((Link::Topic, USER_TOPIC)),
            topic_chain,
        )]),
        &snapshot(),
    );
    assert!(
        matches!(&out.gaps[0].broken, BrokenLink::TopicUnusable { why, .. } if why == "SNS topic is broken")
    );
}

#[test]
fn no_candidate_chain_means_no_qualifying_trail() {
    let out = gaps(
        &report(vec![finding(Status::Fail, None, Chain::default())]),
        &snapshot(),
    );
    assert_eq!(
        out.gaps[0].broken,
        BrokenLink::Trail {
            missing: "no alarm watches the filter's metric".into(),
            trail_arn: None
        }
    );
}

#[test]
fn passing_findings_are_skipped_and_errors_are_not_planned() {
    let pass = finding(Status::Pass, None, Chain::default());
    let error = finding(Status::Error, None, Chain::default());
    let out = gaps(&report(vec![pass, error]), &snapshot());
    assert!(out.gaps.is_empty());
    assert_eq!(out.not_planned.len(), 1);
    assert!(
        out.not_planned[0].message.starts_with("ERROR"),
        "{:?}",
        out.not_planned
    );
}

fn judged(link: Link) -> AuditBroken {
    AuditBroken {
        link,
        resource: "other-filter".into(),
        problem: "coverage could not be decided".into(),
        witness: None,
    }
}

#[test]
fn a_manual_finding_is_fixed_only_where_no_judgement_is_needed() {
    // The audit cannot decide whether another filter covers the pattern: add the benchmark's.
    let mut manual = finding(Status::Manual, None, Chain::default());
    manual.evidence.candidates = vec![CandidateChain {
        status: Status::Manual,
        chain: Chain {
            log_group: log_group(),
            ..Default::default()
        },
        first_broken_link: Some(judged(Link::MetricFilter)),
        needs_judgement: vec![],
    }];
    let out = gaps(&report(vec![manual.clone()]), &snapshot());
    assert_eq!(
        out.gaps[0].broken,
        BrokenLink::Filter {
            region: REGION.into(),
            log_group: LOG_GROUP.into()
        }
    );

    // A failing candidate that got past a judged filter is not completed: it might not help.
    manual.evidence.candidates = vec![CandidateChain {
        status: Status::Fail,
        chain: Chain {
            log_group: None,
            metric_filter: metric_filter(),
            ..Default::default()
        },
        first_broken_link: Some(judged(Link::Alarm)),
        needs_judgement: vec![judged(Link::MetricFilter)],
    }];
    let out = gaps(&report(vec![manual.clone()]), &snapshot());
    assert!(out.gaps.is_empty(), "{:?}", out.gaps);
    assert!(out.not_planned[0].message.starts_with("MANUAL"));

    // A failing candidate with every link verified is completed.
    manual.evidence.candidates.push(CandidateChain {
        status: Status::Fail,
        chain: Chain {
            log_group: log_group(),
            metric_filter: metric_filter(),
            ..Default::default()
        },
        first_broken_link: Some(judged(Link::Alarm)),
        needs_judgement: vec![],
    });
    let out = gaps(&report(vec![manual]), &snapshot());
    assert!(
        matches!(&out.gaps[0].broken, BrokenLink::Alarm { metric_name, .. } if metric_name == "Unauthorized")
    );
}
