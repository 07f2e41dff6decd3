//! `trailwatch replay s3://...` against the emulator's S3: listing, concurrent downloads,
//! pruning by the key's day, digest files skipped, a broken object reported.

use crate::harness::{runtime, Moto};
use std::io::Write;

const BUCKET: &str = "trail-logs";
const DAY_PREFIX: &str = "AWSLogs/123456789012/CloudTrail/us-east-1";

fn gzip(text: &str) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(text.as_bytes()).unwrap();
    encoder.finish().unwrap()
}

fn records(events: &[(&str, &str)]) -> String {
    let records: Vec<String> = events
        .iter()
        .map(|(name, time)| {
            format!(
                r#"{{"eventVersion":"1.08","userIdentity":{{"type":"IAMUser","arn":"arn:aws:iam::123456789012:user/alice"}},"eventTime":"{time}","eventSource":"iam.amazonaws.com","eventName":"{name}"}}"#
            )
        })
        .collect();
    format!("{{\"Records\":[{}]}}", records.join(","))
}

#[test]
fn replays_a_bucket_pruned_by_day_and_reports_a_broken_object() {
    let moto = Moto::start();
    runtime().block_on(async {
        let config = moto.sdk_config("us-east-1").await;
        let s3 = aws_sdk_s3::Client::from_conf(
            aws_sdk_s3::config::Builder::from(&config)
                .force_path_style(true)
                .build(),
        );
        s3.create_bucket().bucket(BUCKET).send().await.unwrap();
        let broken = gzip(&records(&[("PutUserPolicy", "2024-05-01T11:00:00Z")]));
        let objects: Vec<(String, Vec<u8>)> = vec![
            (
                format!("{DAY_PREFIX}/2024/05/01/a.json.gz"),
                gzip(&records(&[
                    ("PutUserPolicy", "2024-05-01T10:00:00Z"),
                    ("ListUsers", "2024-05-01T10:01:00Z"),
                ])),
            ),
            (
                format!("{DAY_PREFIX}/2024/05/02/b.json.gz"),
                gzip(&records(&[("PutUserPolicy", "2024-05-02T10:00:00Z")])),
            ),
            (
                format!("{DAY_PREFIX}/2024/04/30/old.json.gz"),
                gzip(&records(&[("PutUserPolicy", "2024-04-30T10:00:00Z")])),
            ),
            (
                "AWSLogs/123456789012/CloudTrail/eu-west-1/2023/12/31/older.json.gz".into(),
                gzip(&records(&[("PutUserPolicy", "2023-12-31T10:00:00Z")])),
            ),
            (
                "AWSLogs/123456789012/CloudTrail/eu-west-1/2024/05/02/west.json.gz".into(),
                gzip(&records(&[("PutUserPolicy", "2024-05-02T11:00:00Z")])),
            ),
            (
                "AWSLogs/123456789012/CloudTrail-Digest/us-east-1/2024/05/01/d.json.gz".into(),
                gzip(r#"{"awsAccountId":"123456789012"}"#),
            ),
            (
                format!("{DAY_PREFIX}/2024/05/01/broken.json.gz"),
                broken[..broken.len() - 12].to_vec(),
            ),
        ];
        for (key, body) in objects {
            s3.put_object()
                .bucket(BUCKET)
                .key(key)
                .body(body.into())
                .send()
                .await
                .unwrap();
        }
    });
    let output = moto
        .trailwatch()
        .args([
            "replay",
            "s3://trail-logs/AWSLogs/",
            "--since",
            "2024-05-01",
            "--until",
            "2024-05-02",
            "--pattern",
            r#"{ $.eventName = "PutUserPolicy" }"#,
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(3), "stderr: {stderr}");
    // The two out-of-range day folders (04/30 in us-east-1, 2023/12/31 in eu-west-1) are never
    // listed, so no object is even seen outside the range.
    assert!(
        stderr.contains(
            "skipped 1 digest files, 0 objects outside --since/--until, and 2 day folders outside it (not listed)"
        ),
        "{stderr}"
    );
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["files"], 4, "{report:#}");
    assert_eq!(report["filters"][0]["matched"], 3, "{report:#}");
    assert_eq!(report["filters"][0]["first"], "2024-05-01T10:00:00Z");
    assert_eq!(report["filters"][0]["last"], "2024-05-02T11:00:00Z");
    assert_eq!(report["problems"], 1, "{report:#}");
    let problem = &report["problem_examples"][0];
    assert_eq!(
        problem["file"],
        format!("s3://{BUCKET}/{DAY_PREFIX}/2024/05/01/broken.json.gz")
    );
    assert!(
        problem["message"].as_str().unwrap().contains("gzip"),
        "{problem}"
    );
}
