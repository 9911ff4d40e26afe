//! Intel TDX quotes: the `cpu.quote` of an io.net attestation.
//!
//! The cryptographic verification (PCK chain to Intel's SGX Root CA, CRLs, TCB Info and QE
//! Identity signatures, QE report, quote signature, TCB level matching) is dcap-qvl 0.7.1,
//! pinned, built pure-Rust. Everything that decides whether the result is *acceptable* is ours
//! and explicit, because dcap-qvl's `verify` succeeds for OutOfDate and every other non-Revoked
//! status: the accepted TCB statuses, advisories, TD attributes, measurement allowlists,
//! collateral age and the REPORTDATA binding.
//!
//! Pure and synchronous: quote bytes, Intel collateral (dcap-qvl's JSON), a policy, the expected
//! REPORTDATA and the verification time in; a [`Verdict`] out.

pub mod dcap;
pub mod ids;
mod pck;
mod policy;

use dcap_qvl::QuoteCollateralV3;
use dcap_qvl::quote::{Quote, Report, TDReport10};
use dcap_qvl::verify::QuoteVerifier;
use serde_json::Value;

pub use policy::{TCB_STATUSES, TdxPolicy};

use crate::verdict::{Check, CheckStatus, Verdict};
use crate::{Error, Nonce};

/// Forgets the remembered verified signatures of quotes and collateral ([`dcap`]). Verdicts
/// never depend on it; this only frees memory or makes the next verification "cold".
pub fn clear_caches() {
    dcap::clear_cache();
    pck::clear_cache();
}

/// Largest quote accepted (real ones are about 5 KiB).
pub const MAX_QUOTE_LEN: usize = 64 * 1024;
/// Largest collateral JSON accepted.
pub const MAX_COLLATERAL_LEN: usize = 1024 * 1024;

/// What REPORTDATA must be.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExpectedReportData {
    /// io.net's rule: the 32-byte nonce followed by 32 zero bytes.
    Nonce([u8; 32]),
    /// Any exact 64 bytes.
    Exact([u8; 64]),
    /// Nothing expected: `tdx.report_data` is skipped, so the verdict is not verified.
    Unspecified,
    /// Key-binding layouts (dstack, NEAR AI): the nonce in the second half; the first half
    /// binds a key, which `report.key_binding` appraises (see [`crate::binding`]).
    BoundNonce([u8; 32]),
}

impl ExpectedReportData {
    /// io.net's binding for a nonce given as hex (normalised as the agent does).
    pub fn from_nonce_hex(nonce_hex: &str) -> Result<Self, Error> {
        Ok(ExpectedReportData::Nonce(Nonce::normalize(nonce_hex)?.0))
    }

    /// An exact 64-byte value given as 128 hex digits (optional `0x`).
    pub fn from_report_data_hex(hex_text: &str) -> Result<Self, Error> {
        let t = hex_text.trim();
        let t = t
            .strip_prefix("0x")
            .or_else(|| t.strip_prefix("0X"))
            .unwrap_or(t);
        let bytes = hex::decode(t)
            .map_err(|e| Error::InvalidArgument(format!("report data is not hex: {e}")))?;
        let arr: [u8; 64] = bytes.try_into().map_err(|b: Vec<u8>| {
            Error::InvalidArgument(format!("report data must be 64 bytes, got {}", b.len()))
        })?;
        Ok(ExpectedReportData::Exact(arr))
    }

    fn bytes(&self) -> Option<[u8; 64]> {
        match self {
            ExpectedReportData::Nonce(n) => {
                let mut out = [0u8; 64];
                out[..32].copy_from_slice(n);
                Some(out)
            }
            ExpectedReportData::Exact(b) => Some(*b),
            ExpectedReportData::Unspecified | ExpectedReportData::BoundNonce(_) => None,
        }
    }
}

/// Decodes a quote given as raw bytes or as hex text (io.net's `cpu.quote` is lower-case hex;
/// an optional `0x` and surrounding whitespace are accepted). The agent's error strings
/// (`Error: TDX Interface not found …`) are reported as such.
pub fn decode_quote_input(input: &[u8]) -> Result<Vec<u8>, String> {
    if input.len() > 2 * MAX_QUOTE_LEN + 4 {
        return Err(format!(
            "quote input larger than {} bytes",
            2 * MAX_QUOTE_LEN
        ));
    }
    let trimmed = input.trim_ascii();
    let body = trimmed
        .strip_prefix(b"0x")
        .or_else(|| trimmed.strip_prefix(b"0X"))
        .unwrap_or(trimmed);
    if !body.is_empty() && body.iter().all(u8::is_ascii_hexdigit) {
        return hex::decode(body).map_err(|e| format!("quote hex: {e}"));
    }
    if trimmed.starts_with(b"Error") {
        return Err(format!(
            "the agent returned an error instead of a quote: {}",
            String::from_utf8_lossy(&trimmed[..trimmed.len().min(200)])
        ));
    }
    if trimmed.len() >= 2 && trimmed[..2] == [4, 0] || trimmed.len() >= 2 && trimmed[..2] == [5, 0]
    {
        return Ok(input.to_vec());
    }
    Err("the quote is neither hex text nor a binary TDX quote (version 4 or 5)".into())
}

/// The REPORTDATA of a quote (raw or hex), read without verifying anything: for choosing
/// what to expect before the quote is verified.
pub fn peek_report_data(quote_input: &[u8]) -> Option<[u8; 64]> {
    let raw = decode_quote_input(quote_input).ok()?;
    parse_quote(&raw).ok().map(|(_, td, _)| td.report_data)
}

/// Options for [`verify_tdx_with`]: what REPORTDATA must be, the verification time and the
/// policy. The form every language binding uses.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TdxOptions {
    /// The nonce sent to the attestation endpoint (hex; io.net rule: REPORTDATA = nonce ‖ 32
    /// zero bytes). Exclusive with `report_data`.
    pub nonce: Option<String>,
    /// The exact expected REPORTDATA, 128 hex digits. Exclusive with `nonce`.
    pub report_data: Option<String>,
    /// Verification time; `None` = the system clock at the call.
    pub at: Option<crate::time::Time>,
    /// The appraisal policy.
    pub policy: TdxPolicy,
    /// The roots trusted (default: Intel's production root; see [`crate::trust`]).
    pub trust: crate::trust::Trust,
}

/// The document form: `nonce`, `report_data` (hex strings), `at` (RFC 3339 text or Unix
/// seconds), `trust` (`"production"`, `"test"` or an anchor file's path) and every [`TdxPolicy`] key beside them. `null` means "not set"; unknown keys are
/// refused.
impl crate::Options for TdxOptions {
    const WHAT: &'static str = "TDX options";

    fn from_value(value: Value) -> Result<TdxOptions, Error> {
        use crate::options::{field, object_of};
        let mut obj = object_of(value, Self::WHAT)?;
        let nonce = field(&mut obj, "nonce", Self::WHAT)?;
        let report_data = field(&mut obj, "report_data", Self::WHAT)?;
        let at = field(&mut obj, "at", Self::WHAT)?;
        let trust = field(&mut obj, "trust", Self::WHAT)?.unwrap_or_default();
        Ok(TdxOptions {
            nonce,
            report_data,
            at,
            trust,
            policy: TdxPolicy::from_value(Value::Object(obj))?,
        })
    }
}

