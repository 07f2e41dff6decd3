//! Generates realistic CloudTrail archives in the layout CloudTrail writes to S3:
//! `AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/<account>_CloudTrail_<region>_<time>_<id>.json.gz`,
//! each file one gzip `{"Records":[...]}` object covering five minutes.
//!
//! Records are shaped after real ones: the generator takes template records (the shared samples)
//! and varies them deterministically from a seed: times, ids, accounts, regions, principals,
//! source addresses, errors (`AccessDenied`, `*UnauthorizedOperation`) and console sign-ins
//! (MFA or not, success or failure). Read-only calls dominate, as in real trails; a few percent
//! are the changes the CIS controls watch.

use serde_json::{Map, Value};
use std::io::Write;
use std::path::{Path, PathBuf};

/// A small deterministic random generator (SplitMix64).
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator for `seed`.
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n > 0`).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64 * 1.0 < p
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    fn uuid(&mut self) -> String {
        let (a, b) = (self.next_u64(), self.next_u64());
        format!(
            "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xffff,
            a & 0xfff,
            (b >> 48) & 0x3fff | 0x8000,
            b & 0xffff_ffff_ffff
        )
    }
}

/// Template records, split into routine calls and the rarer changes and failures.
#[derive(Debug, Clone)]
pub struct Templates {
    routine: Vec<Map<String, Value>>,
    notable: Vec<Map<String, Value>>,
}

impl Templates {
    /// Reads templates from JSON Lines files whose lines hold a record under `"event"` (the
    /// shared samples' shape) or are records themselves.
    pub fn load(files: &[PathBuf]) -> Result<Templates, String> {
        let mut templates = Templates {
            routine: Vec::new(),
            notable: Vec::new(),
        };
        for file in files {
            let text =
                std::fs::read_to_string(file).map_err(|e| format!("{}: {e}", file.display()))?;
            for (n, line) in text
                .lines()
                .enumerate()
                .filter(|(_, l)| !l.trim().is_empty())
            {
                let value: Value = serde_json::from_str(line)
                    .map_err(|e| format!("{}: line {}: {e}", file.display(), n + 1))?;
                let record = match value.get("event") {
                    Some(Value::Object(record)) => record.clone(),
                    _ => match value {
                        Value::Object(record) => record,
                        _ => continue,
                    },
                };
                templates.add(record);
            }
        }
        if templates.routine.is_empty() || templates.notable.is_empty() {
            return Err("the templates need both routine (read-only) and notable records".into());
        }
        Ok(templates)
    }

    fn add(&mut self, mut record: Map<String, Value>) {
        if !record.contains_key("eventName") || !record.contains_key("eventSource") {
            return;
        }
        // Drop fields other pipelines added (Panther's `p_*`).
        record.retain(|key, _| !key.starts_with("p_"));
        let name = record["eventName"].as_str().unwrap_or_default();
        let routine = record.get("readOnly") == Some(&Value::Bool(true))
            || [
                "Get",
                "Describe",
                "List",
                "Head",
                "Lookup",
                "Decrypt",
                "GenerateDataKey",
            ]
            .iter()
            .any(|prefix| name.starts_with(prefix))
            || name == "AssumeRole";
        if routine {
            // Routine calls succeed; the generator adds its own share of failures.
            record.remove("errorCode");
            record.remove("errorMessage");
            self.routine.push(record);
        } else {
            self.notable.push(record);
        }
    }
}

/// What to generate.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Where the `AWSLogs/` tree is written.
    pub out: PathBuf,
    /// Stop once this many uncompressed bytes of records are written.
    pub bytes: u64,
    /// The random seed.
    pub seed: u64,
    /// Account ids.
    pub accounts: Vec<String>,
    /// Regions.
    pub regions: Vec<String>,
    /// Epoch seconds of the first file's period.
    pub start: i64,
    /// Records per file.
    pub records_per_file: usize,
    /// Share of records taken from the notable templates.
    pub notable_share: f64,
}

/// What was generated.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Written {
    /// Files written.
    pub files: u64,
    /// Records written.
    pub records: u64,
    /// Uncompressed bytes.
    pub bytes: u64,
    /// Compressed bytes.
    pub compressed: u64,
}

const USERS: [&str; 12] = [
    "alice",
    "bob",
    "carol",
    "dave",
    "erin",
    "frank",
    "grace",
    "heidi",
    "ivan",
    "judy",
    "mallory",
    "deploy-bot",
];
const ROLES: [&str; 6] = [
    "Admin",
    "ReadOnly",
    "OrganizationAccountAccessRole",
    "ci-deployer",
    "lambda-exec",
    "AWSReservedSSO_PowerUser_1a2b3c",
];

/// Generates the archive described by `plan` from `templates`.
pub fn generate(plan: &Plan, templates: &Templates) -> std::io::Result<Written> {
    let mut rng = Rng::new(plan.seed);
    let mut written = Written::default();
    let mut period = plan.start - plan.start.rem_euclid(300);
    'outer: loop {
        for account in &plan.accounts {
            for region in &plan.regions {
                if written.bytes >= plan.bytes {
                    break 'outer;
                }
                let records: Vec<String> = (0..plan.records_per_file)
                    .map(|i| {
                        let offset = (i as i64 * 300) / plan.records_per_file as i64;
                        let record = make_record(
                            &mut rng,
                            templates,
                            plan,
                            account,
                            region,
                            period + offset,
                        );
                        serde_json::to_string(&record).expect("records serialize")
                    })
                    .collect();
                let body = format!("{{\"Records\":[{}]}}", records.join(","));
                let path = file_path(&plan.out, &mut rng, account, region, period);
                std::fs::create_dir_all(path.parent().expect("file has a parent"))?;
                let mut encoder =
                    flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(6));
                encoder.write_all(body.as_bytes())?;
                let compressed = encoder.finish()?;
                std::fs::write(&path, &compressed)?;
                written.files += 1;
                written.records += records.len() as u64;
                written.bytes += body.len() as u64;
                written.compressed += compressed.len() as u64;
            }
        }
        period += 300;
    }
    Ok(written)
}

fn file_path(out: &Path, rng: &mut Rng, account: &str, region: &str, period: i64) -> PathBuf {
    let (date, time) = utc(period + 300);
    let stamp = format!("{}T{}Z", date.replace('-', ""), &time[..5].replace(':', ""));
    let id: String = (0..16)
        .map(|_| {
            char::from(
                b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                    [rng.below(62) as usize],
            )
        })
        .collect();
    out.join("AWSLogs")
        .join(account)
        .join("CloudTrail")
        .join(region)
        .join(date.replace('-', "/"))
        .join(format!(
            "{account}_CloudTrail_{region}_{stamp}_{id}.json.gz"
        ))
}

/// `(YYYY-MM-DD, HH:MM:SS)` of epoch seconds.
fn utc(seconds: i64) -> (String, String) {
    let days = seconds.div_euclid(86_400);
    let secs = seconds.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (
        format!("{year:04}-{month:02}-{day:02}"),
        format!("{:02}:{:02}:{:02}", secs / 3600, secs / 60 % 60, secs % 60),
    )
}

fn make_record(
    rng: &mut Rng,
    templates: &Templates,
    plan: &Plan,
    account: &str,
    region: &str,
    time: i64,
) -> Map<String, Value> {
    let pool = if rng.chance(plan.notable_share) {
        &templates.notable
    } else {
        &templates.routine
    };
    let mut record = rng.pick(pool).clone();
    let (date, clock) = utc(time);
    record.insert(
        "eventTime".into(),
        Value::String(format!("{date}T{clock}Z")),
    );
    record.insert("eventID".into(), Value::String(rng.uuid()));
    if record.contains_key("requestID") {
        record.insert("requestID".into(), Value::String(rng.uuid()));
    }
    record.insert("awsRegion".into(), Value::String(region.to_string()));
    record.insert(
        "recipientAccountId".into(),
        Value::String(account.to_string()),
    );
    let from_service = record
        .get("sourceIPAddress")
        .and_then(Value::as_str)
        .is_some_and(|ip| ip.ends_with(".amazonaws.com"));
    if !from_service {
        let ip = format!(
            "{}.{}.{}.{}",
            [52, 54, 3, 18, 81, 203][rng.below(6) as usize],
            rng.below(256),
            rng.below(256),
            1 + rng.below(254)
        );
        record.insert("sourceIPAddress".into(), Value::String(ip));
    }
    vary_identity(rng, &mut record, account);
    let name = record["eventName"].as_str().unwrap_or_default().to_string();
    if name == "ConsoleLogin" {
        vary_console_login(rng, &mut record);
    } else if !record.contains_key("errorCode") {
        if rng.chance(0.02) {
            record.insert("errorCode".into(), Value::String("AccessDenied".into()));
            record.insert(
                "errorMessage".into(),
                Value::String(format!("User is not authorized to perform: {name}")),
            );
        } else if rng.chance(0.005) {
            record.insert(
                "errorCode".into(),
                Value::String("Client.UnauthorizedOperation".into()),
            );
            record.insert(
                "errorMessage".into(),
                Value::String("You are not authorized to perform this operation.".into()),
            );
        }
    }
    record
}

fn vary_identity(rng: &mut Rng, record: &mut Map<String, Value>, account: &str) {
    let Some(Value::Object(identity)) = record.get_mut("userIdentity") else {
        return;
    };
    identity.insert("accountId".into(), Value::String(account.to_string()));
    match identity.get("type").and_then(Value::as_str) {
        Some("IAMUser") => {
            let user = rng.pick(&USERS);
            identity.insert("userName".into(), Value::String(user.to_string()));
            identity.insert(
                "arn".into(),
                Value::String(format!("arn:aws:iam::{account}:user/{user}")),
            );
        }
        Some("AssumedRole") => {
            let role = rng.pick(&ROLES);
            let session = rng.pick(&USERS);
            identity.insert(
                "arn".into(),
                Value::String(format!(
                    "arn:aws:sts::{account}:assumed-role/{role}/{session}"
                )),
            );
        }
        Some("Root") => {
            identity.insert(
                "arn".into(),
                Value::String(format!("arn:aws:iam::{account}:root")),
            );
        }
        _ => {}
    }
}

fn vary_console_login(rng: &mut Rng, record: &mut Map<String, Value>) {
    let failed = rng.chance(0.2);
    let mfa = if rng.chance(0.7) { "Yes" } else { "No" };
    let extra = record
        .entry("additionalEventData")
        .or_insert_with(|| Value::Object(Map::new()));
    if let Value::Object(extra) = extra {
        extra.insert("MFAUsed".into(), Value::String(mfa.into()));
    }
    record.insert(
        "responseElements".into(),
        serde_json::json!({ "ConsoleLogin": if failed { "Failure" } else { "Success" } }),
    );
    if failed {
        record.insert(
            "errorMessage".into(),
            Value::String("Failed authentication".into()),
        );
    } else {
        record.remove("errorMessage");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn templates() -> Templates {
        let mut t = Templates {
            routine: Vec::new(),
            notable: Vec::new(),
        };
        for text in [
            r#"{"eventName":"DescribeInstances","eventSource":"ec2.amazonaws.com","readOnly":true,"userIdentity":{"type":"IAMUser"},"sourceIPAddress":"1.2.3.4","p_log_type":"x"}"#,
            r#"{"eventName":"ConsoleLogin","eventSource":"signin.amazonaws.com","userIdentity":{"type":"Root"}}"#,
            r#"{"eventName":"PutUserPolicy","eventSource":"iam.amazonaws.com","userIdentity":{"type":"AssumedRole"}}"#,
        ] {
            t.add(serde_json::from_str(text).unwrap());
        }
        t
    }

    #[test]
    fn writes_the_s3_layout_deterministically() {
        let dir = std::env::temp_dir().join(format!("corpus-test-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let plan = Plan {
            out: dir.clone(),
            bytes: 20_000,
            seed: 7,
            accounts: vec!["111122223333".into()],
            regions: vec!["us-east-1".into(), "eu-west-1".into()],
            start: 1_714_521_600,
            records_per_file: 20,
            notable_share: 0.3,
        };
        let written = generate(&plan, &templates()).unwrap();
        assert!(written.bytes >= 20_000 && written.files >= 2);
        let day = dir.join("AWSLogs/111122223333/CloudTrail/us-east-1/2024/05/01");
        let names: Vec<String> = std::fs::read_dir(&day)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert!(
            names.iter().all(
                |n| n.starts_with("111122223333_CloudTrail_us-east-1_20240501T")
                    && n.ends_with(".json.gz")
            ),
            "{names:?}"
        );
        // Same seed, same archive.
        let again = dir.join("again");
        let second = generate(
            &Plan {
                out: again.clone(),
                ..plan.clone()
            },
            &templates(),
        )
        .unwrap();
        assert_eq!(second, written);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn records_are_varied_and_clean() {
        let plan = Plan {
            out: PathBuf::new(),
            bytes: 0,
            seed: 1,
            accounts: vec![],
            regions: vec![],
            start: 0,
            records_per_file: 1,
            notable_share: 0.5,
        };
        let mut rng = Rng::new(3);
        let t = templates();
        let records: Vec<_> = (0..200)
            .map(|i| {
                make_record(
                    &mut rng,
                    &t,
                    &plan,
                    "111122223333",
                    "us-east-1",
                    1_714_521_600 + i,
                )
            })
            .collect();
        assert!(records
            .iter()
            .all(|r| !r.keys().any(|k| k.starts_with("p_"))));
        assert!(records
            .iter()
            .all(|r| r["recipientAccountId"] == "111122223333"));
        let logins: Vec<_> = records
            .iter()
            .filter(|r| r["eventName"] == "ConsoleLogin")
            .collect();
        assert!(logins
            .iter()
            .any(|r| r.get("errorMessage") == Some(&Value::from("Failed authentication"))));
        assert!(logins
            .iter()
            .any(|r| r["responseElements"]["ConsoleLogin"] == "Success"));
        let ids: std::collections::HashSet<_> =
            records.iter().map(|r| r["eventID"].to_string()).collect();
        assert_eq!(ids.len(), 200);
        assert_eq!(records[0]["eventTime"], "2024-05-01T00:00:00Z");
    }
}
