//! Verdicts: the outcome of a verification as a table of named checks.
//!
//! Every verification returns a [`Verdict`] rather than an error: each [`Check`] has a stable
//! id (see [`CHECKS`](crate::CHECKS)), a [`CheckStatus`] and a human-readable `detail` saying why. A verdict is
//! `verified` only when no check failed and no check was skipped — a check that could not run
//! never counts as a pass. `warn` marks something worth knowing that does not break the proof.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::eth::Address;

/// The outcome of one check.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
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

impl CheckStatus {
    /// `"pass"`, `"fail"`, `"skip"` or `"warn"`.
    pub fn as_str(self) -> &'static str {
        match self {
            CheckStatus::Pass => "pass",
            CheckStatus::Fail => "fail",
            CheckStatus::Skip => "skip",
            CheckStatus::Warn => "warn",
        }
    }
}

impl std::fmt::Display for CheckStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One row of a verdict.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Check {
    /// Stable identifier, e.g. `response.signature` (see [`CHECKS`](crate::CHECKS)).
    pub id: String,
    /// What the check found.
    pub status: CheckStatus,
    /// Why, in plain language, with the values compared.
    pub detail: String,
    /// What the check is about when a verification covers several things (e.g. `gpu0`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
}

impl Check {
    /// A check about the whole input.
    pub fn new(id: &str, status: CheckStatus, detail: impl Into<String>) -> Self {
        Check {
            id: id.to_string(),
            status,
            detail: detail.into(),
            subject: None,
        }
    }
}

/// The result of a verification.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Verdict {
    /// True only if every check passed or warned: no failure and no skipped check.
    pub verified: bool,
    /// Every check that was evaluated, in a fixed order.
    pub checks: Vec<Check>,
    /// The address recovered from the signature, when one could be recovered — even if it is
    /// not the expected one.
    pub signer: Option<Address>,
    /// Values the verifier computed, by stable name — for signed exchanges `request_hash` and
    /// `response_hash` (what the signed `text` should contain), when they could be computed.
    pub facts: BTreeMap<String, String>,
}

impl Verdict {
    /// Builds a verdict; `verified` is derived from the checks.
    pub fn from_checks(checks: Vec<Check>, signer: Option<Address>) -> Self {
        let verified = !checks.is_empty()
            && checks
                .iter()
                .all(|c| matches!(c.status, CheckStatus::Pass | CheckStatus::Warn));
        Verdict {
            verified,
            checks,
            signer,
            facts: BTreeMap::new(),
        }
    }

    /// Adds a computed value under a stable name.
    pub fn with_fact(mut self, name: &str, value: impl Into<String>) -> Self {
        self.facts.insert(name.to_string(), value.into());
        self
    }

    /// The same verdict with every fact of `facts` added.
    pub(crate) fn with_facts_from(
        mut self,
        facts: std::collections::BTreeMap<String, String>,
    ) -> Self {
        self.facts.extend(facts);
        self
    }

    /// The first check with this id.
    pub fn check(&self, id: &str) -> Option<&Check> {
        self.checks.iter().find(|c| c.id == id)
    }

    /// The checks that keep the verdict from being verified (failed or skipped).
    pub fn blocking(&self) -> impl Iterator<Item = &Check> {
        self.checks
            .iter()
            .filter(|c| matches!(c.status, CheckStatus::Fail | CheckStatus::Skip))
    }

    /// The failing and skipped rows, in order: what keeps the verdict from being verified
    /// (empty exactly when `verified` is true, for a verdict made by this library).
    pub fn failures(&self) -> Vec<Check> {
        self.blocking().cloned().collect()
    }

    /// The failing and skipped rows in one line for messages:
    /// `id [subject] status: detail; …` (`"no failing check"` when there is none).
    pub fn failure_summary(&self) -> String {
        let rows: Vec<String> = self
            .blocking()
            .map(|c| {
                let subject = c
                    .subject
                    .as_deref()
                    .map(|s| format!(" [{s}]"))
                    .unwrap_or_default();
                format!("{}{subject} {}: {}", c.id, c.status.as_str(), c.detail)
            })
            .collect();
        if rows.is_empty() {
            "no failing check".into()
        } else {
            rows.join("; ")
        }
    }

    /// The verdict as one compact JSON object:
    /// `{"verified":…,"checks":[{"id","status","detail"}…],"signer":"0x…"|null,"facts":{…}}`.
    pub fn to_json(&self) -> String {
        // Serialising plain strings, bools and enums cannot fail.
        serde_json::to_string(self).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
    }