impl TdxOptions {
    /// The expected REPORTDATA these options describe.
    pub fn expected(&self) -> Result<ExpectedReportData, Error> {
        match (&self.nonce, &self.report_data) {
            (Some(_), Some(_)) => Err(Error::InvalidArgument(
                "give either a nonce or the expected report data, not both".into(),
            )),
            (Some(n), None) => ExpectedReportData::from_nonce_hex(n),
            (None, Some(r)) => ExpectedReportData::from_report_data_hex(r),
            (None, None) => Ok(ExpectedReportData::Unspecified),
        }
    }
}

/// Verifies a TDX quote (raw bytes or io.net's hex text) with Intel collateral JSON under
/// `options`. Errors only for unusable arguments (bad nonce or report data); bad evidence is a
/// verdict with failed checks.
pub fn verify_tdx_with(
    quote: &[u8],
    collateral_json: &[u8],
    options: &TdxOptions,
) -> Result<Verdict, Error> {
    options.policy.validate()?;
    let expected = options.expected()?;
    let now = options.at.unwrap_or_else(crate::time::Time::now).unix();
    Ok(verify_tdx_under(
        quote,
        collateral_json,
        &expected,
        &options.policy,
        &options.trust,
        now,
    ))
}

/// [`verify_tdx_without_collateral`] under `options`.
pub fn verify_tdx_without_collateral_with(
    quote: &[u8],
    options: &TdxOptions,
    why: &str,
) -> Result<Verdict, Error> {
    let expected = options.expected()?;
    let now = options.at.unwrap_or_else(crate::time::Time::now).unix();
    let v = verify_tdx_under(quote, b"", &expected, &options.policy, &options.trust, now);
    Ok(without_collateral(v, why))
}

/// Verifies a quote for which no Intel collateral could be had (`why` says so): the quote's
/// own checks still run, and `tdx.collateral` is skipped with the reason — never passed — so
/// the quote is not verified, nor is anything only the collateral could authenticate.
pub fn verify_tdx_without_collateral(
    quote_input: &[u8],
    expected: &ExpectedReportData,
    policy: &TdxPolicy,
    now: i64,
    why: &str,
) -> Verdict {
    let v = verify_tdx(quote_input, b"", expected, policy, now);
    without_collateral(v, why)
}

/// Marks a verdict reached with empty collateral as "no collateral: `why`".
pub(crate) fn without_collateral(v: Verdict, why: &str) -> Verdict {
    let mut checks = v.checks;
    for c in &mut checks {
        // A quote that parsed gets a failed row for the empty collateral: say why instead.
        if c.id == ids::COLLATERAL && c.status == CheckStatus::Fail {
            c.status = CheckStatus::Skip;
            c.detail = format!("no collateral: {why}");
        }
    }
    Verdict::from_checks(checks, None).with_facts_from(v.facts)
}

/// Verifies a TDX quote (raw or hex) with Intel collateral (dcap-qvl's `QuoteCollateralV3` JSON)
/// against the expected REPORTDATA and `policy`, at `now` (Unix seconds).
pub fn verify_tdx(
    quote_input: &[u8],
    collateral_json: &[u8],
    expected: &ExpectedReportData,
    policy: &TdxPolicy,
    now: i64,
) -> Verdict {
    verify_tdx_under(
        quote_input,
        collateral_json,
        expected,
        policy,
        &crate::trust::Trust::Production,
        now,
    )
}

