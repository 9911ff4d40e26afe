//! An audit as a whole: the bundles its records name re-verified once each, the records
//! verified on every core against the keys those bundles attest, one result row per record and
//! a summary — the same for `ccverify audit` and every binding.

use super::{Field, KEY_FACT, Key, Record, Signer, parse_lines, verify_records};
use crate::Error;
use crate::bundle::{BundleOptions, BundlePolicy, BundleTime, MAX_BUNDLE_LEN};
use crate::eth::Address;
use crate::verdict::{CheckStatus, Verdict};
use serde_json::Value;
use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

/// How an audit runs: the time and policy each bundle is re-verified under (as
/// `verify_bundle` takes them) and the directory the bundles its records name are read from.
///
/// The document form: `at` (`"recorded"`, RFC 3339 text or Unix seconds; default now),
/// `policy` (`"recorded"`, an object, or text: JSON, TOML or a preset name; default the
/// `default` preset), `bundle_dir` (default the current directory). `null` means "not set".
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuditOptions {
    /// The time each bundle is verified at.
    pub at: BundleTime,
    /// The policy each bundle is verified under.
    pub policy: BundlePolicy,
    /// The directory relative bundle paths are read from; `None` is the current directory.
    pub bundle_dir: Option<String>,
}

impl crate::Options for AuditOptions {
    const WHAT: &'static str = "audit options";

    fn from_value(value: Value) -> Result<AuditOptions, Error> {
        crate::options::from_object(value, Self::WHAT)
    }
}

impl AuditOptions {
    /// The options each bundle is re-verified with.
    pub fn bundle_options(&self) -> BundleOptions {
        BundleOptions {
            at: self.at,
            policy: self.policy.clone(),
        }
    }
}

/// The rows of a bundle's verdict that qualify its key: a key io.net does not bind into the
/// hardware evidence, values the bundle supplied, or trust anchors other than the production
/// roots. Any of them warning keeps the key from counting as proven attested.
pub const KEY_CAVEATS: &[&str] = &["report.key_binding", "bundle.inputs", "trust.anchors"];

/// How a bundle fared: its attested key (with what its verdict warned about that key, if
/// anything), or why there is none.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BundleKey {
    /// The bundle verified and nothing about its key was relaxed.
    Attested(Address),
    /// The bundle verified, but its key rests on what the text says (see [`KEY_CAVEATS`]).
    Caveated(Address, String),
    /// No attested key: why (the bundle did not verify, could not be read, …).
    Unavailable(String),
}

