//! Whole io.net attestations: the `POST /v1/private/attestation` answer, verified end to end.
//!
//! One call checks, for the nonce you sent: the JSON nonce echo (exact equality, not the docs'
//! prefix test), every GPU report (nonce inside the signed SPDM report, signature, chain to
//! NVIDIA, RIMs, measurements — see [`crate::gpu`]), the TDX quote (REPORTDATA = nonce ‖ 32
//! zero bytes, Intel chain and collateral, TCB, attributes — see [`crate::tdx`]), the
//! `image_digest` against the policy's allowlist, the form of `signing_address`, and whether
//! the signing key is bound to the hardware evidence (for io.net it is not: warned by default,
//! failed under a policy that requires a binding).
//!
//! The verdict's `signer` is the attested `signing_address` when it is well-formed — the key to
//! pin for the completions that follow — and its `summary` fact says in plain words what is and
//! is not proven.

use serde_json::{Map, Value};

use crate::Error;
use crate::binding;
use crate::eth::Address;
use crate::gpu::ocsp::{DirOcspSource, OcspSource};
use crate::gpu::source::{DirRimSource, RimSource};
use crate::gpu::{self, GpuVerifier};
use crate::nonce::Nonce;
use crate::policy::{Policy, is_image_digest};
use crate::tdx::{self, ExpectedReportData};
use crate::verdict::{Check, CheckStatus, Verdict};

/// Largest attestation document accepted (eight GPUs take about 100 KiB).
pub const MAX_REPORT_LEN: usize = 32 * 1024 * 1024;

/// Check ids of whole-attestation verification. Stable API.
pub mod ids {
    /// The attestation is a JSON object.
    pub const FORMAT: &str = "report.format";
    /// The top-level `nonce` echo equals the normalised nonce sent.
    pub const NONCE: &str = "report.nonce";
    /// `image_digest` is in the policy's allowlist.
    pub const IMAGE_DIGEST: &str = "report.image_digest";
    /// `signing_address` is a well-formed EIP-55 address.
    pub const SIGNING_ADDRESS: &str = "report.signing_address";
    /// The signing key is bound into the hardware evidence.
    pub const KEY_BINDING: &str = "report.key_binding";
}

/// The io.net attestation document, parsed. Members are kept as the JSON they were, so that
/// malformed evidence can be reported rather than refused; unknown members are kept in `extra`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Attestation {
    /// `nonce`: the agent's echo of the normalised nonce (proves nothing by itself).
    pub nonce: Option<Value>,
    /// `gpu`: the NRAS-shaped GPU evidence object, or the agent's error object.
    pub gpu: Option<Value>,
    /// `cpu`: `{"quote": <hex or an error string>}`.
    pub cpu: Option<Value>,
    /// `signing_address`: the key the agent says signs completions.
    pub signing_address: Option<Value>,
    /// `image_digest`: the operator-set agent image digest (not a measurement).
    pub image_digest: Option<Value>,
    /// Every other member, unchanged.
    pub extra: Map<String, Value>,
}

impl Attestation {
    /// Parses the attestation JSON (a JSON object; anything else is an error with a reason).
    pub fn parse(json: &[u8]) -> Result<Attestation, String> {
        if json.len() > MAX_REPORT_LEN {
            return Err(format!("attestation larger than {MAX_REPORT_LEN} bytes"));
        }
        let v: Value = crate::limits::json_from_slice(json, "the attestation")?;
        Attestation::from_value(v)
    }

    /// The attestation from an already parsed JSON value.
    pub fn from_value(v: Value) -> Result<Attestation, String> {
        let Value::Object(mut obj) = v else {
            return Err("attestation is not a JSON object".into());
        };
        Ok(Attestation {
            nonce: obj.remove("nonce"),
            gpu: obj.remove("gpu"),
            cpu: obj.remove("cpu"),
            signing_address: obj.remove("signing_address"),
            image_digest: obj.remove("image_digest"),
            extra: obj,
        })
    }

    /// The well-formed `signing_address`, if any (EIP-55 checksum enforced when mixed case).
    pub fn signing_address(&self) -> Option<Address> {
        self.signing_address
            .as_ref()
            .and_then(Value::as_str)
            .and_then(|s| Address::parse(s).ok())
    }
}

/// Verifies whole attestations under a [`Policy`], with RIMs, OCSP responses and TDX
/// collateral from wherever the caller got them. Pure: no network, time given per call.
pub struct ReportVerifier {
    policy: Policy,
    gpu: GpuVerifier,
    collateral: Option<Vec<u8>>,
}

impl ReportVerifier {
    /// A verifier with NVIDIA's and Intel's roots, no RIMs, no OCSP responses, no collateral.
    pub fn new(policy: Policy) -> Self {
        ReportVerifier {
            gpu: GpuVerifier::new(policy.gpu.clone()).with_trust(policy.trust.clone()),
            policy,
            collateral: None,
        }
    }