/// [`verify_tdx`] with the Intel root chosen by `trust` (production unless a caller asked for
/// the test PKI; see [`crate::trust`]).
pub fn verify_tdx_under(
    quote_input: &[u8],
    collateral_json: &[u8],
    expected: &ExpectedReportData,
    policy: &TdxPolicy,
    trust: &crate::trust::Trust,
    now: i64,
) -> Verdict {
    let mut checks: Vec<Check> = Vec::new();
    let mut facts: Vec<(String, String)> = Vec::new();
    let skip_all = |checks: &mut Vec<Check>, from: &[&str], why: &str| {
        for id in from {
            checks.push(Check::new(
                id,
                CheckStatus::Skip,
                format!("not evaluated: {why}"),
            ));
        }
    };
    const AFTER_PARSE: &[&str] = &[
        ids::COLLATERAL,
        ids::QUOTE_SIGNATURE,
        ids::TCB_STATUS,
        ids::TD_ATTRIBUTES,
        ids::MEASUREMENTS,
        ids::REPORT_DATA,
    ];

    // 1. Quote structure.
    let parsed =
        decode_quote_input(quote_input).and_then(|raw| parse_quote(&raw).map(|q| (raw, q)));
    let (raw, quote, td) = match parsed {
        Ok((raw, (quote, td, trailing))) => {
            checks.push(Check::new(
                ids::QUOTE_PARSE,
                CheckStatus::Pass,
                format!(
                    "TDX quote v{} ({}), {} bytes{}",
                    quote.header.version,
                    body_name(&quote.report),
                    raw.len(),
                    if trailing > 0 {
                        format!(", {trailing} bytes of zero padding after the signature data")
                    } else {
                        String::new()
                    }
                ),
            ));
            (raw, quote, td)
        }
        Err(why) => {
            checks.push(Check::new(ids::QUOTE_PARSE, CheckStatus::Fail, why));
            skip_all(&mut checks, AFTER_PARSE, "the quote did not parse");
            return finish_under(trust, checks, Vec::new());
        }
    };
    td_facts(&quote, &td, &mut facts);

    // 2. The Intel root the PCK chain must end in, the chain as the quote presents it, and
    //    the QE vendor pin: problems that fail tdx.quote_signature whatever dcap-qvl says.
    let (root_der, root_name) = match trust.intel_root() {
        Ok(root) => root,
        Err(why) => {
            checks.push(Check::new(
                ids::COLLATERAL,
                CheckStatus::Skip,
                "not evaluated: no usable Intel root",
            ));
            checks.push(Check::new(ids::QUOTE_SIGNATURE, CheckStatus::Fail, why));
            skip_all(&mut checks, &[ids::TCB_STATUS], "no usable Intel root");
            own_checks(&td, &quote, expected, policy, &mut checks);
            return finish_under(trust, checks, facts);
        }
    };
    let presented = pck::presented_chain(&quote, &root_der, &root_name);
    let mut refused: Vec<String> = Vec::new();
    if let Err(why) = &presented {
        refused.push(why.clone());
    }
    refused.extend(policy.qe_vendor_problem(&quote.header.qe_vendor_id));

    // 3. Collateral: well-formed and recent enough for the policy.
    let mut collateral = match parse_collateral(collateral_json) {
        Ok(c) => c,
        Err(why) => {
            checks.push(Check::new(ids::COLLATERAL, CheckStatus::Fail, why));
            checks.push(refused_or(&refused, "not evaluated: no usable collateral"));
            skip_all(&mut checks, &[ids::TCB_STATUS], "no usable collateral");
            own_checks(&td, &quote, expected, policy, &mut checks);
            return finish_under(trust, checks, facts);
        }
    };
    if let Ok(p) = &presented
        && let Err(why) = pck::collateral_chain_matches(&collateral, p)
    {
        refused.push(why);
    }
    // dcap-qvl would prefer a chain in the collateral to the quote's: only the quote's counts.
    collateral.pck_certificate_chain = None;
    let collateral_facts = collateral_dates(&collateral);
    let collateral_ok = format!(
        "TCB Info, QE Identity and CRLs are signed under {root_name} and current at the verification time"
    );

    // 4. dcap-qvl: signatures, chains, CRLs, TCB matching (attributes are ours, see below).
    let verifier = QuoteVerifier::new(root_der.clone())
        .with_config::<dcap::DcapConfig>()
        .allow_debug(true)
        .allow_service_td(true);
    // Kept for explaining a failure (which chain failed, the closest TCB level).
    let for_errors = collateral.clone();
    // dcap-qvl checks the collateral's signatures first and the quote's own last: verify them
    // from the other end on another core (dcap-qvl then finds them remembered). Pure speed:
    // the memo only ever holds signatures that verified. Not for a quote verified before.
    let ahead = dcap::worth_prefetching(&raw, &quote).then(|| collateral.clone());
    let verify = || {
        verifier.verify_with_policy(
            &raw,
            collateral,
            u64::try_from(now).unwrap_or(0),
            &dcap_qvl::QuotePolicy::claims_only(u64::try_from(now).unwrap_or(0)),
        )
    };
    let result = match &ahead {
        Some(c) => crate::par::join(verify, || dcap::prefetch_parsed(&raw, &quote, Some(c))).0,
        None => verify(),
    };
    let sig_pass = format!(
        "the quote's PCK chain is its leaf, CA and a byte-identical copy of {root_name}, and verifies to it (CRLs at the verification time); QE report, QE report data and the quote signature over header and TD report verify"
    );
    match result {
        Ok(claims) => {
            let (st, d) = collateral_check(&collateral_facts, &claims, policy, &root_name, now);
            checks.push(Check::new(ids::COLLATERAL, st, d));
            checks.push(if refused.is_empty() {
                Check::new(ids::QUOTE_SIGNATURE, CheckStatus::Pass, sig_pass)
            } else {
                refused_or(&refused, "")
            });
            let status = claims.tcb.status.to_string();
            facts.push(("tcb_status".into(), status.clone()));
            facts.push(("advisory_ids".into(), claims.tcb.advisory_ids.join(",")));
            facts.push(("fmspc".into(), hex::encode(claims.platform.pck.fmspc)));
            facts.push((
                "tcb_eval_data_number".into(),
                claims.tcb.eval_data_number.to_string(),
            ));
            facts.push((
                "collateral_expires".into(),
                crate::time::format_time(
                    i64::try_from(claims.earliest_expiration_date).unwrap_or(i64::MAX),
                ),
            ));
            let (mut st, mut d) = policy.tcb_check(
                &status,
                &claims.tcb.advisory_ids,
                claims.tcb.eval_data_number,
            );
            if let Some(why) = policy.platform_problem(&claims.platform.pck.fmspc, &td.tee_tcb_svn)
            {
                st = CheckStatus::Fail;
                d = if d.contains("is accepted") {
                    why
                } else {
                    format!("{d}; {why}")
                };
            }
            if !refused.is_empty() && st != CheckStatus::Fail {
                st = CheckStatus::Skip;
                d = format!(
                    "not evaluated: it rests on the quote's PCK certificate, which was refused ({d})"
                );
            }
            checks.push(Check::new(ids::TCB_STATUS, st, d));
        }
        Err(e) => {
            let msg = format!("{e:#}");
            let mut stage = classify(&msg);
            let mut sig_msg = msg.clone();
            let mut collateral_failed: Option<String> = None;
            if let Stage::Chain = stage {
                // Whose chain? Re-check the quote's own, exactly as dcap-qvl does (or, when it
                // is refused already, the collateral's).
                let now = u64::try_from(now).unwrap_or(0);
                if presented.is_err() {
                    stage = match pck::collateral_chains_verify(&for_errors, &root_der, now) {
                        Ok(()) => Stage::Signature,
                        Err(_) => Stage::Collateral,
                    };
                }
                if let Ok(p) = &presented {
                    match pck::validate(p, &for_errors, &root_der, now) {
                        // The CRLs are collateral: a stale or foreign CRL is the collateral's
                        // failure even on the quote's chain.
                        Err(why) if pck::is_crl_problem(&why) => stage = Stage::Collateral,
                        Err(why) => {
                            stage = Stage::Signature;
                            sig_msg = format!("the quote's PCK chain does not verify: {why}");
                            // dcap-qvl checks the collateral's chains first: they may have
                            // failed too.
                            collateral_failed =
                                pck::collateral_chains_verify(&for_errors, &root_der, now).err();
                        }
                        Ok(()) => stage = Stage::Collateral,
                    }
                }
            }
            let sig_row = |checks: &mut Vec<Check>, pass: bool, fail: Option<&str>| {
                let mut why: Vec<String> = fail.map(str::to_string).into_iter().collect();
                why.extend(refused.iter().cloned());
                checks.push(if !why.is_empty() {
                    Check::new(ids::QUOTE_SIGNATURE, CheckStatus::Fail, why.join("; "))
                } else if pass {
                    Check::new(ids::QUOTE_SIGNATURE, CheckStatus::Pass, sig_pass.clone())
                } else {
                    Check::new(
                        ids::QUOTE_SIGNATURE,
                        CheckStatus::Skip,
                        "not evaluated: the collateral was refused",
                    )
                });
            };
            match stage {
                Stage::Collateral => {
                    let msg = if msg.contains("Fmspc mismatch") {
                        format!(
                            "the collateral belongs to another platform: its FMSPC is not the quote's PCK certificate's ({msg})"
                        )
                    } else {
                        msg
                    };
                    checks.push(Check::new(ids::COLLATERAL, CheckStatus::Fail, msg));
                    sig_row(&mut checks, false, None);
                    skip_all(
                        &mut checks,
                        &[ids::TCB_STATUS],
                        "the collateral was refused",
                    );
                }
                Stage::Signature => {
                    checks.push(match &collateral_failed {
                        Some(why) => Check::new(ids::COLLATERAL, CheckStatus::Fail, why.clone()),
                        None => Check::new(ids::COLLATERAL, CheckStatus::Pass, collateral_ok),
                    });
                    sig_row(&mut checks, false, Some(&sig_msg));
                    skip_all(
                        &mut checks,
                        &[ids::TCB_STATUS],
                        "the quote signature did not verify",
                    );
                }
                Stage::Tcb => {
                    checks.push(Check::new(
                        ids::COLLATERAL,
                        CheckStatus::Pass,
                        collateral_ok,
                    ));
                    // The QE's TCB level is judged (step 6) before the quote signature is
                    // checked (step 7): check it here, or it would pass unverified.
                    let before_quote_signature =
                        msg.contains("QE ISVSVN") || msg.contains("QE Identity");
                    if before_quote_signature && !dcap::quote_signature_verifies(&raw, &quote) {
                        sig_row(
                            &mut checks,
                            false,
                            Some(
                                "the attestation key's signature over the quote header and TD report does not verify",
                            ),
                        );
                    } else {
                        sig_row(&mut checks, true, None);
                    }
                    let detail = if msg.contains("No matching TCB level") {
                        presented
                            .as_ref()
                            .ok()
                            .and_then(|p| closest_level(&for_errors.tcb_info, p, &td.tee_tcb_svn))
                            .unwrap_or(msg)
                    } else {
                        msg
                    };
                    checks.push(Check::new(ids::TCB_STATUS, CheckStatus::Fail, detail));
                }
                Stage::Attributes => {
                    // dcap-qvl checks attributes last: everything before it passed.
                    checks.push(Check::new(
                        ids::COLLATERAL,
                        CheckStatus::Pass,
                        collateral_ok,
                    ));
                    sig_row(&mut checks, true, None);
                    checks.push(Check::new(
                        ids::TCB_STATUS,
                        CheckStatus::Skip,
                        format!("not reported: dcap-qvl stops at its TD attribute check ({msg})"),
                    ));
                }
                // Resolved above into Signature or Collateral; it fails closed here.
                Stage::Chain | Stage::Unknown => {
                    checks.push(Check::new(
                        ids::COLLATERAL,
                        CheckStatus::Skip,
                        "not evaluated: dcap-qvl stopped with an error ccverify does not classify",
                    ));
                    sig_row(
                        &mut checks,
                        false,
                        Some(&format!("unclassified dcap-qvl failure: {msg}")),
                    );
                    skip_all(
                        &mut checks,
                        &[ids::TCB_STATUS],
                        "dcap-qvl stopped with an unclassified error",
                    );
                }
            }
        }
    }
    own_checks(&td, &quote, expected, policy, &mut checks);
    finish_under(trust, checks, facts)
}