impl BundleKey {
    /// Re-verifies a bundle (`name` is how the reasons refer to it) and says what key it
    /// attests.
    pub fn from_bundle(name: &str, bytes: &[u8], options: &BundleOptions) -> BundleKey {
        let v = match crate::bundle::verify_bundle(bytes, options) {
            Err(e) => return BundleKey::Unavailable(format!("bundle {name}: {e}")),
            Ok(v) => v,
        };
        match (&v.verified, &v.signer) {
            (true, Some(a)) => {
                let caveats: Vec<String> = v
                    .checks
                    .iter()
                    .filter(|c| {
                        c.status == CheckStatus::Warn && KEY_CAVEATS.contains(&c.id.as_str())
                    })
                    .map(|c| format!("{}: {}", c.id, c.detail))
                    .collect();
                if caveats.is_empty() {
                    BundleKey::Attested(*a)
                } else {
                    BundleKey::Caveated(*a, format!("bundle {name}: {}", caveats.join("; ")))
                }
            }
            _ => BundleKey::Unavailable(format!(
                "bundle {name} did not verify (failing: {})",
                v.blocking()
                    .map(|c| c.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        }
    }

    /// The key records naming this bundle are held to.
    pub fn key(&self) -> Key<'_> {
        match self {
            BundleKey::Attested(a) => Key::Attested(a),
            BundleKey::Caveated(a, why) => Key::Caveated(a, why),
            BundleKey::Unavailable(why) => Key::Unavailable(why),
        }
    }

    /// Whether the bundle gave a key (attested or caveated).
    pub fn has_key(&self) -> bool {
        !matches!(self, BundleKey::Unavailable(_))
    }
}

/// Reads a bundle file a log names: a regular file of at most [`MAX_BUNDLE_LEN`] bytes (the log
/// is untrusted; it may name a FIFO, a device or something huge). The error is a sentence.
pub fn read_bundle_file(path: &Path) -> Result<Vec<u8>, String> {
    use std::io::Read as _;
    let meta = std::fs::metadata(path)
        .map_err(|e| format!("cannot read bundle {}: {e}", path.display()))?;
    if !meta.is_file() {
        return Err(format!("bundle {} is not a regular file", path.display()));
    }
    let limit = MAX_BUNDLE_LEN as u64;
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

/// Where an audit finds the bundles its records name: bundles supplied by name first, then
/// files relative to a directory (the current one when none is set).
#[derive(Clone, Debug, Default)]
pub struct Bundles {
    supplied: BTreeMap<String, Vec<u8>>,
    dir: Option<PathBuf>,
    only_supplied: bool,
}

impl Bundles {
    /// Bundles read as files relative to `dir` (`None`: the current directory).
    pub fn in_dir(dir: Option<PathBuf>) -> Bundles {
        Bundles {
            supplied: BTreeMap::new(),
            dir,
            only_supplied: false,
        }
    }

    /// Reads no file: a name that was not supplied gives no key. What the bindings do when
    /// bundles are supplied and no directory is given (on Spark, a name must not mean a
    /// different file on each executor).
    pub fn only_supplied(&mut self) {
        self.only_supplied = true;
    }

    /// Supplies a bundle's bytes under the name records use for it (no file is read for it).
    pub fn supply(&mut self, name: impl Into<String>, bytes: Vec<u8>) {
        self.supplied.insert(name.into(), bytes);
    }

    /// The bytes of the bundle a record names.
    pub fn load(&self, name: &str) -> Result<Vec<u8>, String> {
        if let Some(bytes) = self.supplied.get(name) {
            return Ok(bytes.clone());
        }
        if self.only_supplied {
            return Err(format!(
                "bundle {name:?} was not supplied (and no bundle directory was given)"
            ));
        }
        let path = match &self.dir {
            Some(dir) => dir.join(name),
            None => PathBuf::from(name),
        };
        read_bundle_file(&path)
    }
}

/// Runs audits: resolves each bundle name once (kept across calls, so a table verified batch by
/// batch re-verifies its bundles once) and verifies records on every core.
#[derive(Clone, Debug)]
pub struct Auditor {
    options: BundleOptions,
    bundles: Bundles,
    keys: BTreeMap<String, BundleKey>,
}

impl Auditor {
    /// An auditor for these options: bundles re-verified under their time and policy, read from
    /// their `bundle_dir`.
    pub fn new(options: &AuditOptions) -> Auditor {
        Auditor::with_bundles(
            options.bundle_options(),
            Bundles::in_dir(options.bundle_dir.as_ref().map(PathBuf::from)),
        )
    }

    /// An auditor with its own bundle source.
    pub fn with_bundles(options: BundleOptions, bundles: Bundles) -> Auditor {
        Auditor {
            options,
            bundles,
            keys: BTreeMap::new(),
        }
    }

    /// The bundle source, to supply bundles by name before verifying.
    pub fn bundles_mut(&mut self) -> &mut Bundles {
        &mut self.bundles
    }

    /// Every bundle resolved so far, by name, with the key it gave.
    pub fn bundle_keys(&self) -> &BTreeMap<String, BundleKey> {
        &self.keys
    }

    fn resolve(&mut self, name: &str) {
        if self.keys.contains_key(name) {
            return;
        }
        let key = match self.bundles.load(name) {
            Err(e) => BundleKey::Unavailable(e),
            Ok(bytes) => BundleKey::from_bundle(name, &bytes, &self.options),
        };
        self.keys.insert(name.to_string(), key);
    }

    /// Verifies records on every core, each against its key: its `address`, or its bundle's
    /// attested key (bundles not seen before are read and re-verified first, once each).
    /// Verdicts come back in the order given.
    pub fn verify(&mut self, records: &[&Record]) -> Vec<Verdict> {
        for r in records {
            if let Signer::Bundle(name) = &r.signer {
                self.resolve(name);
            }
        }
        let items: Vec<(&Record, Key<'_>)> = records
            .iter()
            .map(|r| {
                let key = match &r.signer {
                    Signer::Address(a) => Key::Named(a),
                    Signer::Bundle(name) => self.keys.get(name).map_or(
                        Key::Unavailable("the bundle was not resolved"),
                        BundleKey::key,
                    ),
                };
                (*r, key)
            })
            .collect();
        verify_records(&items)
    }

    /// One result row per row of a table or list: a record's verdict, or, for a row that is
    /// not a record, a row that is not verified and says why.
    pub fn verify_rows(&mut self, rows: &[Result<Record, BadRow>]) -> Vec<ResultRow> {
        let records: Vec<&Record> = rows.iter().filter_map(|r| r.as_ref().ok()).collect();
        let mut verdicts = self.verify(&records).into_iter();
        rows.iter()
            .map(|row| match row {
                Ok(r) => match verdicts.next() {
                    Some(v) => ResultRow::new(&r.id, &v),
                    None => ResultRow::error(Some(r.id.clone()), "no verdict".into()),
                },
                Err(bad) => ResultRow::error(bad.id.clone(), bad.error.to_string()),
            })
            .collect()
    }

    /// Audits a JSON Lines log held in memory: the results of its records in file order (each
    /// with its `source`, `name:line`) and the summary, bad lines included.
    pub fn audit_jsonl(&mut self, text: &[u8], name: &str) -> AuditReport {
        let mut tally = Tally::default();
        let mut records = Vec::new();
        for (n, parsed) in parse_lines(text) {
            match parsed {
                Ok(r) => records.push((n, r)),
                Err(e) => tally.bad_line(format!("{name}:{n}"), n, e.to_string()),
            }
        }
        let refs: Vec<&Record> = records.iter().map(|(_, r)| r).collect();
        let verdicts = self.verify(&refs);
        let results: Vec<ResultRow> = records
            .iter()
            .zip(&verdicts)
            .map(|((n, r), v)| {
                let mut row = ResultRow::new(&r.id, v);
                row.source = Some(format!("{name}:{n}"));
                tally.add(&row);
                row
            })
            .collect();
        AuditReport {
            summary: tally.summary(self),
            results,
        }
    }
}

/// A row of a table or list that is not a record: its id, when it had a readable one, and why.
#[derive(Clone, Debug)]
pub struct BadRow {
    /// The row's `id`, when it was text.
    pub id: Option<String>,
    /// Why the row is not a record.
    pub error: Error,
}

impl std::fmt::Display for BadRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.error.fmt(f)
    }
}

/// Reads a row's fields as [`Record::from_fields`] does, keeping the id of a row that is not
/// a record for its result.
pub fn row_from_fields(fields: Vec<(String, Field)>) -> Result<Record, BadRow> {
    let id = fields
        .iter()
        .find_map(|(name, field)| match (name.as_str(), field) {
            ("id", Field::Text(s)) => Some(s.clone()),
            _ => None,
        });
    Record::from_fields(fields).map_err(|error| BadRow { id, error })
}

/// The result of one exchange, as every audit output writes it: the record's id, whether it
/// verified, where its key came from, the ids of the checks that failed or were skipped and of
/// those that warned, the recovered signer, and the hashes of the request and response bytes
/// it was verified over (so a row can be tied to the content, whatever its id says).
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct ResultRow {
    /// The record's id (`None` for a row that is not a record and has no readable id).
    pub id: Option<String>,
    /// Whether the reply is signed by the record's key over exactly its bytes (and that key
    /// did not come from a bundle that failed).
    pub verified: bool,
    /// Where the key came from: `attested`, `caveated`, `named` or `none` ([`Key::source`]).
    pub key: String,
    /// The ids of the checks that failed or were skipped.
    pub failed: Vec<String>,
    /// The ids of the checks that warned.
    pub warnings: Vec<String>,
    /// The address recovered from the signature, when one could be.
    pub signer: Option<String>,
    /// SHA-256 of the request bytes, as the agent hashes them (hex).
    pub request_hash: Option<String>,
    /// SHA-256 of the response bytes, as the agent hashes them (hex).
    pub response_hash: Option<String>,
    /// Why the row is not a record at all (then nothing was verified).
    pub error: Option<String>,
    /// Where the record came from (`file:line`), when it came from a file.
    pub source: Option<String>,
}

impl ResultRow {
    /// The row of a record's verdict.
    pub fn new(id: &str, verdict: &Verdict) -> ResultRow {
        let ids_with = |pred: &dyn Fn(CheckStatus) -> bool| -> Vec<String> {
            verdict
                .checks
                .iter()
                .filter(|c| pred(c.status))
                .map(|c| c.id.to_string())
                .collect()
        };
        ResultRow {
            id: Some(id.to_string()),
            verified: verdict.verified,
            key: verdict
                .facts
                .get(KEY_FACT)
                .map_or("none", String::as_str)
                .to_string(),
            failed: ids_with(&|s| matches!(s, CheckStatus::Fail | CheckStatus::Skip)),
            warnings: ids_with(&|s| s == CheckStatus::Warn),
            signer: verdict.signer.as_ref().map(|a| a.to_string()),
            request_hash: verdict.facts.get("request_hash").cloned(),
            response_hash: verdict.facts.get("response_hash").cloned(),
            error: None,
            source: None,
        }
    }

    /// The row of something that is not a record: not verified, with the reason.
    pub fn error(id: Option<String>, reason: String) -> ResultRow {
        ResultRow {
            id,
            key: "none".into(),
            error: Some(reason),
            ..ResultRow::default()
        }
    }

    /// The row as a JSON object.
    pub fn to_value(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }
}

/// A line of a log that is not a record: where, and why.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct BadLine {
    /// `file:line`.
    pub source: String,
    /// The 1-based line number.
    pub line: usize,
    /// Why the line is not a record.
    pub reason: String,
}

/// What became of the bundles an audit named.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct BundleCounts {
    /// Bundles that verified and gave a key (attested or caveated).
    pub verified: usize,
    /// Bundles that gave no key.
    pub not_verified: usize,
    /// Why each of those gave none.
    pub failures: Vec<String>,
}

