//! `gen-corpus`: writes a realistic CloudTrail archive (S3 layout, gzip) of a chosen size.
//!
//! Usage: `gen-corpus --out DIR [--size 1G] [--seed 42] [--samples FILE.jsonl]...
//! [--accounts 111122223333,444455556666] [--regions us-east-1,eu-west-1] [--start 2024-05-01]
//! [--records-per-file 500] [--notable 0.01]`

use cloudtrail_corpus::{generate, Plan, Templates};
use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    match run(std::env::args().skip(1).collect()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("gen-corpus: {error}");
            ExitCode::from(2)
        }
    }
}

/// Reads `1G`, `500M`, `20K` or a plain byte count.
fn parse_size(text: &str) -> Result<u64, String> {
    let (digits, unit) = match text.char_indices().find(|(_, c)| c.is_ascii_alphabetic()) {
        Some((i, _)) => (&text[..i], &text[i..]),
        None => (text, ""),
    };
    let number: f64 = digits.parse().map_err(|_| format!("bad size {text:?}"))?;
    let scale = match unit.to_ascii_uppercase().as_str() {
        "" | "B" => 1.0,
        "K" | "KB" => 1e3,
        "M" | "MB" => 1e6,
        "G" | "GB" => 1e9,
        _ => return Err(format!("bad size unit in {text:?}")),
    };
    Ok((number * scale) as u64)
}

/// Epoch seconds of `YYYY-MM-DD` (midnight UTC).
fn parse_day(text: &str) -> Result<i64, String> {
    let parts: Vec<i64> = text
        .split('-')
        .map(|p| p.parse().map_err(|_| format!("bad date {text:?}")))
        .collect::<Result<_, _>>()?;
    let [y, m, d] = parts[..] else {
        return Err(format!("bad date {text:?}"));
    };
    let y2 = if m <= 2 { y - 1 } else { y };
    let era = y2.div_euclid(400);
    let yoe = y2 - era * 400;
    let doy = (153 * ((m + 9) % 12) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Ok((era * 146_097 + doe - 719_468) * 86_400)
}

fn run(args: Vec<String>) -> Result<(), String> {
    let mut out = None;
    let mut size = 100_000_000;
    let mut seed = 42;
    let mut samples = Vec::new();
    let mut accounts = vec!["111122223333".to_string(), "444455556666".to_string()];
    let mut regions = vec![
        "us-east-1".to_string(),
        "eu-west-1".to_string(),
        "ap-southeast-2".to_string(),
    ];
    let mut start = parse_day("2024-05-01")?;
    let mut records_per_file = 500;
    let mut notable = 0.01;
    let mut iter = args.into_iter();
    while let Some(flag) = iter.next() {
        let mut value = || iter.next().ok_or(format!("{flag} needs a value"));
        match flag.as_str() {
            "--out" => out = Some(PathBuf::from(value()?)),
            "--size" => size = parse_size(&value()?)?,
            "--seed" => seed = value()?.parse().map_err(|_| "bad --seed")?,
            "--samples" => samples.push(PathBuf::from(value()?)),
            "--accounts" => accounts = value()?.split(',').map(str::to_string).collect(),
            "--regions" => regions = value()?.split(',').map(str::to_string).collect(),
            "--start" => start = parse_day(&value()?)?,
            "--records-per-file" => {
                records_per_file = value()?.parse().map_err(|_| "bad --records-per-file")?
            }
            "--notable" => notable = value()?.parse().map_err(|_| "bad --notable")?,
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    let out = out.ok_or("--out DIR is required")?;
    if samples.is_empty() {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../../shared/data/cloudtrail-samples");
        for entry in std::fs::read_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))? {
            let path = entry.map_err(|e| e.to_string())?.path();
            if path.extension().is_some_and(|e| e == "jsonl") {
                samples.push(path);
            }
        }
        samples.sort();
    }
    if accounts.is_empty() || regions.is_empty() || records_per_file == 0 {
        return Err("need at least one account, one region and one record per file".into());
    }
    let templates = Templates::load(&samples)?;
    let plan = Plan {
        out: out.clone(),
        bytes: size,
        seed,
        accounts,
        regions,
        start,
        records_per_file,
        notable_share: notable,
    };
    let written = generate(&plan, &templates).map_err(|e| e.to_string())?;
    println!(
        "wrote {} files, {} records, {} bytes ({} compressed) under {}",
        written.files,
        written.records,
        written.bytes,
        written.compressed,
        out.display()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_sizes_and_days() {
        assert_eq!(parse_size("1G"), Ok(1_000_000_000));
        assert_eq!(parse_size("20k"), Ok(20_000));
        assert_eq!(parse_size("123"), Ok(123));
        assert!(parse_size("1X").is_err());
        assert_eq!(parse_day("2024-05-01"), Ok(1_714_521_600));
        assert!(parse_day("2024-05").is_err());
    }
}
