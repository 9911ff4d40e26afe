//! `ccverify audit`: Verify a log of recorded exchanges (JSON Lines) on every core.

use crate::*;
use ccverify::audit::{Key, Record, Signer, parse_lines, result_row, verify_records};
use std::collections::BTreeMap;
use std::io::Write;
use std::time::Instant;

/// Records verified between two progress updates.
const CHUNK: usize = 2048;

/// The arguments of `ccverify audit`.
#[derive(clap::Args)]
pub(crate) struct Args {
    /// JSON Lines files of recorded exchanges, or directories of them (their `*.jsonl` files,
    /// in name order). One exchange per line: `id`, `request`/`request_b64`,
    /// `response`/`response_b64` with `headers`, or `stream`/`stream_b64`, and `address` or
    /// `bundle` (a path, relative to the file that names it).
    #[arg(value_name = "FILE|DIR", required = true)]
    inputs: Vec<PathBuf>,
    /// Write one JSON line per exchange to FILE (never one of the inputs): `id`, `verified`,
    /// `key` (attested, caveated, named or none), `failed` and `warnings` check ids, `signer`,
    /// `request_hash`, `response_hash`, `source` (file:line).
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// How the bundles the log names are re-verified (as `verify-bundle` does).
    #[command(flatten)]
    bundles: super::verify_bundle::BundleArgs,
    /// Print the summary as one JSON object.
    #[arg(long)]
    json: bool,
}

/// A line that is not a record: where, and why.
struct BadLine {
    source: String,
    reason: String,
}

/// How a bundle fared: its attested key (with what its verdict warned about that key, if
/// anything), or why there is none.
enum BundleKey {
    Attested(Address),
    Caveated(Address, String),
    Unavailable(String),
}

/// The rows of a bundle's verdict that qualify its key: a key io.net does not bind into the
/// hardware evidence, values the bundle supplied, or trust anchors other than the production
/// roots. Any of them warning keeps the key from counting as proven attested.
const KEY_CAVEATS: &[&str] = &["report.key_binding", "bundle.inputs", "trust.anchors"];

/// Reads a bundle the log names: a regular file, at most the core's bundle bound (the log is
/// untrusted; it may name a FIFO or a device).
fn read_bundle(path: &Path) -> Result<Vec<u8>, String> {
    use std::io::Read as _;
    let meta = std::fs::metadata(path)
        .map_err(|e| format!("cannot read bundle {}: {e}", path.display()))?;
    if !meta.is_file() {
        return Err(format!("bundle {} is not a regular file", path.display()));
    }
    let limit = ccverify::bundle::MAX_BUNDLE_LEN as u64;
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(limit + 1).read_to_end(&mut bytes))
        .map_err(|e| format!("cannot read bundle {}: {e}", path.display()))?;
    if bytes.len() as u64 > limit {
        return Err(format!(
            "bundle {} is larger than {limit} bytes",
            path.display()
        ));
    }
    Ok(bytes)
}

/// The `*.jsonl` inputs: files as given, directories expanded (sorted).
fn input_files(inputs: &[PathBuf]) -> Result<Vec<PathBuf>, UsageError> {
    let mut files = Vec::new();
    for input in inputs {
        let meta = std::fs::metadata(input)
            .map_err(|e| UsageError(format!("cannot read {}: {e}", input.display())))?;
        if meta.is_dir() {
            let mut found: Vec<PathBuf> = std::fs::read_dir(input)
                .map_err(|e| UsageError(format!("cannot list {}: {e}", input.display())))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "jsonl") && p.is_file())
                .collect();
            found.sort();
            if found.is_empty() {
                return Err(UsageError(format!(
                    "{} holds no *.jsonl file",
                    input.display()
                )));
            }
            files.extend(found);
        } else if input.extension().is_some_and(|x| x == "parquet") {
            return Err(UsageError(format!(
                "{}: Parquet input is not supported yet; give JSON Lines",
                input.display()
            )));
        } else {
            files.push(input.clone());
        }
    }
    Ok(files)
}