/// The summary of an audit: counts, the lines that were not records, what the bundles gave,
/// where the keys came from, and which checks failed how often.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Summary {
    /// Records verified (bad lines are not exchanges).
    pub exchanges: usize,
    /// Records that verified.
    pub verified: usize,
    /// Records that did not.
    pub not_verified: usize,
    /// The lines (or rows) that are not records.
    pub bad_lines: Vec<BadLine>,
    /// The bundles named.
    pub bundles: BundleCounts,
    /// Records by where their key came from (`attested`, `caveated`, `named`, `none`).
    pub keys: BTreeMap<String, usize>,
    /// Records whose id an earlier record already had (rows are told apart by their source
    /// and hashes).
    pub duplicate_ids: usize,
    /// For each check id, how many records it failed (or skipped) in.
    pub failed_checks: BTreeMap<String, usize>,
}

impl Summary {
    /// A clean audit: at least one exchange, every one verified, no bad line.
    pub fn clean(&self) -> bool {
        self.exchanges > 0 && self.verified == self.exchanges && self.bad_lines.is_empty()
    }

    /// The summary as a JSON object.
    pub fn to_value(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }
}

/// Counts results as they are produced, for the [`Summary`].
#[derive(Clone, Debug, Default)]
pub struct Tally {
    summary: Summary,
    ids: HashSet<String>,
}

