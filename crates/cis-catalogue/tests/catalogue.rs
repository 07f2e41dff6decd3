//! The catalogue's shape: ids, counts, texts and names per benchmark version.

use cis_catalogue::{controls, find, Assessment, Benchmark, Check, Topic, UnknownName, Variant};

/// The ids each version must have, in order.
fn expected_ids(benchmark: Benchmark) -> Vec<String> {
    let (section, count) = match benchmark {
        Benchmark::V1_2_0 => (3, 14),
        Benchmark::V1_3_0 | Benchmark::V1_4_0 => (4, 15),
        Benchmark::V1_5_0
        | Benchmark::V2_0_0
        | Benchmark::V3_0_0
        | Benchmark::V4_0_1
        | Benchmark::V5_0_0 => (4, 16),
        Benchmark::V6_0_0 | Benchmark::V7_0_0 => (5, 16),
    };
    (1..=count).map(|n| format!("{section}.{n}")).collect()
}

#[test]
fn every_version_has_the_right_ids_in_order() {
    for benchmark in Benchmark::ALL {
        let ids: Vec<String> = controls(benchmark)
            .iter()
            .map(|c| c.id.to_string())
            .collect();
        assert_eq!(ids, expected_ids(benchmark), "{benchmark}");
        assert!(controls(benchmark).iter().all(|c| c.benchmark == benchmark));
        let section = benchmark.monitoring_section().to_string();
        assert!(ids.iter().all(|id| id.starts_with(&format!("{section}."))));
    }
    let total: usize = Benchmark::ALL.iter().map(|b| controls(*b).len()).sum();
    assert_eq!(total, 14 + 15 + 15 + 16 * 5 + 16 * 2);
}

#[test]
fn topics_keep_their_number_across_versions() {
    for benchmark in Benchmark::ALL {
        for control in controls(benchmark) {
            let position = Topic::ALL.iter().position(|t| *t == control.topic).unwrap() + 1;
            assert_eq!(
                control.id,
                format!("{}.{position}", benchmark.monitoring_section())
            );
        }
    }
}

#[test]
fn every_control_has_text_level_and_a_check_matching_its_topic() {
    for benchmark in Benchmark::ALL {
        for control in controls(benchmark) {
            let at = format!("{benchmark} {}", control.id);
            assert!(!control.title.trim().is_empty(), "{at}: title");
            assert!(
                control.title.starts_with("Ensure "),
                "{at}: title {:?}",
                control.title
            );
            assert!(!control.rationale.trim().is_empty(), "{at}: rationale");
            assert!(!control.remediation.trim().is_empty(), "{at}: remediation");
            assert!(
                matches!(control.level, 1 | 2),
                "{at}: level {}",
                control.level
            );
            for section in [
                "## What it checks",
                "## Why it matters",
                "## Example",
                "## How to fix",
            ] {
                assert!(control.doc().contains(section), "{at}: doc lacks {section}");
            }
            let is_hub = control.topic == Topic::SecurityHubEnabled;
            assert_eq!(
                matches!(control.check, Check::SecurityHubEnabled),
                is_hub,
                "{at}"
            );
            if !is_hub {
                assert!(!control.patterns().is_empty(), "{at}: no pattern");
                assert!(
                    control
                        .remediation
                        .contains(&format!("cis-{}", control.slug())),
                    "{at}"
                );
            }
        }
    }
}

#[test]
fn titles_follow_the_wording_of_each_era() {
    let title = |b, id| find(b, id).unwrap().title;
    assert_eq!(
        title(Benchmark::V1_2_0, "3.4"),
        "Ensure a log metric filter and alarm exist for IAM policy changes"
    );
    assert_eq!(
        title(Benchmark::V3_0_0, "4.4"),
        "Ensure a log metric filter and alarm exist for IAM policy changes"
    );
    assert_eq!(
        title(Benchmark::V1_4_0, "4.15"),
        "Ensure a log metric filter and alarm exists for AWS Organizations changes"
    );
    assert_eq!(
        title(Benchmark::V1_5_0, "4.3"),
        "Ensure a log metric filter and alarm exist for usage of 'root' account"
    );
    assert_eq!(
        title(Benchmark::V4_0_1, "4.4"),
        "Ensure IAM policy changes are monitored"
    );
    assert_eq!(
        title(Benchmark::V7_0_0, "5.3"),
        "Ensure usage of the 'root' account is monitored"
    );
    for benchmark in [
        Benchmark::V4_0_1,
        Benchmark::V5_0_0,
        Benchmark::V6_0_0,
        Benchmark::V7_0_0,
    ] {
        for control in controls(benchmark) {
            assert!(
                control.title.ends_with(" monitored") || control.topic == Topic::SecurityHubEnabled,
                "{benchmark} {}: {}",
                control.id,
                control.title
            );
        }
    }
}