/// The `tdx.quote_signature` row for problems found before dcap-qvl ran (`Fail`), or `Skip`
/// with `otherwise` when there are none.
fn refused_or(refused: &[String], otherwise: &str) -> Check {
    if refused.is_empty() {
        Check::new(ids::QUOTE_SIGNATURE, CheckStatus::Skip, otherwise)
    } else {
        Check::new(ids::QUOTE_SIGNATURE, CheckStatus::Fail, refused.join("; "))
    }
}

/// [`finish`], with the `trust.anchors` row first when the roots are not the production ones.
fn finish_under(
    trust: &crate::trust::Trust,
    mut checks: Vec<Check>,
    facts: Vec<(String, String)>,
) -> Verdict {
    if let Some(row) = trust.check() {
        checks.insert(0, row);
    }
    finish(checks, facts)
}

/// Why no TCB level matched, for `tdx.tcb_status`: the FMSPC, the platform's SVNs and the
/// level that comes closest (fewest components short), with what it needs.
fn closest_level(tcb_info: &str, chain: &pck::Presented, tee_tcb_svn: &[u8; 16]) -> Option<String> {
    let info: dcap_qvl::TcbInfo = serde_json::from_str(tcb_info).ok()?;
    let ext = dcap_qvl::intel::parse_pck_extension(chain.leaf.der()).ok()?;
    let tdx = info.id == "TDX";
    let mut best: Option<(usize, Vec<dcap_qvl::tcb_info::SvnShortfall>)> = None;
    for (i, level) in info.tcb_levels.iter().enumerate() {
        let Ok(short) = level.shortfalls(&ext.cpu_svn, ext.pce_svn, tdx.then_some(tee_tcb_svn))
        else {
            continue;
        };
        if best.as_ref().is_none_or(|(_, b)| short.len() < b.len()) {
            best = Some((i, short));
        }
    }
    let platform = format!(
        "no TCB level of the collateral's TCB Info matches this platform: FMSPC {}, CPUSVN {}, PCESVN {}{}",
        hex::encode(ext.fmspc),
        hex::encode(ext.cpu_svn),
        ext.pce_svn,
        if tdx {
            format!(", TEE_TCB_SVN {}", hex::encode(tee_tcb_svn))
        } else {
            String::new()
        }
    );
    let Some((i, short)) = best else {
        return Some(format!("{platform}; no level is comparable with it"));
    };
    let level = info.tcb_levels.get(i)?;
    let needs = short
        .iter()
        .map(|s| {
            let what = match s.component {
                dcap_qvl::tcb_info::SvnComponent::Sgx(c) => format!("SGX component {c}"),
                dcap_qvl::tcb_info::SvnComponent::Tdx(c) => format!("TDX component {c}"),
                dcap_qvl::tcb_info::SvnComponent::PceSvn => "PCESVN".to_string(),
                dcap_qvl::tcb_info::SvnComponent::TdxModuleIsvSvn => {
                    "TDX module ISVSVN".to_string()
                }
            };
            format!("{what} {} (has {})", s.needs, s.have)
        })
        .collect::<Vec<_>>()
        .join(", ");
    Some(format!(
        "{platform}; the closest is level {} of {} (tcbDate {}, status {}), which needs {needs}",
        i + 1,
        info.tcb_levels.len(),
        level.tcb_date,
        level.tcb_status
    ))
}

fn finish(mut checks: Vec<Check>, facts: Vec<(String, String)>) -> Verdict {
    // What the TD report says is proven only once the quote signature (and the PCK chain
    // behind it) verified: until then a pass (or a warning) is a skip; a failure stays.
    let signed = checks
        .iter()
        .any(|c| c.id == ids::QUOTE_SIGNATURE && c.status == CheckStatus::Pass);
    if !signed {
        for c in checks.iter_mut().filter(|c| {
            [ids::TD_ATTRIBUTES, ids::MEASUREMENTS, ids::REPORT_DATA].contains(&c.id.as_str())
        }) {
            if matches!(c.status, CheckStatus::Pass | CheckStatus::Warn) {
                c.status = CheckStatus::Skip;
                c.detail = format!(
                    "not authenticated (the quote signature was not verified), so nothing it says is proven: {}",
                    c.detail
                );
            }
        }
    }
    let mut v = Verdict::from_checks(checks, None);
    for (k, val) in facts {
        v = v.with_fact(&format!("tdx.{k}"), val);
    }
    v
}

