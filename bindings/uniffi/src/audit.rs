//! Audits of recorded exchanges: `auditJsonl` over [`ccverify::audit`].

use std::collections::HashMap;

use crate::error::CcverifyError;
use crate::report::BundleOptions;

/// Options of `auditJsonl`: how the bundles the log names are re-verified (each once) and where
/// they are read from.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct AuditOptions {
    /// The time and policy each bundle is re-verified under, as `verifyBundle` takes them.
    pub bundles: BundleOptions,
    /// The directory relative `bundle` paths are read from. Unset: the current directory.
    #[uniffi(default = None)]
    pub bundle_dir: Option<String>,
}

/// One recorded exchange's audit result.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct ExchangeResult {
    /// The record's id.
    pub id: Option<String>,
    /// The reply is signed by the record's key over exactly its bytes (and the key did not come
    /// from a bundle that failed).
    pub verified: bool,
    /// Where the key came from: `attested` (a bundle that verified, nothing relaxed about its
    /// key), `caveated` (a bundle that verified, its key resting on a warning such as io.net not
    /// binding it into hardware evidence), `named` (the record's own address, attested by
    /// nothing here) or `none`.
    pub key: String,
    /// The ids of the checks that failed or were skipped.
    pub failed: Vec<String>,
    /// The ids of the checks that warned.
    pub warnings: Vec<String>,
    /// The address recovered from the signature, when one could be.
    pub signer: Option<String>,
    /// SHA-256 (hex) of the request bytes, as the agent hashes them.
    pub request_hash: Option<String>,
    /// SHA-256 (hex) of the response bytes, as the agent hashes them.
    pub response_hash: Option<String>,
    /// Where the record came from (`log:LINE`).
    pub source: Option<String>,
}

/// A line of a log that is not a record.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct BadLine {
    /// `log:LINE`.
    pub source: String,
    /// The 1-based line number.
    pub line: u64,
    /// Why the line is not a record.
    pub reason: String,
}

/// What an audit found.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct AuditSummary {
    /// Records verified (bad lines are not exchanges).
    pub exchanges: u64,
    /// Records that verified.
    pub verified: u64,
    /// Records that did not.
    pub not_verified: u64,
    /// The lines that are not records; they never stop an audit.
    pub bad_lines: Vec<BadLine>,
    /// Bundles that verified and gave a key.
    pub bundles_verified: u64,
    /// Why each bundle that gave no key gave none.
    pub bundle_failures: Vec<String>,
    /// Records by where their key came from (`attested`, `caveated`, `named`, `none`).
    pub keys: HashMap<String, u64>,
    /// Records whose id an earlier record already had.
    pub duplicate_ids: u64,
    /// For each check id, how many records it failed (or skipped) in.
    pub failed_checks: HashMap<String, u64>,
}

/// What `auditJsonl` returns.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct AuditReport {
    /// The counts, bad lines, bundles, key sources and failing checks.
    pub summary: AuditSummary,
    /// One result per record, in the log's order.
    pub results: Vec<ExchangeResult>,
}

/// Audits a JSON Lines log of recorded exchanges (the README's format: one exchange per line,
/// held to its `address` or to the attested key of its `bundle`) on every core. Lines that are
/// not records are in `summary.badLines`, never an error. Errors: `InvalidArgument` for a
/// policy the core refuses, or both a value and its `…Recorded` flag.
#[uniffi::export]
pub fn audit_jsonl(log: Vec<u8>, options: AuditOptions) -> Result<AuditReport, CcverifyError> {
    let bundle = options.bundles.into_core()?;
    let core = ccverify::audit::AuditOptions {
        at: bundle.at,
        policy: bundle.policy,
        bundle_dir: options.bundle_dir,
    };
    let report = ccverify::audit::audit_jsonl(&log, &core);
    let n = |v: usize| v as u64;
    let s = report.summary;
    Ok(AuditReport {
        summary: AuditSummary {
            exchanges: n(s.exchanges),
            verified: n(s.verified),
            not_verified: n(s.not_verified),
            bad_lines: s
                .bad_lines
                .into_iter()
                .map(|b| BadLine {
                    source: b.source,
                    line: n(b.line),
                    reason: b.reason,
                })
                .collect(),
            bundles_verified: n(s.bundles.verified),
            bundle_failures: s.bundles.failures,
            keys: s.keys.into_iter().map(|(k, v)| (k, n(v))).collect(),
            duplicate_ids: n(s.duplicate_ids),
            failed_checks: s
                .failed_checks
                .into_iter()
                .map(|(k, v)| (k, n(v)))
                .collect(),
        },
        results: report
            .results
            .into_iter()
            .map(|r| ExchangeResult {
                id: r.id,
                verified: r.verified,
                key: r.key,
                failed: r.failed,
                warnings: r.warnings,
                signer: r.signer,
                request_hash: r.request_hash,
                response_hash: r.response_hash,
                source: r.source,
            })
            .collect(),
    })
}