impl Tally {
    /// Counts one result row (a row that is not a record counts as a bad line).
    pub fn add(&mut self, row: &ResultRow) {
        let s = &mut self.summary;
        if let Some(reason) = &row.error {
            let source = row.source.clone().unwrap_or_default();
            s.bad_lines.push(BadLine {
                line: 0,
                source,
                reason: reason.clone(),
            });
            return;
        }
        s.exchanges += 1;
        if row.verified {
            s.verified += 1;
        } else {
            s.not_verified += 1;
        }
        *s.keys.entry(row.key.clone()).or_default() += 1;
        for id in &row.failed {
            *s.failed_checks.entry(id.clone()).or_default() += 1;
        }
        if let Some(id) = &row.id
            && !self.ids.insert(id.clone())
        {
            s.duplicate_ids += 1;
        }
    }

    /// Counts a line that is not a record.
    pub fn bad_line(&mut self, source: String, line: usize, reason: String) {
        self.summary.bad_lines.push(BadLine {
            source,
            line,
            reason,
        });
    }

    /// The summary so far, with what the auditor's bundles gave.
    pub fn summary(&self, auditor: &Auditor) -> Summary {
        let mut s = self.summary.clone();
        for key in auditor.bundle_keys().values() {
            match key {
                BundleKey::Unavailable(why) => {
                    s.bundles.not_verified += 1;
                    s.bundles.failures.push(why.clone());
                }
                _ => s.bundles.verified += 1,
            }
        }
        s
    }
}

/// An audit's results and summary.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct AuditReport {
    /// The summary.
    pub summary: Summary,
    /// One row per record, in the log's order.
    pub results: Vec<ResultRow>,
}

impl AuditReport {
    /// The report as one JSON object: `{"summary": …, "results": […]}`.
    pub fn to_value(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }
}

/// Audits a JSON Lines log held in memory under these options (bundles read relative to their
/// `bundle_dir`): the form every binding exposes.
pub fn audit_jsonl(text: &[u8], options: &AuditOptions) -> AuditReport {
    Auditor::new(options).audit_jsonl(text, "log")
}