/// TD attributes, measurements and REPORTDATA: decided from the parsed (signed) TD report.
fn own_checks(
    td: &TDReport10,
    quote: &Quote,
    expected: &ExpectedReportData,
    policy: &TdxPolicy,
    checks: &mut Vec<Check>,
) {
    let service_td = match &quote.report {
        Report::TD15(r) => Some(r.mr_service_td),
        Report::TD15Ex(r) => Some(r.base.mr_service_td),
        _ => None,
    };
    let (st, d) = policy.attributes_check(td, service_td.as_ref());
    checks.push(Check::new(ids::TD_ATTRIBUTES, st, d));
    let (st, d) = policy.measurements_check(td);
    checks.push(Check::new(ids::MEASUREMENTS, st, d));
    if let ExpectedReportData::BoundNonce(n) = expected {
        checks.push(if td.report_data[32..] == n[..] {
            Check::new(
                ids::REPORT_DATA,
                CheckStatus::Pass,
                format!(
                    "REPORTDATA[32..64] = nonce {}; REPORTDATA[0..32] = {} binds a key (appraised by report.key_binding)",
                    hex::encode(n),
                    hex::encode(&td.report_data[..32])
                ),
            )
        } else {
            Check::new(
                ids::REPORT_DATA,
                CheckStatus::Fail,
                format!(
                    "REPORTDATA[32..64] {} is not the nonce {}",
                    hex::encode(&td.report_data[32..]),
                    hex::encode(n)
                ),
            )
        });
        return;
    }
    checks.push(match expected.bytes() {
        None => Check::new(
            ids::REPORT_DATA,
            CheckStatus::Skip,
            format!(
                "no expected REPORTDATA given: freshness is not proven (REPORTDATA is {})",
                hex::encode(td.report_data)
            ),
        ),
        Some(want) if want == td.report_data => Check::new(
            ids::REPORT_DATA,
            CheckStatus::Pass,
            match expected {
                ExpectedReportData::Nonce(_) => format!(
                    "REPORTDATA = nonce {} followed by 32 zero bytes",
                    hex::encode(&td.report_data[..32])
                ),
                _ => "REPORTDATA equals the expected 64 bytes".to_string(),
            },
        ),
        Some(want) => Check::new(
            ids::REPORT_DATA,
            CheckStatus::Fail,
            match expected {
                ExpectedReportData::Nonce(_) if td.report_data[..32] == want[..32] => format!(
                    "REPORTDATA[32..64] is not zero: {}",
                    hex::encode(&td.report_data[32..])
                ),
                _ => format!(
                    "REPORTDATA {} differs from the expected {}",
                    hex::encode(td.report_data),
                    hex::encode(want)
                ),
            },
        ),
    });
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Stage {
    /// `tdx.collateral`: TCB Info, QE Identity, CRLs, their chains, or collateral that is not
    /// this platform's.
    Collateral,
    /// `tdx.quote_signature`: the quote's PCK chain, QE report, QE identity or signature.
    Signature,
    /// `tdx.tcb_status`: TCB level matching.
    Tcb,
    /// `tdx.td_attributes` (dcap-qvl's last step).
    Attributes,
    /// A certificate chain failed, and dcap-qvl's message does not say whose: the caller
    /// re-checks the quote's PCK chain to decide.
    Chain,
    /// None of the classes below: fails `tdx.quote_signature` as "unclassified".
    Unknown,
}

/// dcap-qvl 0.7.1's failure messages (substrings), each class mapped to the check it fails.
/// The crate is pinned to `=0.7.1`; a test reads every failure literal of its source and
/// requires each to be classified, another classifies a message of every row, and the shared
/// TDX vectors produce the classes from mutated quotes and collateral — so an upgrade that adds
/// or rewords a message fails the suite rather than moving a failure to the wrong check.
/// Order matters: the first table that matches wins.
const CLASSES: &[(Stage, &[&str])] = &[
    // A debug QE: its message ends with the TD attribute wording, so it must win over it.
    (Stage::Signature, &["QE report validation failed"]),
    // Collateral of another platform or TEE type (checked before TCB matching).
    (
        Stage::Collateral,
        &[
            "Fmspc mismatch",
            "TDX quote with non-TDX TCB info",
            "SGX quote with non-SGX TCB info",
        ],
    ),
    // TD attributes: validate_attrs, dcap-qvl's last step.
    (
        Stage::Attributes,
        &[
            "Debug mode is enabled",
            "TD profiling is enabled",
            "Reserved bits in TD attributes",
            "TD migration is enabled",
            "SERVTD_EXT is enabled",
            "SEPT_VE_DISABLE is not enabled",
            "Invalid MR service TD",
            "Failed to parse TD attributes",
        ],
    ),
    // The quote's own certification data, QE report and signatures. ("Failed to parse certs"
    // is also a collateral issuer chain's: the quote's carries "from quote" first.)
    (
        Stage::Signature,
        &[
            "Failed to extract PCK certificates",
            "Unsupported DCAP PCK cert format",
            "Certificate chain is too short in quote",
            "Failed to parse PCK certificate",
            "Intel extension",
            "Failed to find Fmspc",
            "Failed to read OID",
            "Failed to get entry",
            "Failed to get name",
            "Failed to get value",
            "Certification data type",
            "Failed to read value",
            "Failed to load nested sequence",
            "Failed to read entry inside Intel extension",
            "Unexpected BOOLEAN length",
            "Unexpected ENUMERATED length",
            "Failed to decode certificate",
            "Invalid OID encoding",
            "appears more than once",
            "No certificates found in PEM chain",
            "Empty PCK certificate chain",
            "Fmspc length mismatch",
            "Failed to decode Fmspc",
            "CpuSvn",
            "PceSvn",
            "OID is missing",
            "Failed to decode DER object",
            "Failed to get subobject",
            "Failed to load sequence",
            "DER recursion",
            "Signature is invalid for qe_report",
            "Failed to decode QE report",
            "Invalid QE auth data length",
            "QE report hash mismatch",
            "QE MRSIGNER mismatch",
            "QE ISVPRODID mismatch",
            "QE MISCSELECT mismatch",
            "QE ATTRIBUTES mismatch",
            "Failed to get signed quote scope",
            "ISV enclave report signature is invalid",
            "Failed to decode quote",
            "Unsupported DCAP quote version",
            "Unknown QE vendor ID",
            "Unsupported TEE type",
            "TEE quote must have version",
            "Unsupported DCAP attestation key type",
        ],
    ),
    // TCB level matching, the TDX module and the QE TCB.
    (
        Stage::Tcb,
        &[
            "No matching TCB level",
            "TCB status is invalid: Revoked",
            "Unrecognized TCB status",
            "component count mismatch",
            "TDX module",
            "TDX TCB Info is missing tdxModule",
            "No TDX module identity with id",
            "Failed to evaluate the current TDX TCB",
            "QE ISVSVN",
            "No TCB levels found in QE Identity",
            "Failed to get TD10 report",
        ],
    ),
    // Chains whose message does not say whose (TCB Info, QE Identity or the quote's PCK).
    (
        Stage::Chain,
        &[
            "Failed to verify certificate chain",
            "Too many intermediate certificates",
        ],
    ),
    // The collateral itself: root, CRLs, TCB Info, QE Identity, their chains and dates.
    (
        Stage::Collateral,
        &[
            "Failed to load root ca",
            "Failed to parse root CA CRL",
            // A collateral signature that is not 64 bytes (the quote's own are fixed-size).
            "Invalid key length",
            "Failed to decode TCB FMSPC",
            "Failed to parse PCK CRL",
            "Failed to parse CRL",
            "CRL number",
            "Failed to create RevocationOptionsBuilder",
            "Failed to decode TcbInfo",
            "TCB Info issue date",
            "TCB Info next update",
            "TCBInfo issue date is in the future",
            "TCBInfo expired",
            "Certificate chain is too short for TCB Info",
            "Failed to parse TCB Info leaf certificate",
            "TCB Info signer must be issued directly by the root CA",
            "Signature is invalid for tcb_info",
            "Failed to decode QeIdentity",
            "QE Identity issue date",
            "QE Identity next update",
            "QE Identity expired",
            "Certificate chain is too short for QE Identity",
            "Failed to parse QE Identity leaf certificate",
            "QE Identity signer must be issued directly by the root CA",
            "Signature is invalid for qe_identity",
            "Unsupported QE Identity id/version",
            "Failed to parse certs",
            "Failed to parse RFC3339 datetime",
            "RFC3339 datetime is before Unix epoch",
            "Failed to parse root CA certificate",
            "Failed to parse certificate for time window",
            "QEIdentity issueDate",
            "QEIdentity nextUpdate",
            "TCBInfo issueDate",
            "TCBInfo nextUpdate",
            "Failed to parse platform TCB date",
            "Invalid TCB level tcbDate",
            "Failed to parse QE TCB date",
            // The root's own revocation check against the root CA CRL: webpki's bare error, no
            // context (revoked, or a stale, badly signed or foreign CRL).
            "CertRevoked",
            "Crl",
            "UnknownRevocationStatus",
            "UnsupportedRevocationReason",
            "BadDer",
        ],
    ),
];

/// Maps a dcap-qvl 0.7.1 error to the stage it came from ([`CLASSES`]).
fn classify(msg: &str) -> Stage {
    CLASSES
        .iter()
        .find(|(_, patterns)| patterns.iter().any(|p| msg.contains(p)))
        .map_or(Stage::Unknown, |(stage, _)| *stage)
}

/// Strict structural parse: TDX (tee type 0x81), version 4 or 5, ECDSA P-256 attestation key,
/// a TD report body, and nothing but zero padding after the signature data. (The QE vendor id
/// is the policy's `qe_vendor_id`, checked under `tdx.quote_signature`.)
fn parse_quote(raw: &[u8]) -> Result<(Quote, TDReport10, usize), String> {
    use dcap_qvl::quote::Quote as Q;
    use decode::decode_quote;
    if raw.len() > MAX_QUOTE_LEN {
        return Err(format!("quote larger than {MAX_QUOTE_LEN} bytes"));
    }
    let (quote, used): (Q, usize) = decode_quote(raw)?;
    let trailing = &raw[used..];
    if trailing.iter().any(|b| *b != 0) {
        return Err(format!(
            "{} bytes after the signature data are not zero padding",
            trailing.len()
        ));
    }
    if quote.header.tee_type != 0x81 {
        return Err(format!(
            "TEE type 0x{:x} is not TDX (0x81)",
            quote.header.tee_type
        ));
    }
    if ![4, 5].contains(&quote.header.version) {
        return Err(format!(
            "quote version {} is not 4 or 5",
            quote.header.version
        ));
    }
    if quote.header.attestation_key_type != 2 {
        return Err(format!(
            "attestation key type {} is not ECDSA P-256 (2)",
            quote.header.attestation_key_type
        ));
    }
    let td = match &quote.report {
        Report::TD10(r) => *r,
        Report::TD15(r) => r.base,
        Report::TD15Ex(r) => r.base.base,
        Report::SgxEnclave(_) => return Err("an SGX enclave report, not a TD report".into()),
    };
    Ok((quote, td, trailing.len()))
}

mod decode {
    use dcap_qvl::quote::Quote;

    /// Decodes a quote and returns how many bytes it used.
    pub fn decode_quote(raw: &[u8]) -> Result<(Quote, usize), String> {
        let mut input = raw;
        let q = <Quote as parity_scale_codec::Decode>::decode(&mut input)
            .map_err(|e| format!("malformed quote: {e}"))?;
        Ok((q, raw.len() - input.len()))
    }
}

fn body_name(r: &Report) -> &'static str {
    match r {
        Report::TD10(_) => "TD 1.0 report",
        Report::TD15(_) => "TD 1.5 report",
        Report::TD15Ex(_) => "TD 1.5 extended report",
        Report::SgxEnclave(_) => "SGX enclave report",
    }
}

