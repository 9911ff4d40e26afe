//! Verdicts: `Verdict`, `Check`, `CheckStatus` as plain JS objects.

use std::collections::BTreeMap;

use napi::bindgen_prelude::{Either, Null};
use napi_derive::napi;

/// What one check found.
#[napi(string_enum = "lowercase")]
#[derive(Debug, PartialEq, Eq)]
pub enum CheckStatus {
    /// The property was proven.
    Pass,
    /// The property is false, or the evidence is malformed.
    Fail,
    /// The check could not run (a prerequisite failed or an input is missing). Never a pass.
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
#[napi(object)]
pub struct Check {
    /// Stable identifier, e.g. `response.signature` (ids are never renamed or reused).
    pub id: String,
    /// What the check found.
    pub status: CheckStatus,
    /// Why, in plain language, with the values compared.
    pub detail: String,
    /// What the check is about when a verification covers several things (e.g. `gpu0`).
    pub subject: Option<String>,
}

/// The outcome of a verification: a table of named checks.
#[napi(object)]
pub struct Verdict {
    /// True only if every check passed or warned: no failure and no skipped check.
    pub verified: bool,
    /// Every check that was evaluated, in a fixed order.
    pub checks: Vec<Check>,
    /// The EIP-55 address recovered from the signature, when one could be recovered — even if
    /// it is not the expected one. For attestations and bundles: the attested
    /// `signing_address` when it is well-formed (the key to pin).
    pub signer: Either<String, Null>,
    /// Values the verifier computed, by stable name — for signed exchanges `request_hash` and
    /// `response_hash` (what the signed `text` should contain), when they could be computed; for
    /// attestations and bundles `summary`, what is and is not proven in plain language.
    pub facts: BTreeMap<String, String>,
}

impl From<ccverify::Verdict> for Verdict {
    fn from(verdict: ccverify::Verdict) -> Self {
        Verdict {
            verified: verdict.verified,
            checks: verdict
                .checks
                .into_iter()
                .map(|c| Check {
                    id: c.id,
                    status: c.status.into(),
                    detail: c.detail,
                    subject: c.subject,
                })
                .collect(),
            signer: match verdict.signer {
                Some(address) => Either::A(address.to_checksum()),
                None => Either::B(Null),
            },
            facts: verdict.facts,
        }
    }
}