    /// Uses `source` for NVIDIA RIMs.
    pub fn with_rims(mut self, source: impl RimSource + 'static) -> Self {
        self.gpu = self.gpu.with_rims(source);
        self
    }

    /// Uses `source` for OCSP responses.
    pub fn with_ocsp(mut self, source: impl OcspSource + 'static) -> Self {
        self.gpu = self.gpu.with_ocsp(source);
        self
    }

    /// Uses this Intel collateral (dcap-qvl `QuoteCollateralV3` JSON) for the TDX quote.
    pub fn with_collateral(mut self, collateral_json: Vec<u8>) -> Self {
        self.collateral = Some(collateral_json);
        self
    }

    /// Test-only: replaces NVIDIA's roots. Needs the `test-roots` feature.
    #[cfg(feature = "test-roots")]
    pub fn with_test_anchors(mut self, anchors: crate::gpu::roots::TrustAnchors) -> Self {
        self.gpu = self.gpu.with_test_anchors(anchors);
        self
    }

    /// The policy in force.
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// Verifies the attestation JSON for `nonce` at `now` (Unix seconds). Never fails:
    /// malformed evidence is a verdict with failed checks.
    pub fn verify(&self, report_json: &[u8], nonce: &Nonce, now: i64) -> Verdict {
        let att = match Attestation::parse(report_json) {
            Ok(a) => a,
            Err(why) => {
                let mut checks = vec![Check::new(ids::FORMAT, CheckStatus::Fail, why)];
                checks.extend(self.policy.trust.check());
                for id in [
                    ids::NONCE,
                    ids::IMAGE_DIGEST,
                    ids::SIGNING_ADDRESS,
                    ids::KEY_BINDING,
                ] {
                    checks.push(Check::new(
                        id,
                        CheckStatus::Skip,
                        "not evaluated: the attestation did not parse",
                    ));
                }
                let v = Verdict::from_checks(checks, None)
                    .with_fact("policy.name", self.policy.name())
                    .with_fact("policy.sha256", self.policy.digest());
                return with_summary(v);
            }
        };
        self.verify_attestation(&att, nonce, now)
    }

    /// Verifies an already parsed attestation.
    pub fn verify_attestation(&self, att: &Attestation, nonce: &Nonce, now: i64) -> Verdict {
        let nonce_hex = nonce.to_hex();
        let mut checks = vec![Check::new(
            ids::FORMAT,
            CheckStatus::Pass,
            format!(
                "attestation is a JSON object{}",
                if att.extra.is_empty() {
                    String::new()
                } else {
                    format!(
                        " (other members kept: {})",
                        att.extra.keys().cloned().collect::<Vec<_>>().join(", ")
                    )
                }
            ),
        )];
        let mut facts: Vec<(String, String)> = vec![("nonce".into(), nonce_hex.clone())];
        if let Some(c) = self.policy.trust.check() {
            checks.push(c);
            facts.push(("trust".into(), self.policy.trust.as_str().into()));
        }
        // What the quote's REPORTDATA binds (read before verifying, to know where the nonce
        // must be; it means something only once the quote verifies).
        let claimed = att.signing_address();
        let tls_fingerprint = tls_fingerprint(att);
        let binding = att
            .cpu
            .as_ref()
            .and_then(|c| c.get("quote"))
            .and_then(Value::as_str)
            .and_then(|q| tdx::peek_report_data(q.trim().as_bytes()))
            .map(|rd| binding::appraise(&rd, &nonce.0, claimed.as_ref(), tls_fingerprint.as_ref()));

        // Nonce echo: exact equality with the normalised 64-hex form.
        checks.push(match att.nonce.as_ref() {
            Some(Value::String(s)) if *s == nonce_hex => Check::new(
                ids::NONCE,
                CheckStatus::Pass,
                format!("nonce echo equals the normalised nonce {nonce_hex} (an echo only: the hardware checks prove freshness)"),
            ),
            Some(Value::String(s)) => Check::new(
                ids::NONCE,
                CheckStatus::Fail,
                format!("nonce echo {s:?} is not exactly the normalised nonce {nonce_hex}"),
            ),
            Some(other) => Check::new(
                ids::NONCE,
                CheckStatus::Fail,
                format!("nonce is not a string: {}", clip(&other.to_string())),
            ),
            None => Check::new(ids::NONCE, CheckStatus::Fail, "attestation has no nonce"),
        });

        // GPU evidence, with the same nonce.
        let gpu_json = match att.gpu.as_ref() {
            Some(v) => v.to_string(),
            None => "null".into(),
        };
        // TDX quote: REPORTDATA = nonce ‖ 32 zero bytes. Independent of the GPU work, so the
        // two run side by side when there is a second core; the checks keep their order.
        let (gpu_verdict, tdx_verdict) = crate::par::join(
            || self.gpu.verify_json(gpu_json.as_bytes(), &nonce.0, now),
            || {
                self.verify_cpu(
                    att.cpu.as_ref(),
                    nonce,
                    binding.as_ref().is_some_and(binding::Binding::nonce_second),
                    now,
                )
            },
        );
        absorb(&mut checks, &mut facts, gpu_verdict, "");
        absorb(&mut checks, &mut facts, tdx_verdict, "");

        // Image digest against the allowlist.
        checks.push(self.image_digest_check(att.image_digest.as_ref(), &mut facts));

        // Signing address form.
        let (addr_check, signer) = signing_address_check(att.signing_address.as_ref());
        checks.push(addr_check);
        if let Some(a) = &signer {
            facts.push(("signing_address".into(), a.to_checksum()));
        }

        // Key binding: io.net binds only the nonce; other layouts bind the key.
        if let Some(b) = &binding {
            facts.push(("key_binding.layout".into(), b.layout().into()));
        }
        let passed = |ids: &[&str]| {
            ids.iter().all(|id| {
                checks
                    .iter()
                    .any(|c| c.id == *id && c.status == CheckStatus::Pass)
            })
        };
        let quote_ok = passed(&[tdx::ids::QUOTE_SIGNATURE, tdx::ids::REPORT_DATA]);
        // A key bound into a TD says who holds it only if the TD's code is pinned: any
        // genuine TD (also one a relay runs) can bind a key of its own.
        let code_pinned = !self.policy.tdx.mrtd.is_empty()
            && passed(&[
                tdx::ids::MEASUREMENTS,
                tdx::ids::TD_ATTRIBUTES,
                tdx::ids::TCB_STATUS,
            ]);
        let binding_check =
            self.key_binding_check(binding.as_ref(), signer.as_ref(), quote_ok, code_pinned);
        checks.push(binding_check);

        facts.push(("policy.name".into(), self.policy.name()));
        facts.push(("policy.sha256".into(), self.policy.digest()));
        let mut v = Verdict::from_checks(checks, signer);
        for (k, val) in facts {
            v = v.with_fact(&k, val);
        }
        with_summary(v)
    }