#[test]
fn monitoring_controls_turn_manual_in_v4_and_unauthorized_calls_turn_level_2() {
    for benchmark in Benchmark::ALL {
        let manual_era = benchmark >= Benchmark::V4_0_1;
        for control in controls(benchmark) {
            let expected = if manual_era && control.topic != Topic::SecurityHubEnabled {
                Assessment::Manual
            } else {
                Assessment::Automated
            };
            assert_eq!(control.assessment, expected, "{benchmark} {}", control.id);
        }
        let unauthorized = find(benchmark, "unauthorized-api-calls").unwrap();
        assert_eq!(
            unauthorized.level,
            if manual_era { 2 } else { 1 },
            "{benchmark}"
        );
    }
}

#[test]
fn assessment_and_levels_match_the_published_v7_values() {
    // Verified against the v7.0.0 transcription for 5.1-5.7.
    let levels: Vec<u8> = controls(Benchmark::V7_0_0)
        .iter()
        .take(7)
        .map(|c| c.level)
        .collect();
    assert_eq!(levels, [2, 1, 1, 1, 1, 2, 2]);
    for control in controls(Benchmark::V7_0_0) {
        let expected = if control.topic == Topic::SecurityHubEnabled {
            Assessment::Automated
        } else {
            Assessment::Manual
        };
        assert_eq!(control.assessment, expected, "{}", control.id);
    }
    assert!(controls(Benchmark::V1_2_0)
        .iter()
        .all(|c| c.assessment == Assessment::Automated));
}

#[test]
fn unauthorized_api_calls_texts_change_by_version_and_flag_the_wrong_ones() {
    let patterns = |b| find(b, "unauthorized-api-calls").unwrap().patterns();
    let v12 = patterns(Benchmark::V1_2_0);
    assert_eq!(v12.len(), 1);
    assert!(v12[0].known_wrong.is_none());
    assert_eq!(v12[0].effective(), v12[0].text);
    for benchmark in [
        Benchmark::V1_4_0,
        Benchmark::V1_5_0,
        Benchmark::V2_0_0,
        Benchmark::V3_0_0,
    ] {
        let text = patterns(benchmark)[0].text;
        assert_eq!(text.matches("||").count(), 3, "{benchmark}: all-|| text");
        assert!(patterns(benchmark)[0].known_wrong.is_some(), "{benchmark}");
    }
    for benchmark in [
        Benchmark::V4_0_1,
        Benchmark::V5_0_0,
        Benchmark::V6_0_0,
        Benchmark::V7_0_0,
    ] {
        let published = patterns(benchmark)[0];
        assert_eq!(published.text.matches("||").count(), 1, "{benchmark}");
        assert_eq!(published.text.matches("&&").count(), 2, "{benchmark}");
        let wrong = published.known_wrong.expect("v4.0.1+ text is flagged");
        assert_eq!(published.effective(), wrong.intended);
        assert!(
            wrong.intended.starts_with("{ (("),
            "intended groups A || B first"
        );
    }
}

#[test]
fn variants_are_kept_where_the_benchmark_prints_several() {
    let variants = |b, slug| -> Vec<Variant> {
        find(b, slug)
            .unwrap()
            .patterns()
            .iter()
            .map(|p| p.variant)
            .collect()
    };
    assert_eq!(
        variants(Benchmark::V1_2_0, "console-signin-without-mfa"),
        [Variant::Standard]
    );
    assert_eq!(
        variants(Benchmark::V7_0_0, "console-signin-without-mfa"),
        [Variant::Standard, Variant::Sso]
    );
    assert_eq!(
        variants(Benchmark::V2_0_0, "route-table-changes"),
        [Variant::Standard]
    );
    assert_eq!(
        variants(Benchmark::V3_0_0, "route-table-changes"),
        [Variant::Remediation, Variant::Audit]
    );
    let route = find(Benchmark::V7_0_0, "5.13").unwrap().patterns();
    assert!(route[0].known_wrong.is_none());
    assert!(route[1].known_wrong.is_some());
    assert!(route[1].text.contains("ec2.amazonaws.com"));
}

