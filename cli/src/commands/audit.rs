//! `ccverify audit`: Verify logs of recorded exchanges (JSON Lines or Parquet) on every core.

use crate::*;
use ccverify::audit::arrow::{records_from_batch, results_batch};
use ccverify::audit::{Auditor, Bundles, Record, ResultRow, Signer, Tally, parse_lines};
use std::io::Write;
use std::time::Instant;

/// Records verified between two progress updates.
const CHUNK: usize = 2048;

/// The arguments of `ccverify audit`.
#[derive(clap::Args)]
pub(crate) struct Args {
    /// Logs of recorded exchanges: JSON Lines files (one exchange per line: `id`,
    /// `request`/`request_b64`, `response`/`response_b64` with `headers`, or
    /// `stream`/`stream_b64`, and `address` or `bundle`, a path relative to the file that names
    /// it), Parquet files (`*.parquet`, the same fields as columns), or directories of them
    /// (their `*.jsonl` and `*.parquet` files, in name order).
    #[arg(value_name = "FILE|DIR", required = true)]
    inputs: Vec<PathBuf>,
    /// Write one row per exchange to FILE (never one of the inputs): `id`, `verified`, `key`
    /// (attested, caveated, named or none), `failed` and `warnings` check ids, `signer`,
    /// `request_hash`, `response_hash`, `source` (file:line). JSON Lines, or Parquet when FILE
    /// ends in `.parquet`.
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// How the bundles the log names are re-verified (as `verify-bundle` does).
    #[command(flatten)]
    bundles: super::verify_bundle::BundleArgs,
    /// Print the summary as one JSON object.
    #[arg(long)]
    json: bool,
}

fn is_parquet(path: &Path) -> bool {
    path.extension().is_some_and(|x| x == "parquet")
}

/// The input files: files as given, directories expanded to their `*.jsonl` and `*.parquet`
/// files (sorted).
fn input_files(inputs: &[PathBuf]) -> Result<Vec<PathBuf>, UsageError> {
    let mut files = Vec::new();
    for input in inputs {
        let meta = std::fs::metadata(input)
            .map_err(|e| UsageError(format!("cannot read {}: {e}", input.display())))?;
        if meta.is_dir() {
            let mut found: Vec<PathBuf> = std::fs::read_dir(input)
                .map_err(|e| UsageError(format!("cannot list {}: {e}", input.display())))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| {
                    p.extension()
                        .is_some_and(|x| x == "jsonl" || x == "parquet")
                        && p.is_file()
                })
                .collect();
            found.sort();
            if found.is_empty() {
                return Err(UsageError(format!(
                    "{} holds no *.jsonl or *.parquet file",
                    input.display()
                )));
            }
            files.extend(found);
        } else {
            files.push(input.clone());
        }
    }
    Ok(files)
}

/// Records by their 1-based line (or row) number, each read or refused with its reason.
type Numbered = Vec<(usize, Result<Record, String>)>;

/// The records of a Parquet file, by 1-based row number: a row that is not a record is its
/// error. A file that cannot be read as a table of exchanges is a usage error.
fn parquet_records(file: &Path) -> Result<Numbered, UsageError> {
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
    let fail =
        |e: &dyn std::fmt::Display| UsageError(format!("cannot read {}: {e}", file.display()));
    let f = std::fs::File::open(file).map_err(|e| fail(&e))?;
    let reader = ParquetRecordBatchReaderBuilder::try_new(f)
        .and_then(|b| b.build())
        .map_err(|e| fail(&e))?;
    let mut out = Vec::new();
    for batch in reader {
        let batch = batch.map_err(|e| fail(&e))?;
        for row in records_from_batch(&batch).map_err(|e| fail(&e))? {
            out.push((out.len() + 1, row.map_err(|bad| bad.to_string())));
        }
    }
    Ok(out)
}

/// Where the results go: JSON Lines written as they come, or Parquet written at the end.
enum Out {
    Jsonl(std::io::BufWriter<std::fs::File>),
    Parquet(std::fs::File, Vec<ResultRow>),
}

impl Out {
    fn create(path: &Path) -> Result<Out, UsageError> {
        let f = std::fs::File::create(path)
            .map_err(|e| UsageError(format!("cannot write {}: {e}", path.display())))?;
        Ok(if is_parquet(path) {
            Out::Parquet(f, Vec::new())
        } else {
            Out::Jsonl(std::io::BufWriter::new(f))
        })
    }