    /// The `report.key_binding` row.
    fn key_binding_check(
        &self,
        binding: Option<&binding::Binding>,
        signer: Option<&Address>,
        quote_ok: bool,
        code_pinned: bool,
    ) -> Check {
        use binding::Binding;
        let id = ids::KEY_BINDING;
        let unbound = || {
            let why = "io.net binds only your nonce into the TDX REPORTDATA and the GPU reports; signing_address is in neither and the attestation JSON is unsigned, so response signatures are not hardware-anchored (anyone relaying your nonce to genuine hardware could substitute their own key)";
            if self.policy.require_key_binding {
                Check::new(
                    id,
                    CheckStatus::Fail,
                    format!("{why}; the policy requires a binding"),
                )
            } else {
                Check::new(id, CheckStatus::Warn, why)
            }
        };
        let Some(b) = binding else { return unbound() };
        if matches!(b, Binding::Unbound | Binding::NoNonce) {
            return unbound();
        }
        if !quote_ok {
            return Check::new(
                id,
                CheckStatus::Skip,
                format!(
                    "not evaluated: REPORTDATA has the {} binding layout, but the quote carrying it did not verify (tdx.quote_signature and tdx.report_data must pass)",
                    b.layout()
                ),
            );
        }
        let claimed = signer.map_or_else(|| "(none)".to_string(), Address::to_checksum);
        let bound = |layout: String| {
            if code_pinned {
                Check::new(
                    id,
                    CheckStatus::Pass,
                    format!(
                        "the verified TDX quote binds signing_address {claimed} ({layout}) in a TD whose MRTD is pinned and whose measurements, attributes and TCB passed: replies signed by it come from that code"
                    ),
                )
            } else {
                let why = format!(
                    "the verified TDX quote binds signing_address {claimed} ({layout}), but the TD's code is not pinned (no MRTD allowlist, or tdx.measurements, tdx.td_attributes or tdx.tcb_status did not pass): any genuine TD, also one a relay runs, can bind a key of its own"
                );
                if self.policy.require_key_binding {
                    Check::new(
                        id,
                        CheckStatus::Fail,
                        format!("{why}; the policy requires a binding to pinned code"),
                    )
                } else {
                    Check::new(id, CheckStatus::Warn, why)
                }
            }
        };
        match b {
            Binding::Address(a) if signer.is_some_and(|s| s.0 == *a) => {
                bound("REPORTDATA = address ‖ 12 zero bytes ‖ nonce, the dstack layout".into())
            }
            Binding::Address(a) => Check::new(
                id,
                CheckStatus::Fail,
                format!(
                    "the verified TDX quote binds {}, but the attestation's signing_address is {claimed}: the key in the JSON was substituted (a relay attack)",
                    Address(*a).to_checksum()
                ),
            ),
            Binding::AddressTls(fp) => bound(format!(
                "REPORTDATA = SHA-256(address ‖ TLS certificate fingerprint {}) ‖ nonce; ccverify does not check that certificate",
                hex::encode(fp)
            )),
            Binding::Other(x) => Check::new(
                id,
                CheckStatus::Fail,
                format!(
                    "REPORTDATA[0..32] = {} binds something that is not signing_address {claimed} in any known layout (address ‖ zeros, or SHA-256(address ‖ TLS fingerprint))",
                    hex::encode(x)
                ),
            ),
            Binding::Unbound | Binding::NoNonce => unbound(),
        }
    }

