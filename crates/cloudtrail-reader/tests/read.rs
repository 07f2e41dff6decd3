//! Each input format and each kind of bad input, through the public API.

use cloudtrail_reader::{
    detect_format, list_files, read_file, read_input, read_lines_range, read_stream,
    read_stream_with, DayRange, ErrorKind, Format, Input, Position, ReadError, Summary, Validation,
};
use flate2::write::GzEncoder;
use std::io::Write;
use std::path::{Path, PathBuf};

/// A fresh empty directory under the target dir, unique per test.
fn scratch_dir(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("cloudtrail-reader-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

/// An event as compact JSON, with a recognisable name.
fn record(name: &str) -> String {
    format!(
        r#"{{"eventVersion":"1.08","eventTime":"2024-05-01T10:00:00Z","eventName":"{name}","requestParameters":{{"a":[1,2.5,null,true]}}}}"#
    )
}

/// An event as the callback saw it.
struct Seen {
    file: String,
    position: Position,
    text: String,
}

struct Collected {
    events: Vec<Seen>,
    errors: Vec<ReadError>,
    summary: Summary,
}

impl Collected {
    fn texts(&self) -> Vec<&str> {
        self.events.iter().map(|e| e.text.as_str()).collect()
    }
}

fn collect(
    read: impl FnOnce(
        &mut dyn FnMut(cloudtrail_reader::RawEvent<'_>),
        &mut dyn FnMut(ReadError),
    ) -> Summary,
) -> Collected {
    let mut events = Vec::new();
    let mut errors = Vec::new();
    let summary = read(
        &mut |event| {
            events.push(Seen {
                file: event.file.to_string(),
                position: event.position,
                text: event.text.to_string(),
            })
        },
        &mut |error| errors.push(error),
    );
    assert_eq!(summary.events, events.len() as u64);
    assert_eq!(summary.errors, errors.len() as u64);
    Collected {
        events,
        errors,
        summary,
    }
}

fn read_bytes(bytes: &[u8]) -> Collected {
    collect(|on_event, on_error| read_stream("mem", bytes, on_event, on_error))
}

#[test]
fn reads_a_records_file_as_delivered_to_s3() {
    let text = format!(r#"{{"Records":[{},{}]}}"#, record("A"), record("B"));
    for bytes in [text.clone().into_bytes(), gzip(text.as_bytes())] {
        let got = read_bytes(&bytes);
        assert!(got.errors.is_empty(), "{:?}", got.errors);
        assert_eq!(got.texts(), [record("A"), record("B")]);
        assert_eq!(got.events[1].position.record, Some(2));
        assert_eq!(
            got.events[1].position.offset,
            Some(13 + record("A").len() as u64)
        );
        assert_eq!(got.summary.bytes, text.len() as u64);
    }
}

#[test]
fn compacts_a_pretty_printed_records_file_and_tracks_lines() {
    let text = "{\n  \"Records\": [\n    {\"eventName\": \"A\",\n     \"x\": [1, 2]},\n    {\"eventName\":\"B\"}\n  ]\n}\n";
    let got = read_bytes(text.as_bytes());
    assert!(got.errors.is_empty(), "{:?}", got.errors);
    assert_eq!(
        got.texts(),
        [r#"{"eventName":"A","x":[1,2]}"#, r#"{"eventName":"B"}"#]
    );
    assert_eq!(got.events[0].position.line, Some(3));
    assert_eq!(got.events[1].position.line, Some(5));
}

#[test]
fn reads_an_empty_records_array_and_an_empty_file() {
    let got = read_bytes(br#"{"Records":[]}"#);
    assert!(got.events.is_empty() && got.errors.is_empty());
    let got = read_bytes(b"  \n");
    assert!(got.events.is_empty() && got.errors.is_empty());
}

#[test]
fn reads_one_record_per_line_with_blank_lines_crlf_and_spaces() {
    let text = format!(
        "{}\r\n\n{{ \"eventName\" : \"B\" }}\n{}",
        record("A"),
        record("C")
    );
    let got = read_bytes(text.as_bytes());
    assert!(got.errors.is_empty(), "{:?}", got.errors);
    assert_eq!(
        got.texts(),
        [record("A"), r#"{"eventName":"B"}"#.to_string(), record("C")]
    );
    let lines: Vec<_> = got
        .events
        .iter()
        .map(|e| e.position.line.unwrap())
        .collect();
    assert_eq!(lines, [1, 3, 4]);
    let records: Vec<_> = got
        .events
        .iter()
        .map(|e| e.position.record.unwrap())
        .collect();
    assert_eq!(records, [1, 2, 3]);
}

#[test]
fn reads_gzipped_lines() {
    let text = format!("{}\n{}\n", record("A"), record("B"));
    let got = read_bytes(&gzip(text.as_bytes()));
    assert_eq!(got.texts(), [record("A"), record("B")]);
}

#[test]
fn reads_concatenated_gzip_members() {
    let mut bytes = gzip(format!("{}\n", record("A")).as_bytes());
    bytes.extend(gzip(format!("{}\n", record("B")).as_bytes()));
    let got = read_bytes(&bytes);
    assert!(got.errors.is_empty(), "{:?}", got.errors);
    assert_eq!(got.texts(), [record("A"), record("B")]);
}

/// `cat *.json.gz | trailwatch replay -`: one `{"Records":[...]}` document after another, as
/// gzip members or plain, every record read and numbered through the whole stream.
#[test]
fn reads_concatenated_records_files() {
    let file = |names: &[&str]| {
        let records: Vec<String> = names.iter().map(|name| record(name)).collect();
        format!("{{\"Records\":[{}]}}\n", records.join(","))
    };
    let (first, second, third) = (file(&["A", "B"]), file(&[]), file(&["C"]));
    let mut gzipped = gzip(first.as_bytes());
    gzipped.extend(gzip(second.as_bytes()));
    gzipped.extend(gzip(third.as_bytes()));
    let plain = format!("{first}{second}{third}").into_bytes();
    for bytes in [gzipped, plain] {
        let got = read_bytes(&bytes);
        assert!(got.errors.is_empty(), "{:?}", got.errors);
        assert_eq!(got.texts(), [record("A"), record("B"), record("C")]);
        assert_eq!(got.events[2].position.record, Some(3));
        assert_eq!(got.events[2].position.line, Some(3));
        let offset = (first.len() + second.len() + r#"{"Records":["#.len()) as u64;
        assert_eq!(got.events[2].position.offset, Some(offset));
    }
    // A second document must be another `{"Records":[`, and keeps the comma rules.
    let missing_comma = format!(r#"{{"Records":[{} {}]}}"#, record("C"), record("D"));
    for (after, read) in [
        (r#"{"Other":[]}"#, 2),
        ("{", 2),
        (missing_comma.as_str(), 3),
    ] {
        let text = format!("{first}{after}");
        let got = read_bytes(text.as_bytes());
        let names = ["A", "B", "C"].map(record);
        assert_eq!(got.texts(), names[..read], "{after}");
        assert_eq!(got.errors.len(), 1, "{after}: {:?}", got.errors);
        assert_eq!(got.errors[0].kind, ErrorKind::BadStructure, "{after}");
    }
}

#[test]
fn strips_cloudwatch_logs_export_timestamps() {
    let text = format!(
        "2024-05-01T10:00:00.000Z {}\n2024-05-01T10:00:01.000Z {}\n",
        record("A"),
        record("B")
    );
    let got = read_bytes(text.as_bytes());
    assert!(got.errors.is_empty(), "{:?}", got.errors);
    assert_eq!(got.texts(), [record("A"), record("B")]);
    assert_eq!(
        got.events[1].position.offset,
        Some(text.find("{\"eventVersion").unwrap() as u64 + text.len() as u64 / 2)
    );
}

#[test]
fn reads_a_stream_of_pretty_printed_objects() {
    let text = "{\n  \"eventName\": \"A\"\n}\n{\n  \"eventName\": \"B\"\n}\n";
    let got = read_bytes(text.as_bytes());
    assert!(got.errors.is_empty(), "{:?}", got.errors);
    assert_eq!(
        got.texts(),
        [r#"{"eventName":"A"}"#, r#"{"eventName":"B"}"#]
    );
    assert_eq!(got.events[1].position.line, Some(4));
}

#[test]
fn reports_an_invalid_record_in_a_records_file_and_reads_on() {
    let text = format!(
        r#"{{"Records":[{},{{"eventName":tru}},{}]}}"#,
        record("A"),
        record("C")
    );
    let got = read_bytes(text.as_bytes());
    assert_eq!(got.texts(), [record("A"), record("C")]);
    assert_eq!(got.errors.len(), 1);
    let error = &got.errors[0];
    assert_eq!(error.kind, ErrorKind::InvalidJson);
    assert_eq!(error.position.record, Some(2));
    assert_eq!(
        got.events[1].position.record,
        Some(3),
        "bad records keep their number"
    );
    assert!(
        error
            .to_string()
            .starts_with("mem: record 2, line 1, byte "),
        "{error}"
    );
}

#[test]
fn reports_a_record_that_is_not_an_object() {
    let text = format!(r#"{{"Records":[{},"oops",{}]}}"#, record("A"), record("C"));
    let got = read_bytes(text.as_bytes());
    assert_eq!(got.texts(), [record("A"), record("C")]);
    assert_eq!(got.errors[0].kind, ErrorKind::NotAnObject);
    assert_eq!(got.errors[0].position.record, Some(2));
}

#[test]
fn reports_invalid_lines_and_reads_on() {
    let text = format!(
        "{}\nnot json\n[1,2]\n{{\"a\":1}} trailing\n{{\"a\":\n{}\n",
        record("A"),
        record("F")
    );
    let got = read_bytes(text.as_bytes());
    assert_eq!(got.texts(), [record("A"), record("F")]);
    let found: Vec<_> = got
        .errors
        .iter()
        .map(|e| (e.kind, e.position.line.unwrap()))
        .collect();
    assert_eq!(
        found,
        [
            (ErrorKind::InvalidJson, 2),
            (ErrorKind::NotAnObject, 3),
            (ErrorKind::InvalidJson, 4),
            (ErrorKind::InvalidJson, 5),
        ]
    );
}

#[test]
fn reports_invalid_utf8() {
    let mut bytes = br#"{"Records":[{"eventName":""#.to_vec();
    bytes.extend([0xff, 0xfe]);
    bytes.extend(format!(r#""}},{}]}}"#, record("B")).as_bytes());
    let got = read_bytes(&bytes);
    assert_eq!(got.texts(), [record("B")]);
    assert_eq!(got.errors[0].kind, ErrorKind::InvalidJson);
    assert!(got.errors[0].message.contains("UTF-8"), "{}", got.errors[0]);
}

#[test]
fn reports_truncated_gzip_after_reading_what_is_intact() {
    let mut lines = String::new();
    for i in 0..5000 {
        lines.push_str(&record(&format!("E{i}")));
        lines.push('\n');
    }
    let bytes = gzip(lines.as_bytes());
    let got = read_bytes(&bytes[..bytes.len() / 2]);
    assert!(!got.events.is_empty() && got.events.len() < 5000);
    assert_eq!(got.errors.len(), 1, "{:?}", got.errors);
    let error = &got.errors[0];
    assert_eq!(error.kind, ErrorKind::Gzip, "{error}");
    assert!(error.message.contains("rest of file unread"), "{error}");
    // Every record handed out is whole.
    assert!(got.texts().iter().all(|t| t.ends_with('}')));
}

#[test]
fn reports_a_records_file_cut_short() {
    let text = format!(r#"{{"Records":[{},{}"#, record("A"), &record("B")[..30]);
    let got = read_bytes(text.as_bytes());
    assert_eq!(got.texts(), [record("A")]);
    assert_eq!(got.errors.len(), 1);
    assert_eq!(got.errors[0].kind, ErrorKind::Truncated);
    assert_eq!(got.errors[0].position.record, Some(2));
}

#[test]
fn reports_broken_structure_around_records() {
    let text = format!(r#"{{"Records":[{} {}]}}"#, record("A"), record("B"));
    let got = read_bytes(text.as_bytes());
    assert_eq!(got.texts(), [record("A")]);
    assert_eq!(got.errors[0].kind, ErrorKind::BadStructure);

    let text = format!(r#"{{"Records":[{}]}} extra"#, record("A"));
    let got = read_bytes(text.as_bytes());
    assert_eq!(got.texts(), [record("A")]);
    assert_eq!(got.errors[0].kind, ErrorKind::BadStructure);
}

#[test]
fn reports_a_file_that_is_not_cloudtrail() {
    for text in ["eventName,eventTime\nA,B\n", "[1,2,3]", "hello"] {
        let got = read_bytes(text.as_bytes());
        assert!(got.events.is_empty());
        assert_eq!(got.errors.len(), 1, "{text}");
        assert_eq!(got.errors[0].kind, ErrorKind::NotCloudTrail);
    }
}

#[test]
fn reports_a_file_that_cannot_be_opened() {
    let got = collect(|e, r| read_file(Path::new("/nonexistent/x.json"), e, r));
    assert_eq!(got.errors[0].kind, ErrorKind::Io);
    assert_eq!(got.errors[0].file, "/nonexistent/x.json");
}

#[test]
fn records_bigger_than_a_block_are_read_whole() {
    let big = "x".repeat(700_000);
    let text = format!(
        r#"{{"Records":[{},{{"eventName":"big","blob":"{big}"}},{}]}}"#,
        record("A"),
        record("C")
    );
    let got = read_bytes(&gzip(text.as_bytes()));
    assert!(got.errors.is_empty(), "{:?}", got.errors);
    assert_eq!(got.events.len(), 3);
    assert_eq!(got.events[1].text.len(), big.len() + 29);
}

#[test]
fn walks_directories_in_order_and_skips_digests() {
    let dir = scratch_dir("walk");
    let day = dir.join("AWSLogs/111122223333/CloudTrail/us-east-1/2024/05/01");
    let digest = dir.join("AWSLogs/111122223333/CloudTrail-Digest/us-east-1/2024/05/01");
    std::fs::create_dir_all(&day).unwrap();
    std::fs::create_dir_all(&digest).unwrap();
    let body = |name: &str| gzip(format!(r#"{{"Records":[{}]}}"#, record(name)).as_bytes());
    std::fs::write(day.join("b.json.gz"), body("B")).unwrap();
    std::fs::write(day.join("a.json.gz"), body("A")).unwrap();
    std::fs::write(digest.join("d.json.gz"), gzip(br#"{"awsAccountId":"1"}"#)).unwrap();
    std::fs::write(dir.join("top.jsonl"), format!("{}\n", record("T"))).unwrap();

    let loose_digest = dir.join("111122223333_CloudTrail-Digest_us-east-1_20240501.json.gz");
    std::fs::write(&loose_digest, gzip(br#"{"awsAccountId":"1"}"#)).unwrap();

    let listing = list_files(&dir, DayRange::default());
    // The digest folder is passed over whole (one entry), a digest file elsewhere by its name.
    let skipped: Vec<(&Path, &str)> = listing
        .skipped
        .iter()
        .map(|(path, reason)| (path.as_path(), reason.as_ref()))
        .collect();
    assert_eq!(
        skipped,
        [
            (loose_digest.as_path(), "CloudTrail digest file (no events)"),
            (
                dir.join("AWSLogs/111122223333/CloudTrail-Digest").as_path(),
                "CloudTrail digest folder (no events)"
            ),
        ]
    );
    assert!(listing.errors.is_empty());
    let got = collect(|e, r| read_input(&Input::Path(dir.clone()), e, r));
    assert_eq!(got.texts(), [record("A"), record("B"), record("T")]);
    assert_eq!(got.summary.files, 3);
    assert_eq!(got.summary.skipped.len(), 2);
    assert!(got.events[0].file.ends_with("a.json.gz"));

    let got = collect(|e, r| read_input(&Input::Path(dir.join("missing")), e, r));
    assert_eq!(got.errors.len(), 1);
    assert_eq!(got.errors[0].kind, ErrorKind::Io);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// `--since/--until` on a local copy of an archive: folders outside the range are listed as
/// skipped (once each, their files not even listed), files dated outside it too, undated files
/// are kept, and a dated folder above the CloudTrail layout (a backup's date) does not count.
#[test]
fn walks_only_the_days_in_range() {
    let dir = scratch_dir("walk-days").join("backup/2023/01/31");
    let layout = dir.join("AWSLogs/o-abc/111122223333/CloudTrail");
    let days = [
        "us-east-1/2024/04/30",
        "us-east-1/2024/05/01",
        "us-east-1/2024/05/02",
        "eu-west-1/2024/05/02",
        "eu-west-1/2024/05/03",
    ];
    for day in days {
        std::fs::create_dir_all(layout.join(day)).unwrap();
        for file in ["a.json.gz", "b.json.gz"] {
            std::fs::write(layout.join(day).join(file), b"").unwrap();
        }
    }
    std::fs::write(dir.join("undated.jsonl"), b"").unwrap();
    std::fs::write(layout.join("us-east-1/loose.jsonl"), b"").unwrap();
    let range = DayRange {
        since: Some((2024, 5, 1)),
        until: Some((2024, 5, 2)),
    };

    let listing = list_files(&dir, range);
    assert!(listing.errors.is_empty(), "{:?}", listing.errors);
    let below = |path: &PathBuf| {
        let path = path
            .strip_prefix(&dir)
            .unwrap()
            .to_string_lossy()
            .to_string();
        path.trim_start_matches("AWSLogs/o-abc/111122223333/CloudTrail/")
            .to_string()
    };
    let files: Vec<String> = listing.files.iter().map(below).collect();
    assert_eq!(
        files,
        [
            "eu-west-1/2024/05/02/a.json.gz",
            "eu-west-1/2024/05/02/b.json.gz",
            "us-east-1/2024/05/01/a.json.gz",
            "us-east-1/2024/05/01/b.json.gz",
            "us-east-1/2024/05/02/a.json.gz",
            "us-east-1/2024/05/02/b.json.gz",
            "us-east-1/loose.jsonl",
            "undated.jsonl",
        ]
    );
    let skipped: Vec<String> = listing.skipped.iter().map(|(p, _)| below(p)).collect();
    // A month folder wholly outside is passed over whole.
    assert_eq!(skipped, ["eu-west-1/2024/05/03", "us-east-1/2024/04"]);
    assert!(listing.skipped[0].1.contains("--since/--until"));

    // A file named explicitly is still held to the range; the unbounded range keeps all.
    let outside = layout.join("us-east-1/2024/04/30/a.json.gz");
    let listing = list_files(&outside, range);
    assert!(listing.files.is_empty() && listing.skipped.len() == 1);
    assert_eq!(list_files(&dir, DayRange::default()).files.len(), 12);
    std::fs::remove_dir_all(scratch_dir("walk-days")).unwrap();
}

#[test]
fn ranges_read_every_line_exactly_once() {
    for bom in [false, true] {
        ranges_read_every_line_exactly_once_in(bom);
    }
}

/// [`ranges_read_every_line_exactly_once`], the file starting with a UTF-8 byte order mark
/// (`bom`) or not.
fn ranges_read_every_line_exactly_once_in(bom: bool) {
    let dir = scratch_dir(&format!("ranges-{bom}"));
    let path = dir.join("events.jsonl");
    let mut text = String::from(if bom { "\u{feff}" } else { "" });
    for i in 0..1000 {
        text.push_str(&record(&format!("E{i}")));
        text.push('\n');
        if i % 97 == 0 {
            text.push_str("garbage\n");
        }
    }
    std::fs::write(&path, &text).unwrap();
    assert_eq!(
        detect_format(&path).unwrap(),
        cloudtrail_reader::Detected {
            gzip: false,
            format: Format::Lines
        }
    );
    let whole = collect(|e, r| read_file(&path, e, r));
    let len = text.len() as u64;
    for pieces in [1u64, 2, 3, 7, 64] {
        let mut texts = Vec::new();
        let mut error_offsets = Vec::new();
        let mut bytes = 0;
        for i in 0..pieces {
            let (start, end) = (len * i / pieces, len * (i + 1) / pieces);
            let got = collect(|e, r| read_lines_range(&path, start, end, Validation::Full, e, r));
            texts.extend(
                got.events
                    .iter()
                    .map(|e| (e.position.offset, e.text.clone())),
            );
            error_offsets.extend(got.errors.iter().map(|e| e.position.offset));
            bytes += got.summary.bytes;
        }
        let whole_texts: Vec<_> = whole
            .events
            .iter()
            .map(|e| (e.position.offset, e.text.clone()))
            .collect();
        assert_eq!(texts, whole_texts, "{pieces} pieces");
        let whole_errors: Vec<_> = whole.errors.iter().map(|e| e.position.offset).collect();
        assert_eq!(error_offsets, whole_errors, "{pieces} pieces");
        assert_eq!(bytes, len, "{pieces} pieces");
    }
    assert_eq!(whole.events.len(), 1000);
    assert_eq!(whole.errors.len(), 11);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn detects_formats() {
    let dir = scratch_dir("detect");
    let cases: [(&str, Vec<u8>, bool, Format); 4] = [
        (
            "a.json.gz",
            gzip(br#"{"Records":[]}"#),
            true,
            Format::Records,
        ),
        (
            "b.json",
            b"{\n\"a\": 1\n}".to_vec(),
            false,
            Format::JsonStream,
        ),
        ("c.csv", b"a,b\n".to_vec(), false, Format::NotCloudTrail),
        ("d.json", Vec::new(), false, Format::Empty),
    ];
    for (name, bytes, gzip, format) in cases {
        let path = dir.join(name);
        std::fs::write(&path, bytes).unwrap();
        let detected = detect_format(&path).unwrap();
        assert_eq!((detected.gzip, detected.format), (gzip, format), "{name}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn reads_the_shared_samples_record_for_record() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/cloudtrail-samples");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        panic!("shared samples missing at {}", dir.display());
    };
    for entry in entries {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "jsonl") {
            continue;
        }
        // The samples wrap each record; re-emit the records as a Records file, gzip it, and
        // check the reader hands back exactly the records serde_json sees.
        let text = std::fs::read_to_string(&path).unwrap();
        let expected: Vec<serde_json::Value> = text
            .lines()
            .map(|line| serde_json::from_str::<serde_json::Value>(line).unwrap()["event"].clone())
            .collect();
        let body = serde_json::json!({ "Records": expected }).to_string();
        let got = read_bytes(&gzip(body.as_bytes()));
        assert!(got.errors.is_empty(), "{:?}", got.errors);
        let parsed: Vec<serde_json::Value> = got
            .texts()
            .iter()
            .map(|t| serde_json::from_str(t).unwrap())
            .collect();
        assert_eq!(parsed, expected, "{}", path.display());
    }
}

#[test]
fn structure_validation_reads_the_same_records_and_still_catches_truncation() {
    let mut text = String::from("{\"Records\":[\n");
    for i in 0..300 {
        if i > 0 {
            text.push_str(",\n");
        }
        text.push_str(&format!(
            r#"  {{ "eventName": "E{i}", "policy": "{{\"a\\\\\":[\"}}\"]}}", "n": [1, {{"x": "y"}}] }}"#
        ));
    }
    text.push_str("\n]}\n");
    let read_with = |bytes: &[u8], validation| {
        collect(|e, r| cloudtrail_reader::read_stream_with("mem", bytes, validation, e, r))
    };
    let full = read_with(text.as_bytes(), Validation::Full);
    let fast = read_with(text.as_bytes(), Validation::Structure);
    assert!(full.errors.is_empty(), "{:?}", full.errors);
    assert_eq!(fast.texts(), full.texts());
    let positions = |c: &Collected| c.events.iter().map(|e| e.position).collect::<Vec<_>>();
    assert_eq!(positions(&fast), positions(&full));

    let cut = &text.as_bytes()[..text.len() / 2];
    let fast = read_with(cut, Validation::Structure);
    assert_eq!(fast.errors.len(), 1);
    assert_eq!(fast.errors[0].kind, ErrorKind::Truncated);
    // Grammar is not checked: a record that balances is handed out for the caller to parse.
    let fast = read_with(br#"{"Records":[{"a":tru}]}"#, Validation::Structure);
    assert_eq!(fast.texts(), [r#"{"a":tru}"#]);
}

#[test]
fn structure_validation_checks_a_record_with_whitespace_before_compacting_it() {
    // Without its whitespace each bad record would be valid JSON (`[12]`, `true`, `-1`).
    let records = "{\"Records\":[{\"a\":[1 2]},\n{\"b\":tr ue},{\"c\":- 1},{\"d\": [1, 2]}]}\n";
    let pretty = "{\"e\":\n  [3 4]\n}\n{\"f\": 5}\n";
    for (text, good) in [(records, r#"{"d":[1,2]}"#), (pretty, r#"{"f":5}"#)] {
        let read_with = |validation| {
            collect(|e, r| {
                cloudtrail_reader::read_stream_with("mem", text.as_bytes(), validation, e, r)
            })
        };
        let full = read_with(Validation::Full);
        let fast = read_with(Validation::Structure);
        assert_eq!(fast.texts(), [good]);
        assert_eq!(fast.texts(), full.texts());
        assert_eq!(fast.errors.len(), full.errors.len());
        assert!(!fast.errors.is_empty());
        for (fast, full) in fast.errors.iter().zip(&full.errors) {
            assert_eq!(fast.kind, ErrorKind::InvalidJson);
            assert_eq!(
                (fast.position, &fast.message),
                (full.position, &full.message)
            );
        }
    }
}

#[test]
fn check_json_says_where_a_record_goes_wrong() {
    use cloudtrail_reader::{check_json, JsonError};
    assert_eq!(check_json(r#"{"a":[1,{"b":null}]}"#), Ok(()));
    assert_eq!(check_json(" {\"a\":1}\n"), Ok(()));
    let at = |text: &str| check_json(text).map_err(|e: JsonError| e.at);
    assert_eq!(at(r#"{"a":tru}"#), Err(8));
    assert_eq!(at(r#"{"a":1,}"#), Err(7));
    assert_eq!(at(r#"{"a":1} x"#), Err(8));
    assert_eq!(at(r#"{"a":[1}"#), Err(7));
    assert_eq!(at(r#"{"a":"#), Err(5));
}

/// A stray closing bracket between the values of a stream is an invalid record, skipped: the
/// reader goes on (it once reported it again and again, forever).
#[test]
fn a_stray_closing_bracket_in_a_stream_is_skipped_once() {
    // The first value spans lines: a stream of values, not one record per line.
    let text = format!("{{\n\"eventName\": \"A\"}}\n]\n}}\n{}\n", record("B"));
    let got = read_bytes(text.as_bytes());
    assert_eq!(
        got.texts(),
        [r#"{"eventName":"A"}"#.to_string(), record("B")]
    );
    assert_eq!(got.errors.len(), 2, "{:?}", got.errors);
    assert!(got.errors.iter().all(|e| e.kind == ErrorKind::InvalidJson));
}

/// Tens of thousands of damaged streams (cut short, bytes replaced by structure, whitespace or noise,
/// gzip members cut): reading never panics, every record handed out under full validation is
/// a valid JSON object, and each error's place lies within the input.
#[test]
fn damaged_streams_are_reported_never_panic() {
    let pretty = "{\n  \"eventName\": \"B\",\n  \"x\": [1, {\"y\": \"}\\\"\"}]\n}";
    let documents = [
        format!(r#"{{"Records":[{},{}]}}"#, record("A"), pretty),
        "{\"Records\":[]}\n".to_string(),
        format!("{}\n{}\n", record("C"), record("D")),
    ];
    let clean = documents.concat().into_bytes();
    let mut state = 11u32;
    let mut next = |n: usize| {
        state = state.wrapping_mul(1_103_515_245).wrapping_add(12345);
        (state >> 8) as usize % n
    };
    for round in 0..20_000 {
        let mut bytes = clean.clone();
        for _ in 0..1 + next(3) {
            let at = next(bytes.len());
            bytes[at] = b"{}[]\",:\\ \n\t0x\xff"[next(14)];
        }
        if round % 3 == 0 {
            bytes.truncate(next(bytes.len() + 1));
        }
        let gzipped = round % 5 == 0;
        let input = if gzipped {
            let mut compressed = gzip(&bytes);
            compressed.truncate(compressed.len() - next(8));
            compressed
        } else {
            bytes.clone()
        };
        for validation in [Validation::Full, Validation::Structure] {
            let got = collect(|on_event, on_error| {
                read_stream_with("mem", &input[..], validation, on_event, on_error)
            });
            for error in &got.errors {
                let offset = error.position.offset.unwrap_or(0);
                assert!(offset <= bytes.len() as u64 + 1, "{error:?}");
            }
            if validation == Validation::Full {
                for event in &got.events {
                    let value: serde_json::Value = serde_json::from_str(&event.text)
                        .unwrap_or_else(|e| panic!("{e}: {}", event.text));
                    assert!(value.is_object(), "{}", event.text);
                }
            }
        }
    }
}

/// A reader that hands out at most `chunk` bytes per call, as a pipe or a network body may.
struct Trickle<'a> {
    data: &'a [u8],
    chunk: usize,
}

impl std::io::Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.chunk.min(buf.len()).min(self.data.len());
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}

/// A `{"Records":[` header after more than a block's worth of leading whitespace is found
/// whatever the reads deliver: a few bytes at a time, or gzip members that end inside it.
#[test]
fn finds_a_records_header_after_leading_whitespace_however_it_arrives() {
    let (a, b) = (record("A"), record("B"));
    let text = format!("{}{{\"Records\":[{a},{b}]}}\n", "\n".repeat(5000));
    for chunk in [1, 100, 4096, 1 << 20] {
        let got = collect(|on_event, on_error| {
            let input = Trickle {
                data: text.as_bytes(),
                chunk,
            };
            read_stream_with("pipe", input, Validation::Structure, on_event, on_error)
        });
        assert!(got.errors.is_empty(), "chunk {chunk}: {:?}", got.errors);
        assert_eq!(got.texts(), [a.as_str(), b.as_str()], "chunk {chunk}");
    }
    let mut members = gzip(&text.as_bytes()[..5003]);
    members.extend(gzip(&text.as_bytes()[5003..]));
    let got = read_bytes(&members);
    assert!(got.errors.is_empty(), "{:?}", got.errors);
    assert_eq!(got.texts(), [a.as_str(), b.as_str()]);
}

/// Ranges cut inside a byte order mark still read every line once: the first line starts
/// after the mark.
#[test]
fn ranges_cut_inside_a_byte_order_mark_read_every_line_once() {
    let dir = scratch_dir("bom-cut");
    let path = dir.join("events.jsonl");
    let text = format!("\u{feff}{}\n{}\n", record("A"), record("B"));
    std::fs::write(&path, &text).unwrap();
    let size = text.len() as u64;
    for cut in 0..=size {
        let mut texts = Vec::new();
        let mut bytes = 0;
        for (start, end) in [(0, cut), (cut, size)] {
            let got = collect(|e, r| read_lines_range(&path, start, end, Validation::Full, e, r));
            assert!(got.errors.is_empty(), "cut {cut}: {:?}", got.errors);
            texts.extend(got.events.into_iter().map(|e| e.text));
            bytes += got.summary.bytes;
        }
        assert_eq!(texts, [record("A"), record("B")], "cut {cut}");
        assert_eq!(bytes, size, "cut {cut}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Files concatenated together (`cat a.json b.json`), each starting with a byte order mark, are
/// read whole: the mark before the second document or line is stepped over.
#[test]
fn concatenated_files_with_byte_order_marks_are_read_whole() {
    let (a, b, c) = (record("A"), record("B"), record("C"));
    let records =
        format!("\u{feff}{{\"Records\":[{a}]}}\n\u{feff}{{\"Records\":[{b},{c}]}}\n\u{feff}\n");
    let lines = format!("\u{feff}{a}\n\u{feff}{b}\n\u{feff}\n{c}\n");
    for text in [records, lines] {
        for bytes in [text.as_bytes().to_vec(), gzip(text.as_bytes())] {
            let got = read_bytes(&bytes);
            assert!(got.errors.is_empty(), "{text}: {:?}", got.errors);
            assert_eq!(got.texts(), [a.as_str(), b.as_str(), c.as_str()], "{text}");
        }
    }
}