    fn row(&mut self, row: ResultRow) -> Result<(), UsageError> {
        match self {
            Out::Jsonl(w) => writeln!(w, "{}", row.to_value())
                .map_err(|e| UsageError(format!("cannot write results: {e}"))),
            Out::Parquet(_, rows) => {
                rows.push(row);
                Ok(())
            }
        }
    }

    fn finish(self) -> Result<(), UsageError> {
        let fail = |e: &dyn std::fmt::Display| UsageError(format!("cannot write results: {e}"));
        match self {
            Out::Jsonl(mut w) => w.flush().map_err(|e| fail(&e)),
            Out::Parquet(f, rows) => {
                let batch = results_batch(&rows).map_err(|e| fail(&e))?;
                let mut w = parquet::arrow::ArrowWriter::try_new(f, batch.schema(), None)
                    .map_err(|e| fail(&e))?;
                w.write(&batch).map_err(|e| fail(&e))?;
                w.close().map(|_| ()).map_err(|e| fail(&e))
            }
        }
    }
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

    // Read every record; a bad line is reported and skipped, never the end of the run. A
    // record's bundle is named relative to its file: the auditor gets the joined path.
    let mut records: Vec<(String, Record)> = Vec::new();
    let mut tally = Tally::default();
    for file in &files {
        let parsed = if is_parquet(file) {
            parquet_records(file)?
        } else {
            parse_lines(&read_input(file, "exchanges")?)
                .into_iter()
                .map(|(n, r)| (n, r.map_err(|e| e.to_string())))
                .collect()
        };
        let dir = file.parent().map(Path::to_path_buf).unwrap_or_default();
        for (n, parsed) in parsed {
            let source = format!("{}:{n}", file.display());
            match parsed {
                Ok(mut r) => {
                    if let Signer::Bundle(b) = &r.signer {
                        r.signer = Signer::Bundle(dir.join(b).to_string_lossy().into_owned());
                    }
                    records.push((source, r));
                }
                Err(reason) => tally.bad_line(source, n, reason),
            }
        }
    }

    let mut auditor = Auditor::with_bundles(options, Bundles::in_dir(None));
    let mut out = args.out.as_deref().map(Out::create).transpose()?;
    let progress = progress_bar(records.len());
    for chunk in records.chunks(CHUNK) {
        let refs: Vec<&Record> = chunk.iter().map(|(_, r)| r).collect();
        let verdicts = auditor.verify(&refs);
        for ((source, r), v) in chunk.iter().zip(&verdicts) {
            let mut row = ResultRow::new(&r.id, v);
            row.source = Some(source.clone());
            tally.add(&row);
            if let Some(o) = out.as_mut() {
                o.row(row)?;
            }
        }
        progress.inc(chunk.len() as u64);
    }
    progress.finish_and_clear();
    if let Some(o) = out {
        o.finish()?;
    }

    let summary = tally.summary(&auditor);
    let seconds = started.elapsed().as_secs_f64();
    let rate = if seconds > 0.0 {
        summary.exchanges as f64 / seconds
    } else {
        0.0
    };
    if args.json {
        let mut value = summary.to_value();
        value["files"] = files.len().into();
        value["seconds"] = seconds.into();
        value["exchanges_per_second"] = rate.into();
        println!("{value}");
    } else {
        let s = &summary;
        for b in &s.bad_lines {
            println!("bad line {}: {}", b.source, b.reason.escape_debug());
        }
        println!("files          {}", files.len());
        println!("exchanges      {}", s.exchanges);
        println!("verified       {}", s.verified);
        println!("not verified   {}", s.not_verified);
        println!("bad lines      {}", s.bad_lines.len());
        println!(
            "bundles        {} verified, {} not",
            s.bundles.verified, s.bundles.not_verified
        );
        for why in &s.bundles.failures {
            println!("  no key: {}", why.escape_debug());
        }
        let key = |k: &str| s.keys.get(k).copied().unwrap_or(0);
        println!(
            "keys           {} attested, {} caveated (not proven attested), {} named by the record, {} none",
            key("attested"),
            key("caveated"),
            key("named"),
            key("none")
        );
        if s.duplicate_ids > 0 {
            println!(
                "duplicate ids  {} (rows are told apart by their source and hashes)",
                s.duplicate_ids
            );
        }
        for (id, n) in &s.failed_checks {
            println!("  failing {id}: {n}");
        }
        println!("time           {seconds:.2} s ({rate:.0} exchanges/s)");
    }
    // Nothing read is not a clean audit.
    Ok(if summary.clean() {
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