    fn verify_cpu(&self, cpu: Option<&Value>, nonce: &Nonce, bound: bool, now: i64) -> Verdict {
        let quote = match cpu.and_then(|c| c.get("quote")) {
            Some(Value::String(q)) => q.trim().to_string(),
            Some(other) => {
                return tdx_parse_failure(format!(
                    "cpu.quote is not a string: {}",
                    clip(&other.to_string())
                ));
            }
            None if cpu.is_none() => {
                return tdx_parse_failure("attestation has no cpu object".into());
            }
            None => return tdx_parse_failure("cpu object has no quote".into()),
        };
        if quote.is_empty() || !quote.bytes().all(|b| b.is_ascii_hexdigit()) {
            return tdx_parse_failure(format!(
                "the agent sent no quote but this text: {}",
                clip(&quote)
            ));
        }
        let expected = if bound {
            ExpectedReportData::BoundNonce(nonce.0)
        } else {
            ExpectedReportData::Exact(nonce.report_data())
        };
        let trust = &self.policy.trust;
        match &self.collateral {
            Some(c) => {
                tdx::verify_tdx_under(quote.as_bytes(), c, &expected, &self.policy.tdx, trust, now)
            }
            None => tdx::without_collateral(
                tdx::verify_tdx_under(
                    quote.as_bytes(),
                    b"",
                    &expected,
                    &self.policy.tdx,
                    trust,
                    now,
                ),
                "none was supplied (go online, or give a collateral file or a bundle that holds it)",
            ),
        }
    }

    fn image_digest_check(
        &self,
        digest: Option<&Value>,
        facts: &mut Vec<(String, String)>,
    ) -> Check {
        let id = ids::IMAGE_DIGEST;
        let allow = &self.policy.image_digests;
        let none_configured = |what: String| {
            if self.policy.require_image_digest {
                Check::new(
                    id,
                    CheckStatus::Fail,
                    format!("{what}; the policy requires an allowlist and none is configured"),
                )
            } else {
                Check::new(
                    id,
                    CheckStatus::Warn,
                    format!("{what}; no allowlist configured, so the agent image is not pinned"),
                )
            }
        };
        match digest {
            None | Some(Value::Null) if allow.is_empty() => {
                none_configured("the attestation carries no image_digest".into())
            }
            None | Some(Value::Null) => Check::new(
                id,
                CheckStatus::Fail,
                "the attestation carries no image_digest but the policy has an allowlist",
            ),
            Some(Value::String(d)) => {
                facts.push(("image_digest".into(), d.clone()));
                if !is_image_digest(d) {
                    Check::new(
                        id,
                        CheckStatus::Fail,
                        format!(
                            "image_digest {:?} is not sha256:<64 lowercase hex>",
                            clip(d)
                        ),
                    )
                } else if allow.is_empty() {
                    none_configured(format!(
                        "image_digest {d} (operator-declared, not measured)"
                    ))
                } else if allow.iter().any(|a| a == d) {
                    Check::new(
                        id,
                        CheckStatus::Pass,
                        format!(
                            "image_digest {d} is in the allowlist (operator-declared: the TDX measurements do not cover it)"
                        ),
                    )
                } else {
                    Check::new(
                        id,
                        CheckStatus::Fail,
                        format!(
                            "image_digest {d} is not in the allowlist ({} entr{})",
                            allow.len(),
                            if allow.len() == 1 { "y" } else { "ies" }
                        ),
                    )
                }
            }
            Some(other) => Check::new(
                id,
                CheckStatus::Fail,
                format!("image_digest is not a string: {}", clip(&other.to_string())),
            ),
        }
    }
}

/// The attestation's `tls_cert_fingerprint` (32 bytes as hex), when it carries one.
fn tls_fingerprint(att: &Attestation) -> Option<[u8; 32]> {
    let text = att.extra.get("tls_cert_fingerprint")?.as_str()?;
    let t = text.trim();
    let t = t.strip_prefix("0x").unwrap_or(t);
    hex::decode(t).ok()?.try_into().ok()
}

