//! Every fuzz target over its committed seeds (`fuzz/seeds/<target>/`) and every past finding
//! (`fuzz/regressions/<target>/`), on stable Rust: a defect the fuzzer found stays fixed in
//! plain `cargo test`, and every oracle runs on real inputs even where libFuzzer is not
//! installed.

#![allow(clippy::panic, clippy::unwrap_used, reason = "a test")]

use std::path::{Path, PathBuf};

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

/// The files of `dir/<target>/`, sorted (none when the directory does not exist).
fn inputs(dir: &str, target: &str) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(fuzz_dir().join(dir).join(target)) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

fn run_all(dir: &str) -> usize {
    let mut ran = 0;
    for (name, target) in ccverify_fuzz::TARGETS {
        for file in inputs(dir, name) {
            let data = std::fs::read(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
            let outcome = std::panic::catch_unwind(|| target(&data));
            assert!(outcome.is_ok(), "{name}: {} fails", file.display());
            ran += 1;
        }
    }
    ran
}

#[test]
fn every_target_passes_on_its_seeds() {
    // Each target has seeds (make fuzz-seeds writes them from tests/vectors).
    for (name, _) in ccverify_fuzz::TARGETS {
        assert!(!inputs("seeds", name).is_empty(), "no seeds for {name}");
    }
    assert!(run_all("seeds") > 100);
}

#[test]
fn every_past_finding_stays_fixed() {
    run_all("regressions");
}

#[test]
fn every_target_has_a_fuzz_binary() {
    for (name, _) in ccverify_fuzz::TARGETS {
        let file = fuzz_dir()
            .join("libfuzzer/fuzz_targets")
            .join(format!("{name}.rs"));
        assert!(file.is_file(), "no {}", file.display());
    }
}

#[test]
fn the_stream_oracle_runs_on_the_real_streams() {
    let checked = inputs("seeds", "stream")
        .iter()
        .filter(|file| {
            let data = std::fs::read(file).unwrap_or_default();
            ccverify_fuzz::stream_checked(&data)
        })
        .count();
    assert!(
        checked >= 10,
        "the consumer-view oracle ran on only {checked} seeds"
    );
}
