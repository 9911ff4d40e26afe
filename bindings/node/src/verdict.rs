//! Verdicts: `Verdict`, `Check`, `CheckStatus` as plain JS objects.

use std::collections::BTreeMap;

use napi::bindgen_prelude::{Either, Null};
use napi::{Env, Task};
use napi_derive::napi;

use crate::error::rejection;
use crate::{Result, core_error, guard};

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

/// A verification to run: its arguments already read on the JavaScript thread.
pub(crate) type Work =
    Box<dyn FnOnce() -> std::result::Result<ccverify::Verdict, ccverify::Error> + Send>;

/// Runs `work` now, on the calling thread (the synchronous exports).
pub(crate) fn run_now(work: Work) -> Result<Verdict> {
    work().map(Verdict::from).map_err(core_error)
}

/// A verification on the libuv thread pool (the `…Async` exports): CPU work and the local files
/// it reads (`rimDir`, `ocspDir`) — the pool's job — never on the JavaScript thread.
pub struct VerifyTask(Option<Work>);

impl VerifyTask {
    /// The task of `work`, for `AsyncTask::new`.
    pub(crate) fn new(work: Work) -> Self {
        VerifyTask(Some(work))
    }
}

impl Task for VerifyTask {
    type Output = Result<ccverify::Verdict>;
    type JsValue = Verdict;

    fn compute(&mut self) -> napi::Result<Self::Output> {
        let work = self.0.take();
        Ok(guard(|| match work {
            Some(work) => work().map_err(core_error),
            None => Err(core_error(ccverify::Error::InvalidState(
                "the verification already ran".into(),
            ))),
        }))
    }

    fn resolve(&mut self, env: Env, output: Self::Output) -> napi::Result<Verdict> {
        output.map(Verdict::from).map_err(|e| rejection(env, e))
    }
}
