//! `ccverify audit` on the shared audit vectors (tests/vectors/audit, written by
//! tests/vectors/gen/gen_audit_vectors.py): every exchange gets the verdict the generator
//! expects, under the policy that lets the bundle verify and under the default one that does
//! not; bad lines are reported by number and never stop the run; exit codes and `--json`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn vectors() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/vectors/audit")
}

fn expected() -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(vectors().join("expected.json")).unwrap()).unwrap()
}

fn audit(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ccverify"))
        .arg("audit")
        .args(args)
        .output()
        .unwrap()
}

fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ccverify-audit-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs the audit of the vectors and compares every result row with the expectation `mode`.
fn check_mode(mode: &str, policy: bool) {
    let exp = expected();
    let input = vectors().join("exchanges.jsonl");
    let out = temp(mode).join("results.jsonl");
    let policy_file = vectors().join(exp["policy"].as_str().unwrap());
    let mut args = vec![
        input.to_str().unwrap(),
        "--at",
        exp["at"].as_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--json",
    ];
    if policy {
        args.extend(["--policy", policy_file.to_str().unwrap()]);
    }
    let o = audit(&args);
    assert_eq!(o.status.code(), Some(1), "bad lines and failures exit 1");
    let summary: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let rows: Vec<serde_json::Value> = std::fs::read_to_string(&out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let cases = exp["exchanges"].as_object().unwrap();
    assert_eq!(rows.len(), cases.len(), "one row per record");
    let mut verified = 0;
    for row in &rows {
        let id = row["id"].as_str().unwrap();
        let want = &cases[id][mode];
        let failed: BTreeSet<&str> = row["failed"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        let want_failed: BTreeSet<&str> = want["failed"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        assert_eq!(row["verified"], want["verified"], "{id} ({mode})");
        assert_eq!(failed, want_failed, "{id} ({mode})");
        assert!(row["source"].as_str().unwrap().contains("exchanges.jsonl:"));
        // Where the key came from is in every row: the TEST-PKI bundle's key rests on test
        // roots (caveated, never "attested"); a failed bundle gives none.
        let key = row["key"].as_str().unwrap();
        let from_bundle = id.starts_with("bundle_exchange");
        let want_key = match (from_bundle, policy) {
            (false, _) => "named",
            (true, true) => "caveated",
            (true, false) => "none",
        };
        assert_eq!(key, want_key, "{id} ({mode})");
        if row["verified"] == true {
            assert_eq!(row["request_hash"].as_str().unwrap().len(), 64, "{id}");
        }
        if row["verified"] == true {
            verified += 1;
            assert!(
                row["signer"].is_string(),
                "{id}: a verified row names its signer"
            );
        }
    }
    assert!(
        verified > 10,
        "the vectors hold genuine exchanges ({verified})"
    );
    assert_eq!(summary["exchanges"], rows.len());
    assert_eq!(summary["verified"], verified);
    let bad: Vec<String> = summary["bad_lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            b["source"]
                .as_str()
                .unwrap()
                .rsplit(':')
                .next()
                .unwrap()
                .to_string()
        })
        .collect();
    let want_bad: Vec<String> = exp["bad_lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.to_string())
        .collect();
    assert_eq!(bad, want_bad, "bad lines are reported by number");
    let bundles = &summary["bundles"];
    assert_eq!(bundles["verified"], if policy { 1 } else { 0 });
}

#[test]
fn every_exchange_gets_its_expected_verdict_when_the_bundle_verifies() {
    check_mode("test_policy", true);
}

#[test]
fn a_bundle_that_does_not_verify_attests_no_key() {
    check_mode("default_policy", false);
}

#[test]
fn a_log_of_genuine_exchanges_exits_0_and_a_directory_is_read() {
    let exp = expected();
    let dir = temp("genuine");
    let genuine: Vec<String> = std::fs::read_to_string(vectors().join("exchanges.jsonl"))
        .unwrap()
        .lines()
        .filter(|l| {
            let Ok(v) = serde_json::from_str::<serde_json::Value>(l) else {
                return false;
            };
            let Some(id) = v["id"].as_str() else {
                return false;
            };
            v.get("address").is_some() && exp["exchanges"][id]["test_policy"]["verified"] == true
        })
        .map(str::to_string)
        .collect();
    assert!(genuine.len() > 10);
    std::fs::write(dir.join("a.jsonl"), genuine.join("\n") + "\n").unwrap();
    std::fs::write(dir.join("notes.txt"), "not a log").unwrap();
    let o = audit(&[dir.to_str().unwrap()]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{text}");
    assert!(
        text.contains(&format!("verified       {}", genuine.len())),
        "{text}"
    );
}

#[test]
fn the_log_is_never_overwritten_and_an_empty_log_is_not_clean() {
    let dir = temp("guard");
    let log = dir.join("log.jsonl");
    let text = std::fs::read(vectors().join("exchanges.jsonl")).unwrap();
    std::fs::write(&log, &text).unwrap();
    let o = audit(&[log.to_str().unwrap(), "--out", log.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(std::fs::read(&log).unwrap(), text, "the log is untouched");
    let empty = dir.join("empty.jsonl");
    std::fs::write(&empty, "\n \n").unwrap();
    assert_eq!(audit(&[empty.to_str().unwrap()]).status.code(), Some(1));
}

#[test]
fn a_bundle_that_is_not_a_regular_file_gives_no_key() {
    let dir = temp("devbundle");
    let first = std::fs::read_to_string(vectors().join("exchanges.jsonl"))
        .unwrap()
        .lines()
        .find(|l| l.contains("\"bundle\""))
        .unwrap()
        .replace("../report/bundle-test-pki.json", "/dev/zero");
    let log = dir.join("dev.jsonl");
    std::fs::write(&log, first + "\n").unwrap();
    let o = audit(&[log.to_str().unwrap(), "--json"]);
    assert_eq!(o.status.code(), Some(1));
    let summary: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(
        summary["bundles"]["failures"][0]
            .as_str()
            .unwrap()
            .contains("not a regular file")
    );
    assert_eq!(summary["keys"]["none"], 1);
}

#[test]
fn usage_errors_exit_2() {
    let missing = audit(&["/nonexistent/ccverify-audit.jsonl"]);
    assert_eq!(missing.status.code(), Some(2));
    let dir = temp("parquet");
    let parquet = dir.join("x.parquet");
    std::fs::write(&parquet, b"PAR1").unwrap();
    let o = audit(&[parquet.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "a file that is not Parquet");
    assert!(String::from_utf8_lossy(&o.stderr).contains("x.parquet"));
    assert_eq!(audit(&[]).status.code(), Some(2));
}

/// Reads the rows of a Parquet results file as JSON objects (lists of ids as arrays).
fn parquet_rows(path: &Path) -> Vec<serde_json::Value> {
    use arrow_array::Array as _;
    use ccverify::audit::arrow::result_schema;
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
    let f = std::fs::File::open(path).unwrap();
    let reader = ParquetRecordBatchReaderBuilder::try_new(f)
        .unwrap()
        .build()
        .unwrap();
    let mut rows = Vec::new();
    for batch in reader {
        let batch = batch.unwrap();
        assert_eq!(batch.schema().fields(), result_schema().fields());
        for i in 0..batch.num_rows() {
            let mut row = serde_json::Map::new();
            for (field, column) in batch.schema().fields().iter().zip(batch.columns()) {
                let one = column.slice(i, 1);
                let v = match field.name().as_str() {
                    "verified" => serde_json::Value::Bool(
                        one.as_any()
                            .downcast_ref::<arrow_array::BooleanArray>()
                            .unwrap()
                            .value(0),
                    ),
                    "failed" | "warnings" => {
                        let list = one
                            .as_any()
                            .downcast_ref::<arrow_array::ListArray>()
                            .unwrap();
                        let items = list.value(0);
                        let items = items
                            .as_any()
                            .downcast_ref::<arrow_array::StringArray>()
                            .unwrap();
                        items
                            .iter()
                            .map(|s| serde_json::Value::from(s.unwrap()))
                            .collect()
                    }
                    _ => {
                        let s = one
                            .as_any()
                            .downcast_ref::<arrow_array::StringArray>()
                            .unwrap();
                        if s.is_null(0) {
                            serde_json::Value::Null
                        } else {
                            s.value(0).into()
                        }
                    }
                };
                row.insert(field.name().clone(), v);
            }
            rows.push(serde_json::Value::Object(row));
        }
    }
    rows
}

#[test]
fn parquet_in_and_out_give_the_rows_json_lines_give() {
    use ccverify::audit::arrow::records_batch;
    use ccverify::audit::{Record, parse_lines};
    let exp = expected();
    let dir = temp("parquet-io");
    // The vectors' records (bad lines left out) as a Parquet log beside the JSON Lines one, so
    // the bundle path resolves the same way.
    let text = std::fs::read(vectors().join("exchanges.jsonl")).unwrap();
    let records: Vec<Record> = parse_lines(&text)
        .into_iter()
        .filter_map(|(_, r)| r.ok())
        .collect();
    let batch = records_batch(&records).unwrap();
    let log = vectors().join(format!("tmp-{}.parquet", std::process::id()));
    let mut w = parquet::arrow::ArrowWriter::try_new(
        std::fs::File::create(&log).unwrap(),
        batch.schema(),
        None,
    )
    .unwrap();
    w.write(&batch).unwrap();
    w.close().unwrap();
    let policy = vectors().join(exp["policy"].as_str().unwrap());
    let jsonl_out = dir.join("results.jsonl");
    let parquet_out = dir.join("results.parquet");
    let run = |input: &Path, out: &Path| {
        audit(&[
            input.to_str().unwrap(),
            "--at",
            exp["at"].as_str().unwrap(),
            "--policy",
            policy.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ])
    };
    let from_parquet = run(&log, &parquet_out);
    let from_jsonl = run(&vectors().join("exchanges.jsonl"), &jsonl_out);
    std::fs::remove_file(&log).unwrap();
    assert_eq!(
        from_parquet.status.code(),
        Some(1),
        "the tampered records fail"
    );
    assert_eq!(from_jsonl.status.code(), Some(1));
    let strip = |mut v: serde_json::Value| {
        v.as_object_mut().unwrap().remove("source");
        v.as_object_mut().unwrap().remove("error");
        v
    };
    let got: Vec<serde_json::Value> = parquet_rows(&parquet_out).into_iter().map(strip).collect();
    let want: Vec<serde_json::Value> = std::fs::read_to_string(&jsonl_out)
        .unwrap()
        .lines()
        .map(|l| strip(serde_json::from_str(l).unwrap()))
        .collect();
    assert_eq!(got.len(), records.len());
    assert_eq!(
        got, want,
        "Parquet and JSON Lines logs of the same records audit alike"
    );
}