fn tdx_parse_failure(why: String) -> Verdict {
    let mut checks = vec![Check::new(tdx::ids::QUOTE_PARSE, CheckStatus::Fail, why)];
    for id in [
        tdx::ids::COLLATERAL,
        tdx::ids::QUOTE_SIGNATURE,
        tdx::ids::TCB_STATUS,
        tdx::ids::TD_ATTRIBUTES,
        tdx::ids::MEASUREMENTS,
        tdx::ids::REPORT_DATA,
    ] {
        checks.push(Check::new(
            id,
            CheckStatus::Skip,
            "not evaluated: no TDX quote",
        ));
    }
    Verdict::from_checks(checks, None)
}

fn signing_address_check(v: Option<&Value>) -> (Check, Option<Address>) {
    let id = ids::SIGNING_ADDRESS;
    match v {
        Some(Value::String(s)) => match Address::parse(s) {
            Ok(a) if a.to_checksum() == *s => (
                Check::new(
                    id,
                    CheckStatus::Pass,
                    format!("{s} is a well-formed EIP-55 address"),
                ),
                Some(a),
            ),
            Ok(a) => (
                Check::new(
                    id,
                    CheckStatus::Warn,
                    format!(
                        "{s} is a valid address but not EIP-55 checksummed (the agent emits {})",
                        a.to_checksum()
                    ),
                ),
                Some(a),
            ),
            Err(e) => (
                Check::new(id, CheckStatus::Fail, format!("{:?}: {e}", clip(s))),
                None,
            ),
        },
        Some(Value::Null) | None => (
            Check::new(
                id,
                CheckStatus::Fail,
                "the attestation has no signing_address: no key to pin",
            ),
            None,
        ),
        Some(other) => (
            Check::new(
                id,
                CheckStatus::Fail,
                format!(
                    "signing_address is not a string: {}",
                    clip(&other.to_string())
                ),
            ),
            None,
        ),
    }
}

/// Moves a sub-verdict's checks and facts into the report's (facts prefixed).
fn absorb(checks: &mut Vec<Check>, facts: &mut Vec<(String, String)>, v: Verdict, prefix: &str) {
    // The report carries its own `trust.anchors` row.
    checks.extend(
        v.checks
            .into_iter()
            .filter(|c| c.id != crate::trust::ids::ANCHORS),
    );
    for (k, val) in v.facts {
        facts.push((format!("{prefix}{k}"), val));
    }
}

fn clip(s: &str) -> String {
    const MAX: usize = 200;
    if s.chars().count() <= MAX {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(MAX).collect::<String>())
    }
}

/// How far a verdict establishes one claim.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Standing {
    /// Every row behind the claim passed.
    Proven,
    /// No row failed or was skipped, but at least one only warned: the policy accepted it
    /// without proof (a relaxation, a missing allowlist, an unbound key).
    Accepted,
    /// A row failed, was skipped or is missing.
    NotProven,
}

/// The standing of the claim backed by the rows `ids` (every row with those ids, any subject).
fn standing(v: &Verdict, ids: &[&str]) -> Standing {
    let mut rows = v
        .checks
        .iter()
        .filter(|c| ids.contains(&c.id.as_str()))
        .peekable();
    if rows.peek().is_none() {
        return Standing::NotProven;
    }
    let mut out = Standing::Proven;
    for c in rows {
        match c.status {
            CheckStatus::Pass => {}
            CheckStatus::Warn => out = Standing::Accepted,
            CheckStatus::Fail | CheckStatus::Skip => return Standing::NotProven,
        }
    }
    // Every id must be present: a claim is never proven by the rows that happen to exist.
    if ids.iter().all(|id| v.check(id).is_some()) {
        out
    } else {
        Standing::NotProven
    }
}

/// One claim of the summary: the rows behind it and how to say it in each standing.
struct Claim {
    /// Stable key: the fact `claim.<key>` holds the standing.
    key: &'static str,
    ids: &'static [&'static str],
    proven: &'static str,
    accepted: &'static str,
    not_proven: &'static str,
}