/// Runs `ccverify audit`.
pub(crate) fn run(args: Args) -> Result<ExitCode, UsageError> {
    let started = Instant::now();
    let options = args.bundles.options()?;
    let files = input_files(&args.inputs)?;
    if let Some(out) = &args.out {
        // Never truncate a log being audited: the results file must be another file.
        let target = std::fs::canonicalize(out).ok();
        if target.is_some()
            && files
                .iter()
                .any(|f| std::fs::canonicalize(f).ok() == target)
        {
            return Err(UsageError(format!(
                "--out {} is one of the inputs",
                out.display()
            )));
        }
    }

    // Read every record; a bad line is reported and skipped, never the end of the run.
    let mut records: Vec<(String, Record, Option<PathBuf>)> = Vec::new();
    let mut bad: Vec<BadLine> = Vec::new();
    for file in &files {
        let text = read_input(file, "exchanges")?;
        let dir = file.parent().map(Path::to_path_buf).unwrap_or_default();
        for (n, parsed) in parse_lines(&text) {
            let source = format!("{}:{n}", file.display());
            match parsed {
                Ok(r) => {
                    let bundle = match &r.signer {
                        Signer::Bundle(b) => Some(dir.join(b)),
                        Signer::Address(_) => None,
                    };
                    records.push((source, r, bundle));
                }
                Err(e) => bad.push(BadLine {
                    source,
                    reason: e.to_string(),
                }),
            }
        }
    }

    // Each bundle once: its attested key, when it verified.
    let mut bundles: BTreeMap<PathBuf, BundleKey> = BTreeMap::new();
    for (_, _, path) in &records {
        let Some(path) = path else { continue };
        if bundles.contains_key(path) {
            continue;
        }
        let key = match read_bundle(path) {
            Err(e) => BundleKey::Unavailable(e),
            Ok(bytes) => match ccverify::bundle::verify_bundle(&bytes, &options) {
                Err(e) => BundleKey::Unavailable(format!("bundle {}: {e}", path.display())),
                Ok(v) => match (&v.verified, &v.signer) {
                    (true, Some(a)) => {
                        let caveats: Vec<String> = v
                            .checks
                            .iter()
                            .filter(|c| {
                                c.status == ccverify::CheckStatus::Warn
                                    && KEY_CAVEATS.contains(&c.id.as_str())
                            })
                            .map(|c| format!("{}: {}", c.id, c.detail))
                            .collect();
                        if caveats.is_empty() {
                            BundleKey::Attested(*a)
                        } else {
                            BundleKey::Caveated(
                                *a,
                                format!("bundle {}: {}", path.display(), caveats.join("; ")),
                            )
                        }
                    }
                    _ => BundleKey::Unavailable(format!(
                        "bundle {} did not verify (failing: {})",
                        path.display(),
                        v.blocking()
                            .map(|c| c.id.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    )),
                },
            },
        };
        bundles.insert(path.clone(), key);
    }

    let mut out = match &args.out {
        Some(p) => Some(std::io::BufWriter::new(std::fs::File::create(p).map_err(
            |e| UsageError(format!("cannot write {}: {e}", p.display())),
        )?)),
        None => None,
    };
    let progress = progress_bar(records.len());
    let mut keys: BTreeMap<String, usize> = BTreeMap::new();
    let mut seen_ids: std::collections::HashSet<&str> = std::collections::HashSet::new();
    let mut duplicate_ids = 0usize;
    for (_, r, _) in &records {
        if !seen_ids.insert(r.id.as_str()) {
            duplicate_ids += 1;
        }
    }
    let mut verified = 0usize;
    let mut failed_ids: BTreeMap<String, usize> = BTreeMap::new();
    for chunk in records.chunks(CHUNK) {
        let items: Vec<(&Record, Key<'_>)> = chunk
            .iter()
            .map(|(_, r, bundle)| {
                let key = match (&r.signer, bundle) {
                    (Signer::Address(a), _) => Key::Named(a),
                    (Signer::Bundle(_), Some(p)) => match bundles.get(p) {
                        Some(BundleKey::Attested(a)) => Key::Attested(a),
                        Some(BundleKey::Caveated(a, why)) => Key::Caveated(a, why),
                        Some(BundleKey::Unavailable(why)) => Key::Unavailable(why),
                        None => Key::Unavailable("the bundle was not resolved"),
                    },
                    (Signer::Bundle(_), None) => Key::Unavailable("the bundle was not resolved"),
                };
                (r, key)
            })
            .collect();
        let verdicts = verify_records(&items);
        for ((source, r, _), v) in chunk.iter().zip(&verdicts) {
            if v.verified {
                verified += 1;
            }
            *keys
                .entry(ccverify::audit::key_source(v).to_string())
                .or_default() += 1;
            for c in v.blocking() {
                *failed_ids.entry(c.id.clone()).or_default() += 1;
            }
            if let Some(w) = out.as_mut() {
                let mut row = result_row(&r.id, v);
                row["source"] = source.clone().into();
                writeln!(w, "{row}")
                    .map_err(|e| UsageError(format!("cannot write results: {e}")))?;
            }
        }
        progress.inc(chunk.len() as u64);
    }
    progress.finish_and_clear();
    if let Some(mut w) = out {
        w.flush()
            .map_err(|e| UsageError(format!("cannot write results: {e}")))?;
    }

    let total = records.len();
    let seconds = started.elapsed().as_secs_f64();
    let rate = if seconds > 0.0 {
        total as f64 / seconds
    } else {
        0.0
    };
    let attested = bundles
        .values()
        .filter(|b| !matches!(b, BundleKey::Unavailable(_)))
        .count();
    let unavailable: Vec<&String> = bundles
        .values()
        .filter_map(|b| match b {
            BundleKey::Unavailable(why) => Some(why),
            _ => None,
        })
        .collect();
    if args.json {
        let summary = serde_json::json!({
            "files": files.len(),
            "exchanges": total,
            "verified": verified,
            "not_verified": total - verified,
            "bad_lines": bad.iter().map(|b| serde_json::json!({"source": b.source, "reason": b.reason})).collect::<Vec<_>>(),
            "bundles": {"verified": attested, "not_verified": bundles.len() - attested, "failures": unavailable},
            "keys": keys,
            "duplicate_ids": duplicate_ids,
            "failed_checks": failed_ids,
            "seconds": seconds,
            "exchanges_per_second": rate,
        });
        println!("{summary}");
    } else {
        for b in &bad {
            println!("bad line {}: {}", b.source, b.reason.escape_debug());
        }
        println!("files          {}", files.len());
        println!("exchanges      {total}");
        println!("verified       {verified}");
        println!("not verified   {}", total - verified);
        println!("bad lines      {}", bad.len());
        println!(
            "bundles        {} verified, {} not",
            attested,
            bundles.len() - attested
        );
        for why in &unavailable {
            println!("  no key: {}", why.escape_debug());
        }
        println!(
            "keys           {} attested, {} caveated (not proven attested), {} named by the record, {} none",
            keys.get("attested").unwrap_or(&0),
            keys.get("caveated").unwrap_or(&0),
            keys.get("named").unwrap_or(&0),
            keys.get("none").unwrap_or(&0)
        );
        if duplicate_ids > 0 {
            println!(
                "duplicate ids  {duplicate_ids} (rows are told apart by their source and hashes)"
            );
        }
        for (id, n) in &failed_ids {
            println!("  failing {id}: {n}");
        }
        println!("time           {seconds:.2} s ({rate:.0} exchanges/s)");
    }
    // Nothing read is not a clean audit.
    Ok(if total > 0 && verified == total && bad.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// The progress bar on standard error (indicatif draws nothing when it is not a terminal):
/// exchanges verified, throughput and time left.
fn progress_bar(total: usize) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new(total as u64);
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "audit {bar:30} {pos}/{len} exchanges, {per_sec}, {elapsed} (eta {eta})",
    ) {
        bar.set_style(style);
    }
    bar
}