fn td_facts(quote: &Quote, td: &TDReport10, facts: &mut Vec<(String, String)>) {
    let mut put = |k: &str, v: String| facts.push((k.to_string(), v));
    put("quote_version", quote.header.version.to_string());
    put("tee_tcb_svn", hex::encode(td.tee_tcb_svn));
    put("mrseam", hex::encode(td.mr_seam));
    put("mrsignerseam", hex::encode(td.mr_signer_seam));
    put("seam_attributes", hex::encode(td.seam_attributes));
    put("td_attributes", hex::encode(td.td_attributes));
    put("xfam", hex::encode(td.xfam));
    put("mrtd", hex::encode(td.mr_td));
    put("mrconfigid", hex::encode(td.mr_config_id));
    put("mrowner", hex::encode(td.mr_owner));
    put("mrownerconfig", hex::encode(td.mr_owner_config));
    put("rtmr0", hex::encode(td.rt_mr0));
    put("rtmr1", hex::encode(td.rt_mr1));
    put("rtmr2", hex::encode(td.rt_mr2));
    put("rtmr3", hex::encode(td.rt_mr3));
    put("report_data", hex::encode(td.report_data));
}

fn parse_collateral(json: &[u8]) -> Result<QuoteCollateralV3, String> {
    if json.len() > MAX_COLLATERAL_LEN {
        return Err(format!("collateral larger than {MAX_COLLATERAL_LEN} bytes"));
    }
    crate::limits::check_json(json, "the collateral")?;
    let c: QuoteCollateralV3 = serde_json::from_slice(json)
        .map_err(|e| format!("collateral is not dcap-qvl's QuoteCollateralV3 JSON: {e}"))?;
    // dcap-qvl parses the signed TCB Info and QE Identity texts itself, recursively.
    crate::limits::check_json(c.tcb_info.as_bytes(), "the collateral's TCB Info")?;
    crate::limits::check_json(c.qe_identity.as_bytes(), "the collateral's QE Identity")?;
    Ok(c)
}

struct CollateralDates {
    tcb_info_issued: Option<i64>,
    qe_identity_issued: Option<i64>,
}

fn collateral_dates(c: &QuoteCollateralV3) -> CollateralDates {
    /// Only `issueDate`; serde skips the rest without building it (the TCB Info is kilobytes).
    #[derive(serde::Deserialize)]
    struct Issued {
        #[serde(rename = "issueDate")]
        issue_date: String,
    }
    // parse_collateral checked both texts' nesting.
    let issue = |text: &str| -> Option<i64> {
        let v: Issued = serde_json::from_str(text).ok()?;
        crate::time::parse_time(&v.issue_date)
    };
    CollateralDates {
        tcb_info_issued: issue(&c.tcb_info),
        qe_identity_issued: issue(&c.qe_identity),
    }
}