const CLAIMS: &[Claim] = &[
    Claim {
        key: "freshness",
        ids: &[gpu::ids::NONCE, tdx::ids::REPORT_DATA],
        proven: "your nonce is inside every GPU report and the TDX quote (the evidence is fresh)",
        accepted: "freshness, accepted by policy",
        not_proven: "freshness: your nonce was not found inside all the authenticated hardware evidence",
    },
    Claim {
        key: "gpu_genuine",
        ids: &[gpu::ids::REPORT_SIGNATURE, gpu::ids::CERT_CHAIN],
        proven: "the GPU reports are signed by genuine NVIDIA devices",
        accepted: "that the GPU reports come from genuine NVIDIA devices, accepted by policy",
        not_proven: "that the GPU reports come from genuine NVIDIA devices",
    },
    Claim {
        key: "gpu_firmware",
        ids: &[
            gpu::ids::DRIVER_RIM,
            gpu::ids::VBIOS_RIM,
            gpu::ids::MEASUREMENTS,
            gpu::ids::OCSP,
        ],
        proven: "GPU firmware and driver match NVIDIA's signed reference values, nothing revoked",
        accepted: "GPU firmware, driver and revocation: the policy accepted missing or expired RIMs or OCSP answers, so the measurements or the revocation status were not (fully) checked",
        not_proven: "that GPU firmware and driver match NVIDIA's signed reference values with nothing revoked",
    },
    Claim {
        key: "tdx_platform",
        ids: &[
            tdx::ids::QUOTE_SIGNATURE,
            tdx::ids::COLLATERAL,
            tdx::ids::TCB_STATUS,
            tdx::ids::TD_ATTRIBUTES,
        ],
        proven: "the CPU quote comes from a genuine Intel TDX platform with an accepted TCB, in a production (non-debug) TD",
        accepted: "the Intel TDX platform and TD, with what the policy relaxed (e.g. a debug TD or a TCB status other than UpToDate)",
        not_proven: "that the CPU is a genuine, accepted Intel TDX platform running a production TD",
    },
    Claim {
        key: "tdx_code",
        ids: &[tdx::ids::MEASUREMENTS],
        proven: "the TD's measurements are in the policy's allowlists",
        accepted: "which code the TD runs: no measurement allowlist is configured, so MRTD and RTMRs are only reported",
        not_proven: "which code the TD runs (its measurements are unauthenticated or not in the policy's allowlists)",
    },
    Claim {
        key: "agent_image",
        ids: &[ids::IMAGE_DIGEST],
        proven: "the declared agent image is in the allowlist (declared, not measured)",
        accepted: "which agent image runs: image_digest is operator-declared and no allowlist is configured",
        not_proven: "which agent image runs (image_digest is missing, malformed or not allowlisted)",
    },
    Claim {
        key: "key_binding",
        ids: &[ids::KEY_BINDING],
        proven: "the signing key is bound to the hardware evidence",
        accepted: "that the signing key lives in the attested machine: io.net does not bind it to the hardware evidence, and the policy accepts that",
        not_proven: "that the signing key lives in the attested machine: io.net does not bind it to the hardware evidence",
    },
    Claim {
        key: "anchors",
        ids: &[crate::trust::ids::ANCHORS],
        proven: "the evidence chains to NVIDIA's and Intel's production roots",
        accepted: "that any of this concerns NVIDIA's or Intel's hardware: roots other than theirs were in use (the TEST ROOTS or a caller's trust anchor file, see trust.anchors)",
        not_proven: "that any of this concerns NVIDIA's or Intel's hardware: roots other than theirs were in use",
    },
    Claim {
        key: "bundle_inputs",
        ids: &[crate::bundle::ids::INPUTS],
        proven: "the policy and time applied are your own",
        accepted: "the policy or time of this re-verification: the bundle supplied them",
        not_proven: "the policy or time of this re-verification",
    },
];

/// What a report verdict proves, what its policy accepted without proof and what it does not
/// prove, claim by claim, in plain words.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    /// Claims every row of which passed.
    pub proven: Vec<String>,
    /// Claims the policy accepted although a row only warned (never called proven).
    pub accepted: Vec<String>,
    /// Claims a row of which failed or was skipped.
    pub not_proven: Vec<String>,
}

impl Standing {
    /// `"proven"`, `"accepted"` or `"not_proven"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Standing::Proven => "proven",
            Standing::Accepted => "accepted",
            Standing::NotProven => "not_proven",
        }
    }
}

/// The claim keys with their standing in `v` (claims whose rows are all absent left out).
fn standings(v: &Verdict) -> Vec<(&'static Claim, Standing, bool)> {
    // Under the TEST roots nothing that rests on a signature chain is proven: at best the
    // policy (which chose those roots) accepted it.
    let test_roots = v.check(crate::trust::ids::ANCHORS).is_some();
    CLAIMS
        .iter()
        .filter(|c| c.ids.iter().any(|id| v.check(id).is_some()))
        .map(|c| {
            let st = standing(v, c.ids);
            let rests_on_roots = !matches!(c.key, "agent_image" | "bundle_inputs");
            if test_roots && rests_on_roots && st == Standing::Proven {
                (c, Standing::Accepted, true)
            } else {
                (c, st, false)
            }
        })
        .collect()
}