#[test]
fn security_group_pattern_gains_modify_rules_in_v5() {
    let text = |b| find(b, "security-group-changes").unwrap().patterns()[0].text;
    assert!(!text(Benchmark::V4_0_1).contains("ModifySecurityGroupRules"));
    for benchmark in [Benchmark::V5_0_0, Benchmark::V6_0_0, Benchmark::V7_0_0] {
        assert!(
            text(benchmark).contains("ModifySecurityGroupRules"),
            "{benchmark}"
        );
    }
}

#[test]
fn security_hub_and_organizations_appear_where_expected() {
    assert!(find(Benchmark::V1_2_0, "organizations-changes").is_none());
    assert_eq!(
        find(Benchmark::V1_3_0, "organizations-changes").unwrap().id,
        "4.15"
    );
    assert!(find(Benchmark::V1_4_0, "security-hub-enabled").is_none());
    assert_eq!(
        find(Benchmark::V1_5_0, "security-hub-enabled").unwrap().id,
        "4.16"
    );
    assert_eq!(
        find(Benchmark::V7_0_0, "security-hub-enabled").unwrap().id,
        "5.16"
    );
}

#[test]
fn find_accepts_ids_and_slugs_and_rejects_the_rest() {
    let by_id = find(Benchmark::V5_0_0, "4.7").unwrap();
    let by_slug = find(Benchmark::V5_0_0, "cmk-disable-or-deletion").unwrap();
    assert_eq!(by_id, by_slug);
    assert!(find(Benchmark::V5_0_0, "5.7").is_none());
    assert!(find(Benchmark::V5_0_0, "4.17").is_none());
    assert!(find(Benchmark::V5_0_0, "nonsense").is_none());
}

#[test]
fn kms_control_depends_on_kms_management_events() {
    assert_eq!(
        Topic::CmkDisableOrDeletion.required_event_sources(),
        ["kms.amazonaws.com"]
    );
    assert!(Topic::RootUsage.required_event_sources().is_empty());
}

#[test]
fn slugs_and_versions_round_trip() {
    for topic in Topic::ALL {
        assert_eq!(topic.slug().parse::<Topic>(), Ok(topic));
        assert_eq!(topic.to_string(), topic.slug());
        let json = serde_json::to_string(&topic).unwrap();
        assert_eq!(serde_json::from_str::<Topic>(&json).unwrap(), topic);
    }
    for benchmark in Benchmark::ALL {
        let shown = benchmark.to_string();
        assert_eq!(shown.parse::<Benchmark>(), Ok(benchmark));
        assert_eq!(shown[1..].parse::<Benchmark>(), Ok(benchmark));
        let json = serde_json::to_string(&benchmark).unwrap();
        assert_eq!(json, format!("\"{shown}\""));
        assert_eq!(serde_json::from_str::<Benchmark>(&json).unwrap(), benchmark);
    }
    assert_eq!("1.4".parse::<Benchmark>(), Ok(Benchmark::V1_4_0));
    assert_eq!("V7.0.0".parse::<Benchmark>(), Ok(Benchmark::V7_0_0));
    assert_eq!("4.0".parse::<Benchmark>(), Ok(Benchmark::V4_0_1));
    assert_eq!(Benchmark::latest(), Benchmark::V7_0_0);
}

#[test]
fn unknown_names_say_what_was_expected() {
    let error: UnknownName = "1.1.0".parse::<Benchmark>().unwrap_err();
    let message = error.to_string();
    assert!(
        message.contains("\"1.1.0\"") && message.contains("v7.0.0"),
        "{message}"
    );
    assert!("4".parse::<Benchmark>().is_err());
    let error = "iam".parse::<Topic>().unwrap_err().to_string();
    assert!(error.contains("iam-policy-changes"), "{error}");
    assert!(serde_json::from_str::<Topic>("\"iam\"").is_err());
}
