//! Verdicts: `Verdict`, `Check`, `CheckStatus` as records and enums.

use std::collections::HashMap;

/// Outcome of one check.
#[derive(Clone, Copy, Debug, PartialEq, Eq, uniffi::Enum)]
pub enum CheckStatus {
    /// The property was proven.
    Pass,
    /// The property is false, or the evidence is malformed.
    Fail,
    /// The check could not run; never counts as a pass.
    Skip,
    /// The proof holds, but something is missing or weaker than it should be.
    Warn,
}

impl From<ccverify::CheckStatus> for CheckStatus {
    fn from(status: ccverify::CheckStatus) -> Self {
        match status {
            ccverify::CheckStatus::Pass => CheckStatus::Pass,
            ccverify::CheckStatus::Fail => CheckStatus::Fail,
            ccverify::CheckStatus::Skip => CheckStatus::Skip,
            ccverify::CheckStatus::Warn => CheckStatus::Warn,
        }
    }
}

/// One row of a verdict.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct Check {
    /// Stable identifier, e.g. `response.signer`.
    pub id: String,
    /// What the check found.
    pub status: CheckStatus,
    /// Why, in plain language.
    pub detail: String,
    /// What the check is about when a verification covers several things (e.g. `gpu0`).
    pub subject: Option<String>,
}

/// The result of a verification: verified only when no check failed or was skipped.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct Verdict {
    /// True only if every check passed or warned.
    pub verified: bool,
    /// Every check, in a fixed order.
    pub checks: Vec<Check>,
    /// The EIP-55 address recovered from the signature, if any.
    pub signer: Option<String>,
    /// Values the verifier computed (`request_hash`, `response_hash`).
    pub facts: HashMap<String, String>,
    /// The verdict as one JSON object (the CLI's `--json` shape).
    pub json: String,
}

impl From<ccverify::Verdict> for Verdict {
    fn from(v: ccverify::Verdict) -> Self {
        Verdict {
            json: v.to_json(),
            verified: v.verified,
            checks: v
                .checks
                .into_iter()
                .map(|c| Check {
                    id: c.id,
                    status: c.status.into(),
                    detail: c.detail,
                    subject: c.subject,
                })
                .collect(),
            signer: v.signer.map(|s| s.to_checksum()),
            facts: v.facts.into_iter().collect(),
        }
    }
}

/// Reads a verdict back from its JSON form (`Verdict.json`, the CLI's `--json`), e.g. one
/// stored with a logged exchange. The text is untrusted: a `verified` flag its checks contradict
/// (a failed or skipped check, no check at all) or a malformed signer is refused. Reading a
/// verdict proves nothing by itself: only re-running the verification does. Swift's `Codable`
/// conformance decodes through it.
///
/// Errors: `InvalidArgument` for text that is not a verdict; `LimitExceeded` over 64 MiB.
#[uniffi::export]
pub fn verdict_from_json(json: String) -> Result<Verdict, crate::CcverifyError> {
    Ok(ccverify::Verdict::from_json(&json)?.into())
}