impl Summary {
    /// The three lists of a report (or bundle) verdict. A claim whose rows are all absent
    /// (e.g. the bundle row in a plain report) is left out.
    pub fn of(v: &Verdict) -> Summary {
        let mut out = Summary::default();
        for (claim, st, test_only) in standings(v) {
            match st {
                Standing::Accepted if test_only => out.accepted.push(format!(
                    "{}: {}",
                    if v
                        .check(crate::trust::ids::ANCHORS)
                        .is_some_and(|c| c.detail.starts_with("TEST ROOTS"))
                    {
                        "only as far as the TEST roots go (nothing about real hardware)"
                    } else {
                        "only as far as the caller's trust anchors go (nothing about NVIDIA's or Intel's roots)"
                    },
                    claim.proven
                )),
                Standing::Proven => out.proven.push(claim.proven.into()),
                Standing::Accepted => out.accepted.push(claim.accepted.into()),
                Standing::NotProven
                    if claim.key == "key_binding"
                        && v.facts
                            .get("key_binding.layout")
                            .is_some_and(|l| l != "unbound" && l != "none") =>
                {
                    out.not_proven.push(
                        "that the signing key lives in the attested machine: the hardware evidence does not bind the attested signing_address (see report.key_binding)".into(),
                    );
                }
                Standing::NotProven => out.not_proven.push(claim.not_proven.into()),
            }
        }
        out
    }
}

/// A short plain-language account of what a report verdict proves, what the policy accepted
/// without proof, and what it does not prove.
pub fn summarize(v: &Verdict) -> String {
    let s = Summary::of(v);
    let failed: Vec<String> = v
        .blocking()
        .map(|c| match &c.subject {
            Some(sub) => format!("{} ({sub}, {})", c.id, c.status),
            None => format!("{} ({})", c.id, c.status),
        })
        .collect();
    let mut out = if let Some(row) = v.check(crate::trust::ids::ANCHORS) {
        format!("{} ", crate::trust::Trust::banner_of(row))
    } else {
        String::new()
    };
    if v.verified {
        out.push_str("VERIFIED under the policy.");
    } else {
        out.push_str(&format!("NOT VERIFIED: {}.", failed.join(", ")));
    }
    for (title, list) in [
        ("Proven", &s.proven),
        ("Accepted by policy without proof", &s.accepted),
        ("Not proven", &s.not_proven),
    ] {
        if !list.is_empty() {
            out.push_str(&format!(" {title}: {}.", list.join("; ")));
        }
    }
    out
}

/// Adds the summary facts: `summary` (the sentence) and, per claim, `claim.<key>` =
/// `proven`, `accepted` (by policy, without proof) or `not_proven`. The keys: `freshness`,
/// `gpu_genuine`, `gpu_firmware`, `tdx_platform`, `tdx_code`, `agent_image`, `key_binding`,
/// and for bundles `bundle_inputs`.
pub(crate) fn with_summary(v: Verdict) -> Verdict {
    let text = summarize(&v);
    let claims: Vec<(String, &'static str)> = standings(&v)
        .into_iter()
        .map(|(c, st, _)| (format!("claim.{}", c.key), st.as_str()))
        .collect();
    let mut v = v.with_fact("summary", text);
    for (k, st) in claims {
        v = v.with_fact(&k, st);
    }
    v
}

/// Options for [`verify_report`]: the nonce, where inputs are, the time and the policy. The form
/// every language binding uses.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportOptions {
    /// The nonce sent to the attestation endpoint (hex; normalised like the agent does).
    pub nonce: String,
    /// Directory of NVIDIA RIMs named by RIM id.
    #[serde(default)]
    pub rim_dir: Option<String>,
    /// Directory of cached DER OCSP responses.
    #[serde(default)]
    pub ocsp_dir: Option<String>,
    /// Intel collateral JSON (dcap-qvl `QuoteCollateralV3`) for the TDX quote, as bytes; in
    /// the JSON form an object or its text.
    #[serde(default, deserialize_with = "crate::options::json_document")]
    pub collateral: Option<Vec<u8>>,
    /// Verification time; `None` = the system clock at the call.
    #[serde(default)]
    pub at: Option<crate::time::Time>,
    /// The policy; in the JSON form an object or text (JSON, TOML or a preset name).
    #[serde(default, deserialize_with = "crate::policy::policy_or_text")]
    pub policy: Policy,
}

/// The document form: `nonce` (required, hex), `rim_dir`, `ocsp_dir` (paths), `collateral`
/// (the collateral JSON, as an object or as text), `at` (RFC 3339 text or Unix seconds),
/// `policy` (a policy object, or text: JSON, TOML or a preset name). `null` means "not set";
/// unknown keys are refused.
impl crate::Options for ReportOptions {
    const WHAT: &'static str = "report options";

    fn from_value(value: Value) -> Result<ReportOptions, Error> {
        crate::options::from_object(value, Self::WHAT)
    }
}

impl ReportOptions {
    /// A verifier for these options (reads the RIM and OCSP directories).
    pub fn verifier(&self) -> Result<ReportVerifier, Error> {
        self.policy.validate()?;
        let mut v = ReportVerifier::new(self.policy.clone());
        if let Some(dir) = &self.rim_dir {
            v = v.with_rims(DirRimSource::new(dir).map_err(Error::InvalidArgument)?);
        }
        if let Some(dir) = &self.ocsp_dir {
            v = v.with_ocsp(
                DirOcspSource::new(dir)
                    .map_err(|e| Error::InvalidArgument(format!("OCSP directory {dir}: {e}")))?,
            );
        }
        if let Some(c) = &self.collateral {
            v = v.with_collateral(c.clone());
        }
        Ok(v)
    }
}