    /// Reads a verdict back from its JSON form ([`Verdict::to_json`], the CLI's `--json`), e.g.
    /// one stored with a logged exchange. The text is untrusted: `verified` must be what the
    /// checks say (no failed or skipped check, and at least one check) and the signer a valid
    /// EIP-55 address, else it is refused. Reading a verdict proves nothing by itself: only
    /// re-running the verification does.
    ///
    /// Errors: `InvalidArgument` for text that is not a verdict (unknown keys included), or a
    /// `verified` flag its checks contradict; `LimitExceeded` over 64 MiB.
    pub fn from_json(text: &str) -> Result<Verdict, crate::Error> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Wire {
            verified: bool,
            checks: Vec<Check>,
            signer: Option<String>,
            #[serde(default)]
            facts: BTreeMap<String, String>,
        }
        const LIMIT: usize = 64 << 20;
        if text.len() > LIMIT {
            return Err(crate::Error::LimitExceeded(format!(
                "verdict: {} bytes, over the {LIMIT}-byte limit",
                text.len()
            )));
        }
        let bad = |m: String| crate::Error::InvalidArgument(format!("verdict: {m}"));
        let wire: Wire = serde_json::from_str(text).map_err(|e| bad(e.to_string()))?;
        let signer = wire
            .signer
            .map(|s| Address::parse(&s))
            .transpose()
            .map_err(|e| bad(format!("signer: {e}")))?;
        let mut verdict = Verdict::from_checks(wire.checks, signer);
        if verdict.verified != wire.verified {
            return Err(bad(format!(
                "\"verified\": {} contradicts its checks",
                wire.verified
            )));
        }
        verdict.facts = wire.facts;
        Ok(verdict)
    }
}

/// Check ids of signed-exchange verification, with what each one proves. Ids are stable API.
pub mod ids {
    /// The `signing_algo` the agent declares is `ecdsa`.
    pub const SIGNING_ALGO: &str = "response.signing_algo";
    /// `signature` is a canonical 65-byte EIP-191 signature and `text` is `hash:hash`.
    pub const SIGNATURE_FORMAT: &str = "response.signature_format";
    /// A public key is recoverable from the signature over `text`.
    pub const SIGNATURE: &str = "response.signature";
    /// The recovered signer is the expected (attested) address.
    pub const SIGNER: &str = "response.signer";
    /// The `signing_address` the response declares agrees with the signature.
    pub const HEADER_ADDRESS: &str = "response.header_address";
    /// The signed request hash is that of the exact request the client sent.
    pub const REQUEST_HASH: &str = "response.request_hash";
    /// The signed response hash is that of the exact bytes the client received.
    pub const RESPONSE_HASH: &str = "response.response_hash";
    /// A stream carries exactly one well-formed `event: signature` block.
    pub const STREAM_SIGNATURE_BLOCK: &str = "stream.signature_block";
    /// Every event a standard SSE consumer dispatches is exactly one hashed data line.
    pub const STREAM_COVERAGE: &str = "stream.coverage";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skip_is_never_verified() {
        let v = Verdict::from_checks(
            vec![
                Check::new("a", CheckStatus::Pass, ""),
                Check::new("b", CheckStatus::Skip, ""),
            ],
            None,
        );
        assert!(!v.verified);
        let v = Verdict::from_checks(vec![Check::new("a", CheckStatus::Warn, "")], None);
        assert!(v.verified);
        assert!(!Verdict::from_checks(vec![], None).verified);
    }

    #[test]
    fn json_shape() {
        let v = Verdict::from_checks(vec![Check::new("a", CheckStatus::Pass, "ok")], None);
        assert_eq!(
            v.to_json(),
            r#"{"verified":true,"checks":[{"id":"a","status":"pass","detail":"ok"}],"signer":null,"facts":{}}"#
        );
    }

    #[test]
    fn verdicts_read_back_from_their_json_and_lies_are_refused() {
        let mut sub = Check::new("gpu.nonce", CheckStatus::Fail, "mismatch \"quoted\" é");
        sub.subject = Some("gpu0".into());
        let signer = Address::parse("0x2c7536E3605D9C16a7a3D7b1898e529396a65c23").unwrap();
        for v in [
            Verdict::from_checks(vec![Check::new("a", CheckStatus::Pass, "ok")], Some(signer))
                .with_fact("request_hash", "ab"),
            Verdict::from_checks(vec![Check::new("a", CheckStatus::Warn, ""), sub], None),
            Verdict::from_checks(vec![], None),
        ] {
            assert_eq!(Verdict::from_json(&v.to_json()).unwrap(), v);
        }
        let good = r#"{"verified":true,"checks":[{"id":"a","status":"pass","detail":"ok"}],"signer":null,"facts":{}}"#;
        assert!(Verdict::from_json(good).unwrap().verified);
        for bad in [
            // A verdict that claims more than its checks show.
            r#"{"verified":true,"checks":[{"id":"a","status":"fail","detail":""}],"signer":null,"facts":{}}"#,
            r#"{"verified":true,"checks":[{"id":"a","status":"skip","detail":""}],"signer":null}"#,
            r#"{"verified":true,"checks":[],"signer":null}"#,
            r#"{"verified":false,"checks":[{"id":"a","status":"pass","detail":""}],"signer":null}"#,
            // Not a verdict.
            r#"{"verified":true,"checks":[{"id":"a","status":"maybe","detail":""}],"signer":null}"#,
            r#"{"verified":true,"checks":[{"id":"a","status":"pass","detail":"","x":1}],"signer":null}"#,
            r#"{"verified":true,"checks":[{"id":"a","status":"pass","detail":""}],"signer":"0x2c7536e3605d9c16a7a3d7b1898e529396a65C23"}"#,
            r#"{"verified":true,"checks":[{"id":"a","status":"pass","detail":""}],"signer":null,"extra":1}"#,
            "",
            "[]",
        ] {
            let e = Verdict::from_json(bad).unwrap_err();
            assert_eq!(e.kind(), crate::ErrorKind::InvalidArgument, "{bad}: {e}");
        }
    }
}