fn collateral_check(
    dates: &CollateralDates,
    claims: &dcap_qvl::QuoteClaims,
    policy: &TdxPolicy,
    root_name: &str,
    now: i64,
) -> (CheckStatus, String) {
    let expires = i64::try_from(claims.earliest_expiration_date).unwrap_or(i64::MAX);
    let base = format!(
        "TCB Info, QE Identity and CRLs are signed under {root_name} and current at {} (the earliest expires {})",
        crate::time::format_time(now),
        crate::time::format_time(expires)
    );
    let Some(max_age) = policy.max_collateral_age_secs else {
        return (CheckStatus::Pass, base);
    };
    let issued = match (dates.tcb_info_issued, dates.qe_identity_issued) {
        (Some(a), Some(b)) => a.min(b),
        _ => {
            return (
                CheckStatus::Fail,
                "cannot read the collateral issue dates".into(),
            );
        }
    };
    let age = now.saturating_sub(issued);
    if age > i64::try_from(max_age).unwrap_or(i64::MAX) {
        (
            CheckStatus::Fail,
            format!(
                "collateral issued {} is {age} s old, more than the policy's {max_age} s",
                crate::time::format_time(issued)
            ),
        )
    } else {
        (
            CheckStatus::Pass,
            format!("{base}; {age} s old (policy allows {max_age} s)"),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Options as _;

    #[test]
    fn quote_input_shapes() {
        assert_eq!(decode_quote_input(b"0x0400\n").unwrap(), vec![4, 0]);
        assert_eq!(decode_quote_input(b"  0400  ").unwrap(), vec![4, 0]);
        assert!(decode_quote_input(b"040").is_err());
        let e = decode_quote_input(b"Error generating CPU quote: boom").unwrap_err();
        assert!(e.contains("the agent returned an error"), "{e}");
        assert!(decode_quote_input(b"").is_err());
        assert!(decode_quote_input(&[9, 9, 9]).is_err());
        assert_eq!(decode_quote_input(&[4, 0, 2, 0]).unwrap(), vec![4, 0, 2, 0]);
    }

    #[test]
    fn expected_report_data() {
        let e = ExpectedReportData::from_nonce_hex("0xABCD").unwrap();
        let b = e.bytes().unwrap();
        assert_eq!(&b[..2], &[0xab, 0xcd]);
        assert!(b[2..].iter().all(|x| *x == 0));
        assert!(ExpectedReportData::from_report_data_hex("00").is_err());
        let o = TdxOptions {
            nonce: Some("ab".into()),
            report_data: Some("00".repeat(64)),
            ..TdxOptions::default()
        };
        assert!(o.expected().is_err());
        let o = TdxOptions::from_json(r#"{"nonce":"ab","at":"2025-06-20T06:13:20Z","mrtd":[]}"#)
            .unwrap();
        assert_eq!(o.at, Some(crate::time::Time::from_unix(1_750_400_000)));
        assert!(TdxOptions::from_json(r#"{"nonce":1}"#).is_err());
        assert!(TdxOptions::from_json(r#"{"noncе":"ab"}"#).is_err());
    }

    /// Every failure message dcap-qvl 0.7.1 can produce on the path ccverify calls, as it
    /// produces it (contexts joined by ": "), with the check it must fail.
    const MESSAGES: &[(&str, Stage)] = &[
        (
            "Failed to load root ca: UnsupportedCertVersion",
            Stage::Collateral,
        ),
        (
            "Failed to parse root CA CRL: InvalidCrlSignatureForPublicKey",
            Stage::Collateral,
        ),
        ("Failed to parse PCK CRL: BadDer", Stage::Collateral),
        ("CertRevoked", Stage::Collateral),
        (
            "CrlExpired { time: UnixTime(1893456000), next_update: UnixTime(1775215317) }",
            Stage::Collateral,
        ),
        ("UnknownRevocationStatus", Stage::Collateral),
        (
            "Failed to decode quote: Not enough data to fill buffer",
            Stage::Signature,
        ),
        ("Unsupported DCAP quote version", Stage::Signature),
        ("Unknown QE vendor ID", Stage::Signature),
        ("Unsupported TEE type: 7", Stage::Signature),
        ("TDX TEE quote must have version 4 or 5", Stage::Signature),
        ("Unsupported DCAP attestation key type", Stage::Signature),
        ("Failed to parse certs: malformedframing", Stage::Collateral),
        (
            "Failed to decode TcbInfo: missing field `fmspc`",
            Stage::Collateral,
        ),
        (
            "Failed to parse TCB Info issue date: Failed to parse RFC3339 datetime: x",
            Stage::Collateral,
        ),
        ("TCBInfo issue date is in the future", Stage::Collateral),
        ("TCBInfo expired", Stage::Collateral),
        (
            "Certificate chain is too short for TCB Info",
            Stage::Collateral,
        ),
        (
            "Failed to parse TCB Info leaf certificate: BadDer",
            Stage::Collateral,
        ),
        (
            "Failed to verify certificate chain: UnknownIssuer",
            Stage::Chain,
        ),
        (
            "Failed to verify certificate chain: CertRevoked",
            Stage::Chain,
        ),
        (
            "Failed to verify certificate chain: CrlExpired { time: 1, next_update: 0 }",
            Stage::Chain,
        ),
        ("Too many intermediate certificates: 5", Stage::Chain),
        (
            "TCB Info signer must be issued directly by the root CA",
            Stage::Collateral,
        ),
        (
            "Signature is invalid for tcb_info in quote_collateral",
            Stage::Collateral,
        ),
        (
            "Failed to decode QeIdentity: expected value",
            Stage::Collateral,
        ),
        ("QE Identity issue date is in the future", Stage::Collateral),
        ("QE Identity expired", Stage::Collateral),
        (
            "Certificate chain is too short for QE Identity",
            Stage::Collateral,
        ),
        (
            "Failed to parse QE Identity leaf certificate: BadDer",
            Stage::Collateral,
        ),
        (
            "QE Identity signer must be issued directly by the root CA",
            Stage::Collateral,
        ),
        (
            "Signature is invalid for qe_identity in quote_collateral",
            Stage::Collateral,
        ),
        (
            "Unsupported QE Identity id/version for the quote TEE type: QE version 2 (expected TD_QE version [2, 3])",
            Stage::Collateral,
        ),
        (
            "Failed to extract PCK certificates from quote: Failed to parse certs: x",
            Stage::Signature,
        ),
        (
            "Unsupported DCAP PCK cert format: 3. Use get_collateral() to fetch PCK certificate.",
            Stage::Signature,
        ),
        ("Certificate chain is too short in quote", Stage::Signature),
        ("Failed to parse PCK certificate: BadDer", Stage::Signature),
        ("Intel extension not found", Stage::Signature),
        ("Failed to find Fmspc: OID is missing", Stage::Signature),
        ("Fmspc length mismatch", Stage::Signature),
        ("CpuSvn length mismatch", Stage::Signature),
        ("Failed to find PceSvn: OID is missing", Stage::Signature),
        ("DER recursion depth exceeded", Stage::Signature),
        (
            "Signature is invalid for qe_report in quote",
            Stage::Signature,
        ),
        (
            "Failed to decode QE report: Not enough data",
            Stage::Signature,
        ),
        ("Invalid QE auth data length", Stage::Signature),
        ("QE report hash mismatch", Stage::Signature),
        ("Invalid key length", Stage::Collateral),
        ("Failed to decode TCB FMSPC: odd length", Stage::Collateral),
        ("Failed to read OID", Stage::Signature),
        ("Failed to get entry", Stage::Signature),
        ("Failed to get name", Stage::Signature),
        ("Failed to get value", Stage::Signature),
        (
            "Certification data type 3 is not supported",
            Stage::Signature,
        ),
        ("No TDX module identity with id TDX_03", Stage::Tcb),
        ("Failed to read value", Stage::Signature),
        ("Failed to load nested sequence", Stage::Signature),
        (
            "Failed to read entry inside Intel extension",
            Stage::Signature,
        ),
        ("Unexpected BOOLEAN length: 2", Stage::Signature),
        ("Unexpected ENUMERATED length", Stage::Signature),
        ("Failed to decode certificate", Stage::Signature),
        ("Invalid OID encoding", Stage::Signature),
        ("extension 1.2.3 appears more than once", Stage::Signature),
        ("No certificates found in PEM chain", Stage::Signature),
        ("Empty PCK certificate chain", Stage::Signature),
        ("UnsupportedRevocationReason", Stage::Collateral),
        ("BadDer", Stage::Collateral),
        (
            "QE MRSIGNER mismatch: expected AA, got BB",
            Stage::Signature,
        ),
        (
            "QE report validation failed: Debug mode is enabled",
            Stage::Signature,
        ),
        ("QE ISVPRODID mismatch: expected 2, got 1", Stage::Signature),
        (
            "QE MISCSELECT mismatch: expected 00000000 (masked), got 00000001 (masked)",
            Stage::Signature,
        ),
        (
            "QE ATTRIBUTES mismatch at byte 0: expected 11 (masked), got 13 (masked)",
            Stage::Signature,
        ),
        (
            "QE ISVSVN 1 is below the minimum in QE Identity",
            Stage::Tcb,
        ),
        ("No TCB levels found in QE Identity", Stage::Tcb),
        ("Failed to get signed quote scope: x", Stage::Signature),
        ("ISV enclave report signature is invalid", Stage::Signature),
        ("Fmspc mismatch", Stage::Collateral),
        (
            "TDX quote with non-TDX TCB info in the collateral",
            Stage::Collateral,
        ),
        (
            "SGX quote with non-SGX TCB info in the collateral",
            Stage::Collateral,
        ),
        ("Failed to get TD10 report", Stage::Tcb),
        (
            "TDX module identity check: TDX module MRSIGNER mismatch: expected 00, got 01",
            Stage::Tcb,
        ),
        (
            "TDX module identity check: TDX module SEAMATTRIBUTES mismatch at byte 0: expected 00 (masked), got 01 (masked)",
            Stage::Tcb,
        ),
        (
            "TDX module identity check: TDX TCB Info is missing tdxModule field",
            Stage::Tcb,
        ),
        (
            "TDX module identity check: Failed to decode tdxModule.mrsigner as hex: odd length",
            Stage::Tcb,
        ),
        (
            "Failed to evaluate the current TDX TCB (TEE_TCB_SVN2): No matching TCB level found",
            Stage::Tcb,
        ),
        (
            "TDX module TCB level check: TDX module ISVSVN 2 is below minimum required from TDX module TCB levels",
            Stage::Tcb,
        ),
        (
            "SGX component count mismatch: expected 16, got 15",
            Stage::Tcb,
        ),
        (
            "Unrecognized TCB status Revoked in TDX module identity",
            Stage::Tcb,
        ),
        ("No matching TCB level found", Stage::Tcb),
        ("TCB status is invalid: Revoked", Stage::Tcb),
        ("Failed to parse root CA certificate: x", Stage::Collateral),
        (
            "Failed to parse root CA CRL for claims: Failed to parse CRL: x",
            Stage::Collateral,
        ),
        (
            "Failed to parse certificate for time window: x",
            Stage::Collateral,
        ),
        (
            "QEIdentity issueDate: Failed to parse RFC3339 datetime: x",
            Stage::Collateral,
        ),
        (
            "TCBInfo nextUpdate: RFC3339 datetime is before Unix epoch",
            Stage::Collateral,
        ),
        ("Failed to parse platform TCB date: x", Stage::Collateral),
        ("Invalid TCB level tcbDate: x", Stage::Collateral),
        ("Debug mode is enabled", Stage::Attributes),
        ("TD profiling is enabled", Stage::Attributes),
        ("Reserved bits in TD attributes are set", Stage::Attributes),
        ("TD migration is enabled", Stage::Attributes),
        ("SERVTD_EXT is enabled", Stage::Attributes),
        ("SEPT_VE_DISABLE is not enabled", Stage::Attributes),
        ("Invalid MR service TD", Stage::Attributes),
        ("Failed to parse TD attributes: x", Stage::Attributes),
        (
            "Failed to parse root CA CRL for claims: Failed to parse CRL: x",
            Stage::Collateral,
        ),
        ("CRL number too large for u32", Stage::Collateral),
        (
            "Failed to create RevocationOptionsBuilder - CRLs required",
            Stage::Collateral,
        ),
        ("Failed to parse TCB Info next update: x", Stage::Collateral),
        (
            "Failed to parse QE Identity issue date: x",
            Stage::Collateral,
        ),
        (
            "Failed to parse QE Identity next update: x",
            Stage::Collateral,
        ),
        ("QEIdentity nextUpdate: x", Stage::Collateral),
        ("TCBInfo issueDate: x", Stage::Collateral),
        ("Failed to parse QE TCB date: x", Stage::Collateral),
        (
            "Failed to find Fmspc: Failed to get subobject: Failed to load sequence",
            Stage::Signature,
        ),
        ("Failed to decode Fmspc", Stage::Signature),
        ("Failed to decode DER object", Stage::Signature),
        (
            "TDX component count mismatch: expected 16, got 15",
            Stage::Tcb,
        ),
        ("something dcap-qvl 0.7.1 never says", Stage::Unknown),
    ];

    /// Every failure literal in the source of the pinned dcap-qvl (`bail!`, `ensure!`,
    /// `anyhow!`, `context`, `with_context`) is classified, so an upgrade that adds or rewords
    /// one fails here. Read from the crate source cargo downloaded.
    #[test]
    fn every_failure_literal_of_dcap_qvl_0_7_1_is_classified() {
        // Literals that are never a failure message on their own: formatting, and parts that
        // dcap-qvl always wraps in a context classified above.
        const NOT_MESSAGES: &[&str] = &[
            "\\n  Caused by:",     // error-chain formatting (the `js` feature)
            "Unknown TCB status:", // serde's TcbStatus parse, inside "Failed to decode …"
            "Failed to decode",    // "Failed to decode <field> as hex", under "TDX module …"
            "extension",           // "extension <oid> appears more than once"
        ];
        let home = std::env::var_os("CARGO_HOME")
            .map(std::path::PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| std::path::Path::new(&h).join(".cargo")))
            .expect("CARGO_HOME or HOME");
        let src = std::fs::read_dir(home.join("registry/src"))
            .expect("cargo's registry sources")
            .filter_map(Result::ok)
            .map(|d| d.path().join("dcap-qvl-0.7.1/src"))
            .find(|p| p.is_dir())
            .expect("dcap-qvl 0.7.1's source in cargo's registry");
        let mut seen = 0;
        for file in [
            "verify.rs",
            "utils.rs",
            "intel.rs",
            "tcb_info.rs",
            "x509.rs",
            "qe_identity.rs",
        ] {
            let text = std::fs::read_to_string(src.join(file)).unwrap();
            let text = text.split("#[cfg(test)]").next().unwrap_or_default();
            for marker in [
                "bail!(",
                "ensure!(",
                "anyhow!(",
                ".context(",
                "with_context(",
            ] {
                for (at, _) in text.match_indices(marker) {
                    let rest = &text[at + marker.len()..];
                    let Some(open) = rest.find('"') else { continue };
                    // A literal of this call (not one further down the file).
                    if rest[..open].contains(';') {
                        continue;
                    }
                    let body = &rest[open + 1..];
                    let end = body.find('"').unwrap_or(body.len());
                    let literal = body[..end].split('{').next().unwrap_or_default().trim();
                    if literal.is_empty() || NOT_MESSAGES.contains(&literal) {
                        continue;
                    }
                    seen += 1;
                    assert_ne!(
                        classify(literal),
                        Stage::Unknown,
                        "{file}: dcap-qvl's {literal:?} is not classified"
                    );
                }
            }
        }
        assert!(
            seen > 100,
            "only {seen} literals found: is this dcap-qvl 0.7.1's source?"
        );
    }

    #[test]
    fn every_dcap_qvl_failure_class_maps_to_its_check() {
        for (msg, want) in MESSAGES {
            assert_eq!(classify(msg), *want, "{msg}");
        }
        // Every pattern of the table is exercised by a message above.
        for (_, patterns) in CLASSES {
            for p in *patterns {
                assert!(
                    MESSAGES.iter().any(|(m, _)| m.contains(p)),
                    "no test message for {p:?}"
                );
            }
        }
    }
}