/// Verifies an io.net attestation document (the JSON bytes of the `/v1/private/attestation`
/// answer) for the nonce you sent. Errors only for unusable options (bad nonce, missing
/// directory); bad evidence is a verdict with failed checks.
pub fn verify_report(report_json: &[u8], options: &ReportOptions) -> Result<Verdict, Error> {
    let nonce = Nonce::normalize(&options.nonce)?;
    let verifier = options.verifier()?;
    let now = options.at.unwrap_or_else(crate::time::Time::now).unix();
    Ok(verifier.verify(report_json, &nonce, now))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A verdict of a fully passing io.net attestation, with `changes` applied (id, status).
    fn verdict(changes: &[(&str, CheckStatus)]) -> Verdict {
        let mut checks: Vec<Check> = CLAIMS
            .iter()
            .flat_map(|c| c.ids.iter())
            .filter(|id| **id != crate::bundle::ids::INPUTS && **id != crate::trust::ids::ANCHORS)
            .map(|id| Check::new(id, CheckStatus::Pass, ""))
            .collect();
        for (id, st) in changes {
            for c in checks.iter_mut().filter(|c| c.id == *id) {
                c.status = *st;
            }
        }
        with_summary(Verdict::from_checks(checks, None))
    }

    #[test]
    fn every_relaxation_is_accepted_never_proven() {
        let all = verdict(&[]);
        assert!(
            all.facts
                .values()
                .all(|v| v != "accepted" && v != "not_proven")
        );
        assert!(all.facts["summary"].starts_with("VERIFIED"));
        // --allow-no-rims, --allow-no-ocsp (and the offline preset), expired RIMs allowed,
        // a debug TD allowed, no measurement allowlist, no image allowlist, the unbound key.
        for (id, claim, phrase) in [
            (
                gpu::ids::DRIVER_RIM,
                "gpu_firmware",
                "GPU firmware, driver and revocation",
            ),
            (
                gpu::ids::VBIOS_RIM,
                "gpu_firmware",
                "GPU firmware, driver and revocation",
            ),
            (
                gpu::ids::MEASUREMENTS,
                "gpu_firmware",
                "GPU firmware, driver and revocation",
            ),
            (
                gpu::ids::OCSP,
                "gpu_firmware",
                "GPU firmware, driver and revocation",
            ),
            (tdx::ids::TD_ATTRIBUTES, "tdx_platform", "a debug TD"),
            (
                tdx::ids::TCB_STATUS,
                "tdx_platform",
                "a TCB status other than UpToDate",
            ),
            (
                tdx::ids::MEASUREMENTS,
                "tdx_code",
                "no measurement allowlist",
            ),
            (
                ids::IMAGE_DIGEST,
                "agent_image",
                "no allowlist is configured",
            ),
            (ids::KEY_BINDING, "key_binding", "does not bind it"),
        ] {
            let v = verdict(&[(id, CheckStatus::Warn)]);
            assert!(v.verified, "{id}");
            assert_eq!(v.facts[&format!("claim.{claim}")], "accepted", "{id}");
            let s = Summary::of(&v);
            assert!(s.accepted.iter().any(|a| a.contains(phrase)), "{id}: {s:?}");
            let text = &v.facts["summary"];
            let proven = text
                .split(" Accepted by policy without proof:")
                .next()
                .unwrap_or("");
            assert!(!proven.contains(phrase), "{id}: {text}");
            assert!(
                text.contains("Accepted by policy without proof: "),
                "{text}"
            );
        }
        // The old wording that called a relaxed GPU appraisal proven.
        let v = verdict(&[(gpu::ids::OCSP, CheckStatus::Warn)]);
        assert!(
            !Summary::of(&v)
                .proven
                .iter()
                .any(|p| p.contains("nothing revoked"))
        );
    }

    #[test]
    fn a_failed_or_skipped_row_is_not_proven() {
        for st in [CheckStatus::Fail, CheckStatus::Skip] {
            let v = verdict(&[
                (gpu::ids::OCSP, st),
                (gpu::ids::DRIVER_RIM, CheckStatus::Warn),
            ]);
            assert!(!v.verified);
            assert_eq!(v.facts["claim.gpu_firmware"], "not_proven");
            assert_eq!(v.facts["claim.gpu_genuine"], "proven");
            assert!(v.facts["summary"].starts_with("NOT VERIFIED: gpu.ocsp"));
        }
        // A claim whose rows are missing is never proven by the rows that exist.
        let mut v = verdict(&[]);
        v.checks.retain(|c| c.id != tdx::ids::REPORT_DATA);
        assert_eq!(
            standing(&v, &[gpu::ids::NONCE, tdx::ids::REPORT_DATA]),
            Standing::NotProven
        );
    }
}
