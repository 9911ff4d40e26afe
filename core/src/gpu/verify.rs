//! The GPU appraisal: every check of every GPU in an io.net `gpu` object, as one [`Verdict`].

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use base64::Engine as _;
use serde_json::Value;

use super::ocsp::{self, NoOcsp, OcspSource};
use super::policy::GpuPolicy;
use super::report::AttestationReport;
use super::rim::{self, Rim};
use super::roots::TrustAnchors;
use super::source::{NoRims, RimSource};
use crate::der;
use crate::verdict::{Check, CheckStatus, Verdict};
use crate::x509::{self, Certificate, ChainStatus, LeafUse};

use super::ids;

/// Most GPUs accepted in one `gpu` object.
pub const MAX_GPUS: usize = 64;
/// Largest `gpu` object accepted.
pub const MAX_GPU_JSON: usize = 16 * 1024 * 1024;

/// One GPU's evidence as io.net (and NRAS) carry it: base64 of the raw report and base64 of
/// the PEM certificate chain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GpuEvidence {
    /// Standard base64 of the raw attestation report.
    pub evidence: String,
    /// Standard base64 of the PEM chain, leaf first.
    pub certificate: String,
}

/// GPU evidence verifier: policy, trust anchors, RIM and OCSP sources. Reusable and
/// thread-safe; verified certificate links and RIMs are cached process-wide, so a second call
/// with the same certificates and RIMs only pays the per-GPU work.
pub struct GpuVerifier {
    policy: GpuPolicy,
    anchors: Option<TrustAnchors>,
    /// Which roots `anchors` are (verdicts under the test roots carry `trust.anchors`).
    trust: crate::trust::Trust,
    rims: Box<dyn RimSource>,
    ocsp: Box<dyn OcspSource>,
}

impl Default for GpuVerifier {
    fn default() -> Self {
        Self::new(GpuPolicy::default())
    }
}

impl GpuVerifier {
    /// A verifier with NVIDIA's roots, no RIMs and no OCSP responses.
    pub fn new(policy: GpuPolicy) -> Self {
        GpuVerifier {
            policy,
            anchors: TrustAnchors::nvidia(),
            trust: crate::trust::Trust::Production,
            rims: Box::new(NoRims),
            ocsp: Box::new(NoOcsp),
        }
    }

    /// Uses `source` for RIMs.
    pub fn with_rims(mut self, source: impl RimSource + 'static) -> Self {
        self.rims = Box::new(source);
        self
    }

    /// Uses `source` for OCSP responses.
    pub fn with_ocsp(mut self, source: impl OcspSource + 'static) -> Self {
        self.ocsp = Box::new(source);
        self
    }

    /// Trusts the roots `trust` names (NVIDIA's unless a caller asked for the test PKI).
    pub fn with_trust(mut self, trust: crate::trust::Trust) -> Self {
        self.anchors = trust.nvidia();
        self.trust = trust;
        self
    }

    /// Test-only: replaces NVIDIA's roots. Needs the `test-roots` feature.
    #[cfg(feature = "test-roots")]
    pub fn with_test_anchors(mut self, anchors: TrustAnchors) -> Self {
        self.anchors = Some(anchors);
        self
    }

    /// The policy in force.
    pub fn policy(&self) -> &GpuPolicy {
        &self.policy
    }

    /// Verifies an io.net `gpu` object (JSON bytes) against the expected 32-byte nonce at
    /// `now` (Unix seconds).
    pub fn verify_json(&self, gpu_json: &[u8], expected_nonce: &[u8; 32], now: i64) -> Verdict {
        let mut checks = Vec::new();
        let parsed = parse_gpu_object(gpu_json, expected_nonce);
        let (items, arch, echo_problem) = match parsed {
            Ok(ok) => ok,
            Err(why) => {
                checks.extend(self.trust.check());
                checks.push(Check::new(ids::EVIDENCE_FORMAT, CheckStatus::Fail, why));
                return self.finish(checks, Vec::new(), None, expected_nonce);
            }
        };
        checks.push(match echo_problem {
            _ if items.is_empty() => Check::new(
                ids::EVIDENCE_FORMAT,
                CheckStatus::Fail,
                "no GPU evidence: evidence_list is empty",
            ),
            // The echo proves nothing, but a different one means tampering or a mix-up.
            Some(why) => Check::new(ids::EVIDENCE_FORMAT, CheckStatus::Fail, why),
            None => Check::new(
                ids::EVIDENCE_FORMAT,
                CheckStatus::Pass,
                format!(
                    "gpu object well-formed: {} evidence entr{}, nonce echo matches",
                    items.len(),
                    if items.len() == 1 { "y" } else { "ies" }
                ),
            ),
        });
        self.verify_inner(checks, &items, Some(arch), expected_nonce, now)
    }

    /// Verifies a list of evidence entries directly (no io.net envelope).
    pub fn verify_evidence(
        &self,
        items: &[GpuEvidence],
        expected_nonce: &[u8; 32],
        now: i64,
    ) -> Verdict {
        self.verify_inner(Vec::new(), items, None, expected_nonce, now)
    }

    fn verify_inner(
        &self,
        mut checks: Vec<Check>,
        items: &[GpuEvidence],
        declared_arch: Option<String>,
        expected_nonce: &[u8; 32],
        now: i64,
    ) -> Verdict {
        checks.extend(self.trust.check());
        let Some(anchors) = self.anchors.clone() else {
            checks.push(Check::new(
                ids::CERT_CHAIN,
                CheckStatus::Fail,
                self.trust.missing("NVIDIA (P-384)"),
            ));
            return self.finish(checks, Vec::new(), declared_arch, expected_nonce);
        };
        if items.is_empty() && checks.is_empty() {
            checks.push(Check::new(
                ids::EVIDENCE_FORMAT,
                CheckStatus::Fail,
                "no GPU evidence: evidence_list is empty",
            ));
        }
        let call = CallState {
            anchors,
            now,
            rims: Mutex::new(HashMap::new()),
            ocsp: Mutex::new(HashMap::new()),
        };
        // GPUs are independent; they share only this call's RIM and OCSP answers (each
        // computed once, whichever GPU asks first) and the process-wide caches, none of which
        // changes a verdict. Results come back in evidence order.
        let gpus = crate::par::map(items.len(), |i| {
            self.verify_one(i, &items[i], expected_nonce, &call)
        });
        for g in &gpus {
            checks.extend(g.checks.iter().cloned());
        }
        self.finish_with(checks, gpus, declared_arch, expected_nonce, items.len())
    }

    fn finish(
        &self,
        checks: Vec<Check>,
        gpus: Vec<GpuResult>,
        declared_arch: Option<String>,
        nonce: &[u8; 32],
    ) -> Verdict {
        self.finish_with(checks, gpus, declared_arch, nonce, 0)
    }

    fn finish_with(
        &self,
        mut checks: Vec<Check>,
        gpus: Vec<GpuResult>,
        declared_arch: Option<String>,
        nonce: &[u8; 32],
        count: usize,
    ) -> Verdict {
        // Architecture: declared (not hardware-backed) and certified (leaf certificate).
        let want = self.policy.expected_arch.to_ascii_uppercase();
        let mut arch_problems = Vec::new();
        if let Some(a) = &declared_arch
            && a.to_ascii_uppercase() != want
        {
            arch_problems.push(format!("gpu.arch is {a:?}, policy expects {want}"));
        }
        if want != "HOPPER" {
            arch_problems.push(format!(
                "architecture {want} is not supported (HOPPER only)"
            ));
        }
        for g in &gpus {
            if let Some(c) = &g.certified_chip
                && c != "GH100"
            {
                arch_problems.push(format!("{}: certificate names chip {c}, not GH100", g.name));
            }
        }
        let certified = gpus.iter().filter(|g| g.certified_chip.is_some()).count();
        let unauthenticated_gpus: Vec<&str> = gpus
            .iter()
            .filter(|g| !g.authenticated)
            .map(|g| g.name.as_str())
            .collect();
        checks.push(if !arch_problems.is_empty() {
            Check::new(ids::ARCH, CheckStatus::Fail, arch_problems.join("; "))
        } else if !unauthenticated_gpus.is_empty() && !gpus.is_empty() {
            Check::new(
                ids::ARCH,
                CheckStatus::Skip,
                format!(
                    "not authenticated: the evidence of {} did not verify to NVIDIA's root",
                    unauthenticated_gpus.join(", ")
                ),
            )
        } else if gpus.is_empty() {
            Check::new(
                ids::ARCH,
                CheckStatus::Skip,
                "no GPU evidence to read an architecture from",
            )
        } else if certified < gpus.len() {
            Check::new(
                ids::ARCH,
                CheckStatus::Skip,
                format!(
                    "only {certified} of {} GPUs have a readable device certificate",
                    gpus.len()
                ),
            )
        } else {
            Check::new(
                ids::ARCH,
                CheckStatus::Pass,
                format!("HOPPER: every device certificate names GH100 ({certified} GPU(s))"),
            )
        });
        checks.push(match self.policy.expected_count {
            Some(n) if n == count => {
                Check::new(ids::COUNT, CheckStatus::Pass, format!("{count} GPU(s), as expected"))
            }
            Some(n) => Check::new(
                ids::COUNT,
                CheckStatus::Fail,
                format!("{count} GPU(s) attested, policy expects {n}"),
            ),
            None => Check::new(
                ids::COUNT,
                CheckStatus::Warn,
                format!(
                    "{count} GPU(s) attested; no expected count in the policy (io.net drops GPUs whose evidence it could not collect)"
                ),
            ),
        });
        let flags: Vec<(String, u64)> = gpus
            .iter()
            .filter_map(|g| g.feature_flag.map(|f| (g.name.clone(), f)))
            .collect();
        let has_spt = flags.iter().any(|(_, f)| *f == 0);
        let has_mpt = flags.iter().any(|(_, f)| *f == 1);
        checks.push(if has_spt && has_mpt {
            Check::new(
                ids::MODE,
                CheckStatus::Fail,
                format!(
                    "GPUs mix single-GPU (SPT) and multi-GPU (MPT) protected modes: {}",
                    flags
                        .iter()
                        .map(|(n, f)| format!("{n}={}", mode_name(*f)))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
        } else if !unauthenticated_gpus.is_empty() {
            Check::new(
                ids::MODE,
                CheckStatus::Skip,
                format!(
                    "not authenticated: the reports of {} did not verify, so their modes are unknown",
                    unauthenticated_gpus.join(", ")
                ),
            )
        } else if flags.is_empty() {
            Check::new(
                ids::MODE,
                CheckStatus::Pass,
                "no GPU reports a feature flag (opaque data version 0): nothing to mix",
            )
        } else {
            Check::new(
                ids::MODE,
                CheckStatus::Pass,
                format!(
                    "consistent mode: {}",
                    flags
                        .iter()
                        .map(|(n, f)| format!("{n}={}", mode_name(*f)))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
        });
        let mut v =
            Verdict::from_checks(checks, None).with_fact("gpu.eat_nonce", hex::encode(nonce));
        v = v.with_fact("gpu.count", count.to_string());
        for g in gpus {
            for (k, val) in g.facts {
                v = v.with_fact(&format!("{}.{k}", g.name), val);
            }
        }
        v
    }

    fn verify_one(
        &self,
        i: usize,
        item: &GpuEvidence,
        expected_nonce: &[u8; 32],
        call: &CallState,
    ) -> GpuResult {
        let name = format!("gpu{i}");
        let mut g = GpuResult {
            name: name.clone(),
            checks: Vec::new(),
            facts: Vec::new(),
            certified_chip: None,
            feature_flag: None,
            authenticated: false,
        };
        let push = |g: &mut GpuResult, id: &str, st: CheckStatus, d: String| {
            let mut c = Check::new(id, st, d);
            c.subject = Some(name.clone());
            g.checks.push(c);
        };
        let skip_rest = |g: &mut GpuResult, from: &[&str], why: &str| {
            for id in from {
                let mut c = Check::new(id, CheckStatus::Skip, format!("not evaluated: {why}"));
                c.subject = Some(g.name.clone());
                g.checks.push(c);
            }
        };
        const AFTER_FORMAT: &[&str] = &[
            ids::REPORT_PARSE,
            ids::NONCE,
            ids::REPORT_SIGNATURE,
            ids::CERT_CHAIN,
            ids::FWID,
            ids::OCSP,
            ids::DRIVER_RIM,
            ids::VBIOS_RIM,
            ids::MEASUREMENTS,
        ];

        // 1. Decoding.
        let decoded = decode_item(item);
        let (raw, chain) = match decoded {
            Ok(ok) => ok,
            Err(why) => {
                push(&mut g, ids::EVIDENCE_FORMAT, CheckStatus::Fail, why);
                skip_rest(&mut g, AFTER_FORMAT, "evidence could not be decoded");
                return g;
            }
        };
        push(
            &mut g,
            ids::EVIDENCE_FORMAT,
            CheckStatus::Pass,
            format!("report {} bytes, {} certificate(s)", raw.len(), chain.len()),
        );
        let leaf = Arc::clone(&chain[0]);
        g.certified_chip = certified_chip(&leaf);
        g.facts.push(("ueid".into(), leaf.serial_decimal()));
        if let Some(hw) = chain.get(1).and_then(|c| c.subject_cn.clone()) {
            g.facts.push(("hwmodel".into(), hw));
        }

        // 2. Strict parse.
        let report = match AttestationReport::parse(&raw) {
            Ok(r) => r,
            Err(e) => {
                push(&mut g, ids::REPORT_PARSE, CheckStatus::Fail, e.to_string());
                skip_rest(&mut g, &AFTER_FORMAT[1..], "the report did not parse");
                return g;
            }
        };
        push(
            &mut g,
            ids::REPORT_PARSE,
            CheckStatus::Pass,
            format!(
                "SPDM 1.1 GET_MEASUREMENTS/MEASUREMENTS: {} blocks, {} opaque TLVs, signature 96 bytes",
                report.blocks.len(),
                report.opaque.len()
            ),
        );
        self.report_facts(&report, &mut g);
        g.feature_flag = report.feature_flag();

        // 3. Nonce inside the signed report.
        if report.request_nonce == *expected_nonce {
            push(
                &mut g,
                ids::NONCE,
                CheckStatus::Pass,
                format!(
                    "report nonce {} is the expected nonce",
                    hex::encode(report.request_nonce)
                ),
            );
        } else {
            push(
                &mut g,
                ids::NONCE,
                CheckStatus::Fail,
                format!(
                    "report nonce {} differs from the expected {}",
                    hex::encode(report.request_nonce),
                    hex::encode(expected_nonce)
                ),
            );
        }

        // 4. Report signature with the leaf key.
        if leaf.verify_raw(report.signed_part(), report.signature()) {
            push(
                &mut g,
                ids::REPORT_SIGNATURE,
                CheckStatus::Pass,
                format!(
                    "ECDSA P-384 over the first {} bytes verifies with the key of '{}'",
                    report.signed_part().len(),
                    leaf.display_name()
                ),
            );
        } else {
            push(
                &mut g,
                ids::REPORT_SIGNATURE,
                CheckStatus::Fail,
                format!(
                    "the 96-byte r||s signature does not verify with the key of '{}'",
                    leaf.display_name()
                ),
            );
        }

        // 5. Device chain to the pinned root.
        let chain_report = x509::validate_chain(
            &chain,
            &call.anchors.device,
            call.now,
            LeafUse::DigitalSignature,
        );
        if let Some(t) = chain_report.earliest_not_after {
            g.facts
                .push(("cert_expiration".into(), crate::time::format_time(t)));
        }
        let path_names = chain_report
            .path
            .iter()
            .map(|c| c.display_name())
            .collect::<Vec<_>>()
            .join(" <- ");
        match &chain_report.status {
            ChainStatus::Valid => push(
                &mut g,
                ids::CERT_CHAIN,
                CheckStatus::Pass,
                format!(
                    "valid at {} to {}: {path_names}",
                    crate::time::format_time(call.now),
                    root_label(
                        &call.anchors.device,
                        "the pinned NVIDIA Device Identity CA",
                        self.trust.label().as_deref()
                    )
                ),
            ),
            other => push(
                &mut g,
                ids::CERT_CHAIN,
                CheckStatus::Fail,
                chain_status_text(other),
            ),
        }

        // 6. FWID.
        match (report.fwid(), leaf.dice_tcb_info.as_deref().and_then(dice_fwid)) {
            (Some(r), Some(c)) if r == c.as_slice() => push(
                &mut g,
                ids::FWID,
                CheckStatus::Pass,
                format!("report FWID {}… equals the leaf certificate's TCG DICE FWID", &hex::encode(r)[..16]),
            ),
            (Some(r), Some(c)) => push(
                &mut g,
                ids::FWID,
                CheckStatus::Fail,
                format!("report FWID {} differs from the leaf certificate's {}", hex::encode(r), hex::encode(c)),
            ),
            (Some(_), None) => push(
                &mut g,
                ids::FWID,
                CheckStatus::Fail,
                "the report has a FWID but the leaf certificate has no TCG DICE FWID (is the leaf first?)".into(),
            ),
            (None, _) => push(
                &mut g,
                ids::FWID,
                CheckStatus::Warn,
                "the report carries no FWID (TLV 20): nothing to compare".into(),
            ),
        }

        // 7. RIMs.
        let driver = report
            .driver_rim_id()
            .map(|id| self.rim(&id, call))
            .unwrap_or_else(|| RimState::unusable("the report has no driver version (TLV 3)"));
        let vbios = report
            .vbios_rim_id()
            .map(|id| self.rim(&id, call))
            .unwrap_or_else(|| RimState::unusable("the report lacks VBIOS/project/SKU TLVs"));
        let driver_version = report.driver_version().unwrap_or_default();
        let vbios_version = report.vbios_version().unwrap_or_default();
        let (mut st, mut d) = self.rim_check(&driver, RimKind::Driver, &driver_version);
        if let (Some(dr), Some(vb)) = (&driver.rim, &vbios.rim)
            && dr.tag_id == vb.tag_id
            && st != CheckStatus::Fail
        {
            // One document cannot be both manifests.
            st = CheckStatus::Fail;
            d = format!(
                "the driver RIM {} and the VBIOS RIM {} are the same document (tagId {})",
                driver.id, vbios.id, dr.tag_id
            );
        }
        push(&mut g, ids::DRIVER_RIM, st, d);
        let (st, d) = self.rim_check(&vbios, RimKind::Vbios, &vbios_version);
        push(&mut g, ids::VBIOS_RIM, st, d);
        if let Some(rim) = &driver.rim
            && let Some(oem) = &rim.firmware_manufacturer_id
        {
            g.facts.push(("oemid".into(), oem.clone()));
        }

        // 8. Revocation of the device chain and both RIM chains.
        let (st, d) = self.revocation(&chain_report, &driver, &vbios, call);
        // Place OCSP right after the FWID check, as documented.
        let mut c = Check::new(ids::OCSP, st, d);
        c.subject = Some(name.clone());
        let pos = g
            .checks
            .iter()
            .position(|c| c.id == ids::DRIVER_RIM)
            .unwrap_or(g.checks.len());
        g.checks.insert(pos, c);

        // 9. Measurements.
        self.measurements(&report, &driver, &vbios, &mut g);

        // Only a report signed by a key that chains to the pinned root says anything.
        let signature_ok = g
            .checks
            .iter()
            .any(|c| c.id == ids::REPORT_SIGNATURE && c.status == CheckStatus::Pass);
        let chain_ok = matches!(chain_report.status, ChainStatus::Valid);
        g.authenticated = signature_ok && chain_ok;
        if !g.authenticated {
            let why = match (signature_ok, chain_ok) {
                (false, _) => "the report's signature did not verify",
                (true, false) => "the signing certificate's chain to NVIDIA's root is not valid",
                (true, true) => "",
            };
            for c in g
                .checks
                .iter_mut()
                .filter(|c| REPORT_CONTENT.contains(&c.id.as_str()))
            {
                unauthenticated(c, why);
            }
            g.facts.retain(|(k, _)| k != "secboot" && k != "dbgstat");
        }
        g
    }

    fn report_facts(&self, r: &AttestationReport, g: &mut GpuResult) {
        let mut put = |k: &str, v: Option<String>| {
            if let Some(v) = v {
                g.facts.push((k.to_string(), v));
            }
        };
        put("driver_version", r.driver_version());
        put("vbios_version", r.vbios_version());
        put("project", r.project());
        put("project_sku", r.project_sku());
        put("chip_sku", r.chip_sku());
        put("driver_rim_id", r.driver_rim_id());
        put("vbios_rim_id", r.vbios_rim_id());
        put("nvdec0", r.nvdec0_status().map(status_byte));
        put("protected_pcie", r.protected_pcie_status().map(status_byte));
        put(
            "opaque_data_version",
            Some(r.opaque_data_version().to_string()),
        );
        put("feature_flag", r.feature_flag().map(mode_name));
    }

    fn rim(&self, id: &str, call: &CallState) -> RimState {
        let slot = Arc::clone(
            lock(&call.rims)
                .entry(id.to_string())
                .or_insert_with(|| Arc::new(OnceLock::new())),
        );
        // Another GPU asking for the same RIM meanwhile waits for this answer.
        slot.get_or_init(|| self.fetch_rim(id, call)).clone()
    }

    fn fetch_rim(&self, id: &str, call: &CallState) -> RimState {
        match self.rims.fetch(id) {
            // The source could not answer (I/O or network): the check could not run, which is
            // a skip (policy may relax it), never a pass and not a proof of a bad RIM.
            Err(e) => RimState {
                id: id.to_string(),
                missing: true,
                problem: Some(format!(
                    "RIM {id} could not be fetched ({}): {e}",
                    self.rims.describe()
                )),
                ..RimState::default()
            },
            Ok(None) => RimState {
                id: id.to_string(),
                missing: true,
                problem: Some(format!("RIM {id} not found ({})", self.rims.describe())),
                ..RimState::default()
            },
            Ok(Some(xml)) => {
                let rep = rim::verify_rim(&xml, &call.anchors.rim, call.now);
                let mut s = RimState {
                    id: id.to_string(),
                    ..RimState::default()
                };
                if let Err(e) = &rep.schema {
                    s.problem = Some(format!("RIM {id}: schema: {e}"));
                } else if let Err(e) = &rep.signature {
                    s.problem = Some(format!("RIM {id}: XML signature: {e}"));
                } else {
                    match &rep.chain.status {
                        ChainStatus::Valid => {}
                        ChainStatus::Expired { .. } | ChainStatus::NotYetValid { .. } => {
                            s.time_problem = Some(chain_status_text(&rep.chain.status));
                        }
                        other => {
                            s.problem = Some(format!(
                                "RIM {id}: signer chain: {}",
                                chain_status_text(other)
                            ));
                        }
                    }
                }
                s.chain = rep.chain.path.clone();
                if s.problem.is_none() {
                    s.rim = rep.rim.clone();
                    if s.rim.is_none() {
                        s.problem = Some(format!("RIM {id}: not usable"));
                    }
                }
                s
            }
        }
    }

    fn rim_check(
        &self,
        s: &RimState,
        rim_kind: RimKind,
        runtime_version: &str,
    ) -> (CheckStatus, String) {
        let kind = rim_kind.name();
        if s.missing {
            let why = s.problem.clone().unwrap_or_default();
            return if self.policy.require_rims {
                (
                    CheckStatus::Skip,
                    format!("{why}; the {kind} measurements cannot be appraised"),
                )
            } else {
                (
                    CheckStatus::Warn,
                    format!("{why}; policy does not require RIMs"),
                )
            };
        }
        if let Some(p) = &s.problem {
            return (CheckStatus::Fail, p.clone());
        }
        let Some(rim) = &s.rim else {
            return (CheckStatus::Fail, format!("{kind} RIM not usable"));
        };
        if let Err(why) = rim_kind.identity(rim) {
            return (
                CheckStatus::Fail,
                format!(
                    "RIM {} (tagId {}) is not the {kind} manifest the report asked for: {why}",
                    s.id, rim.tag_id
                ),
            );
        }
        if !rim.version.eq_ignore_ascii_case(runtime_version) {
            return (
                CheckStatus::Fail,
                format!(
                    "RIM {} is for {kind} version {}, the report shows {runtime_version}",
                    s.id, rim.version
                ),
            );
        }
        let root = s.chain.last().map_or(
            std::borrow::Cow::Borrowed("the pinned NVIDIA RIM root"),
            |r| {
                root_label(
                    r,
                    "the pinned NVIDIA RIM root",
                    self.trust.label().as_deref(),
                )
            },
        );
        let base = format!(
            "RIM {} (version {}) schema, XML-DSig and signer chain to {root} verified",
            s.id, rim.version
        );
        match &s.time_problem {
            None => (CheckStatus::Pass, base),
            Some(t) if self.policy.allow_expired_rims => (
                CheckStatus::Warn,
                format!("{base}; {t} (allowed by policy)"),
            ),
            Some(t) => (CheckStatus::Fail, format!("RIM {}: signer chain {t}", s.id)),
        }
    }

    fn revocation(
        &self,
        device: &x509::ChainReport,
        driver: &RimState,
        vbios: &RimState,
        call: &CallState,
    ) -> (CheckStatus, String) {
        let mut lines = Vec::new();
        let mut fail = false;
        let mut missing = 0usize;
        let mut good = 0usize;
        let mut hold = false;
        let mut not_evaluated = false;
        let mut chains: Vec<ChainToQuery<'_>> = Vec::new();
        if matches!(device.status, ChainStatus::Valid) {
            chains.push((
                "device",
                &device.path,
                false,
                Arc::clone(&call.anchors.device),
            ));
        } else {
            lines.push("device chain not valid, its revocation was not queried".to_string());
            not_evaluated = true;
        }
        for (kind, s) in [("driver RIM", driver), ("VBIOS RIM", vbios)] {
            if !s.chain.is_empty() && s.rim.is_some() {
                chains.push((kind, &s.chain, true, Arc::clone(&call.anchors.rim)));
            }
        }
        for (kind, path, is_rim, anchor) in chains {
            // Device chains: every certificate between the leaf and the root (as NVIDIA does);
            // RIM chains: every certificate below the root.
            let first = if is_rim { 0 } else { 1 };
            for idx in first..path.len().saturating_sub(1) {
                let (cert, issuer) = (&path[idx], &path[idx + 1]);
                // The chain kind is part of the key: it picks the anchor the responder's
                // certificate must chain to.
                let key = (cert.sha256, issuer.sha256, is_rim);
                let slot = Arc::clone(
                    lock(&call.ocsp)
                        .entry(key)
                        .or_insert_with(|| Arc::new(OnceLock::new())),
                );
                let outcome = slot
                    .get_or_init(|| match self.ocsp.lookup(cert, issuer) {
                        None => Revocation::Missing,
                        Some(f) => Revocation::from_outcome(ocsp::verify_response(
                            &f.der,
                            cert,
                            issuer,
                            &anchor,
                            call.now,
                            f.sent_nonce.as_deref(),
                        )),
                    })
                    .clone();
                let who = format!("{kind} '{}'", cert.display_name());
                match outcome {
                    Revocation::Good => good += 1,
                    Revocation::Missing => {
                        missing += 1;
                        lines.push(format!("{who}: no OCSP response"));
                    }
                    Revocation::Hold(d) if is_rim && self.policy.allow_hold_for_rims => {
                        hold = true;
                        lines.push(format!("{who}: on hold ({d}), accepted by policy"));
                    }
                    Revocation::Hold(d) => {
                        fail = true;
                        lines.push(format!("{who}: revoked (certificateHold) {d}"));
                    }
                    Revocation::Revoked(d) => {
                        fail = true;
                        lines.push(format!("{who}: revoked {d}"));
                    }
                    Revocation::Invalid(d) => {
                        fail = true;
                        lines.push(format!("{who}: OCSP response rejected: {d}"));
                    }
                }
            }
        }
        let summary = format!("{good} certificate(s) good");
        let text = if lines.is_empty() {
            summary
        } else {
            format!("{summary}; {}", lines.join("; "))
        };
        if fail {
            (CheckStatus::Fail, text)
        } else if not_evaluated {
            (CheckStatus::Skip, format!("not evaluated: {text}"))
        } else if missing > 0 {
            if self.policy.require_revocation {
                (CheckStatus::Skip, format!("revocation not proven: {text}"))
            } else {
                (
                    CheckStatus::Warn,
                    format!("revocation not checked, allowed by policy: {text}"),
                )
            }
        } else if hold {
            (CheckStatus::Warn, text)
        } else {
            (CheckStatus::Pass, text)
        }
    }

    fn measurements(
        &self,
        report: &AttestationReport,
        driver: &RimState,
        vbios: &RimState,
        g: &mut GpuResult,
    ) {
        let name = g.name.clone();
        let mut push = |st: CheckStatus, d: String| {
            let mut c = Check::new(ids::MEASUREMENTS, st, d);
            c.subject = Some(name.clone());
            g.checks.push(c);
        };
        let (Some(d), Some(v)) = (&driver.rim, &vbios.rim) else {
            let st = if (driver.missing || vbios.missing) && !self.policy.require_rims {
                CheckStatus::Warn
            } else {
                CheckStatus::Skip
            };
            push(
                st,
                "not evaluated: both the driver and the VBIOS RIM must be verified first".into(),
            );
            return;
        };
        let Some(nvdec0) = report.nvdec0_status() else {
            push(
                CheckStatus::Fail,
                "the report has no NVDEC0 status (TLV 11)".into(),
            );
            return;
        };
        let cmp = rim::compare(Some(d), Some(v), &report.runtime_measurements(), nvdec0);
        if let Some(e) = &cmp.error {
            push(CheckStatus::Fail, format!("comparison error: {e}"));
            return;
        }
        if !cmp.mismatches.is_empty() {
            let records: Vec<Value> = cmp
                .mismatches
                .iter()
                .map(|m| {
                    serde_json::json!({
                        "index": m.index,
                        "source": m.source.as_str(),
                        "goldenSize": m.golden_size,
                        "goldenValue": m.golden.iter().map(hex::encode).collect::<Vec<_>>(),
                        "runtimeValue": m.runtime.as_ref().map(hex::encode),
                    })
                })
                .collect();
            g.facts
                .push(("mismatches".into(), Value::Array(records).to_string()));
        }
        let describe = |src: rim::MeasurementSource| {
            cmp.mismatches
                .iter()
                .filter(|m| m.source == src)
                .map(|m| m.index.to_string())
                .collect::<Vec<_>>()
                .join(",")
        };
        if !cmp.conflicts.is_empty() {
            push(
                CheckStatus::Fail,
                format!(
                    "index conflict: golden index(es) {:?} active in both the driver and the VBIOS RIM",
                    cmp.conflicts
                ),
            );
        } else if !cmp.mismatches.is_empty() {
            let mut parts = Vec::new();
            let fw = describe(rim::MeasurementSource::Firmware);
            let dr = describe(rim::MeasurementSource::Driver);
            if !fw.is_empty() {
                parts.push(format!("Firmware (VBIOS) golden indices {fw}"));
            }
            if !dr.is_empty() {
                parts.push(format!("Driver golden indices {dr}"));
            }
            push(
                CheckStatus::Fail,
                format!(
                    "measres fail: {} of {} measurements differ: {}",
                    cmp.mismatches.len(),
                    cmp.compared,
                    parts.join("; ")
                ),
            );
        } else if cmp.compared == 0 {
            push(
                CheckStatus::Fail,
                format!(
                    "no golden measurement was compared: neither RIM has an active measurement{} — a RIM that checks nothing proves nothing",
                    if cmp.skipped.is_empty() {
                        String::new()
                    } else {
                        format!(
                            " other than index {:?}, skipped as NVDEC0 is disabled",
                            cmp.skipped
                        )
                    }
                ),
            );
        } else {
            let skipped = if cmp.skipped.is_empty() {
                String::new()
            } else {
                format!(" (skipped {:?}: NVDEC0 disabled)", cmp.skipped)
            };
            push(
                CheckStatus::Pass,
                format!(
                    "measres success: all {} active golden measurements match{skipped}",
                    cmp.compared
                ),
            );
            g.facts.push(("secboot".into(), "true".into()));
            g.facts.push(("dbgstat".into(), "disabled".into()));
        }
    }
}

/// Which manifest a report asks for. A RIM carries no RIM id, project or SKU, so its own
/// identity is what can be matched: the product it is for and, from the form of its version,
/// whether it describes a driver or a VBIOS (with the version itself, compared separately).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum RimKind {
    Driver,
    Vbios,
}

/// The chip of every RIM a Hopper report asks for (`NV_GPU_DRIVER_GH100_…`, and the VBIOS of
/// a GH100).
const RIM_PRODUCT: &str = "GH100";

impl RimKind {
    fn name(self) -> &'static str {
        match self {
            RimKind::Driver => "driver",
            RimKind::Vbios => "VBIOS",
        }
    }

    /// Whether `rim` is a manifest of this kind for a GH100.
    fn identity(self, rim: &Rim) -> Result<(), String> {
        match rim.product.as_deref() {
            Some(p) if p.eq_ignore_ascii_case(RIM_PRODUCT) => {}
            Some(p) => return Err(format!("it is for product {p}, not {RIM_PRODUCT}")),
            None => return Err(format!("it names no product (expected {RIM_PRODUCT})")),
        }
        let v = rim.version.as_str();
        // VBIOS versions are five dot-separated hex bytes (96.00.9F.00.01); driver versions
        // are dot-separated decimal numbers (550.90.07).
        let vbios = v.split('.').count() == 5
            && v.split('.')
                .all(|p| p.len() == 2 && p.bytes().all(|b| b.is_ascii_hexdigit()));
        let driver = !v.is_empty()
            && v.split('.').count() <= 4
            && v.split('.')
                .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
        match self {
            RimKind::Driver if !driver => Err(format!(
                "its version {v:?} is not a driver version (it describes a VBIOS or something else)"
            )),
            RimKind::Vbios if !vbios => Err(format!(
                "its version {v:?} is not a VBIOS version (it describes a driver or something else)"
            )),
            _ => Ok(()),
        }
    }
}

/// (label, path leaf first, is a RIM chain, trust anchor) for revocation queries.
type ChainToQuery<'a> = (&'a str, &'a [Arc<Certificate>], bool, Arc<Certificate>);

/// What the GPUs of one call share: each RIM and each OCSP answer is fetched and verified once
/// per call, by whichever GPU needs it first (the others wait for it).
struct CallState {
    anchors: TrustAnchors,
    now: i64,
    rims: Slots<String, RimState>,
    ocsp: Slots<([u8; 32], [u8; 32], bool), Revocation>,
}

/// One slot per key, filled once by whichever thread asks first.
type Slots<K, V> = Mutex<HashMap<K, Arc<OnceLock<V>>>>;

/// Locks a map of per-call slots. The lock is held only to find or insert a slot, so a
/// poisoned lock (a panic elsewhere while inserting) still holds a consistent map.
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[derive(Clone, Debug, Default)]
struct RimState {
    id: String,
    missing: bool,
    problem: Option<String>,
    time_problem: Option<String>,
    rim: Option<Arc<Rim>>,
    chain: Vec<Arc<Certificate>>,
}

impl RimState {
    fn unusable(why: &str) -> Self {
        RimState {
            problem: Some(why.to_string()),
            ..RimState::default()
        }
    }
}

#[derive(Clone, Debug)]
enum Revocation {
    Good,
    Missing,
    Hold(String),
    Revoked(String),
    Invalid(String),
}

impl Revocation {
    fn from_outcome(o: ocsp::OcspOutcome) -> Self {
        match o {
            ocsp::OcspOutcome::Good { .. } => Revocation::Good,
            ocsp::OcspOutcome::Revoked { at, reason, .. } => {
                let d = format!("since {}", crate::time::format_time(at));
                match reason {
                    Some(r) if r.is_certificate_hold() => Revocation::Hold(d),
                    Some(r) => Revocation::Revoked(format!("{d}, reason {r:?}")),
                    None => Revocation::Revoked(d),
                }
            }
            ocsp::OcspOutcome::Unknown => {
                Revocation::Invalid("the responder does not know the certificate".into())
            }
            ocsp::OcspOutcome::Invalid(why) => Revocation::Invalid(why),
        }
    }
}

struct GpuResult {
    name: String,
    checks: Vec<Check>,
    facts: Vec<(String, String)>,
    certified_chip: Option<String>,
    feature_flag: Option<u64>,
    /// The report's signature verified with a leaf whose chain to the pinned root is valid:
    /// only then may a row pass on what the report says.
    authenticated: bool,
}

/// Rows that judge what the report says (its nonce, FWID, versions and measurements).
const REPORT_CONTENT: &[&str] = &[
    ids::NONCE,
    ids::FWID,
    ids::DRIVER_RIM,
    ids::VBIOS_RIM,
    ids::MEASUREMENTS,
];

/// A row about content nobody authenticated: a pass (or a warning) becomes a skip with the
/// reason; a failure stays, since the content is wrong anyway.
fn unauthenticated(c: &mut Check, why: &str) {
    if matches!(c.status, CheckStatus::Pass | CheckStatus::Warn) {
        c.status = CheckStatus::Skip;
        c.detail = format!(
            "not authenticated ({why}), so nothing it says is proven: {}",
            c.detail
        );
    }
}

fn mode_name(f: u64) -> String {
    match f {
        0 => "SPT".into(),
        1 => "MPT".into(),
        2 => "PPCIE".into(),
        n => format!("unknown({n})"),
    }
}

fn status_byte(b: u8) -> String {
    match b {
        0xAA => "enabled".into(),
        0x55 => "disabled".into(),
        n => format!("invalid(0x{n:02x})"),
    }
}

fn chain_status_text(s: &ChainStatus) -> String {
    match s {
        ChainStatus::Valid => "valid".into(),
        ChainStatus::Expired { subject, not_after } => {
            format!(
                "expired: '{subject}' notAfter {}",
                crate::time::format_time(*not_after)
            )
        }
        ChainStatus::NotYetValid {
            subject,
            not_before,
        } => {
            format!(
                "not yet valid: '{subject}' notBefore {}",
                crate::time::format_time(*not_before)
            )
        }
        ChainStatus::Invalid(why) => format!("invalid: {why}"),
    }
}

/// How a detail names the root a chain ended in: `production` for NVIDIA's, the test root's
/// own name (marked TEST) under `trust = "test"`.
fn root_label<'a>(
    root: &Certificate,
    production: &'a str,
    trust: Option<&str>,
) -> std::borrow::Cow<'a, str> {
    match trust {
        None => std::borrow::Cow::Borrowed(production),
        Some(label) => std::borrow::Cow::Owned(format!(
            "the root '{}' ({label})",
            root.subject_cn.as_deref().unwrap_or("no CN")
        )),
    }
}

/// The chip a Hopper leaf certificate names: SAN otherName `NVIDIA:GH100:<id>` or a CN that
/// starts with `GH100`.
fn certified_chip(leaf: &Certificate) -> Option<String> {
    for s in &leaf.san_other_names {
        let mut parts = s.split(':');
        if let (Some("NVIDIA"), Some(chip)) = (parts.next(), parts.next()) {
            return Some(chip.to_string());
        }
    }
    leaf.subject_cn
        .as_deref()
        .and_then(|cn| cn.split_whitespace().next())
        .filter(|w| w.starts_with("GH") || w.starts_with("GB"))
        .map(str::to_string)
}

/// The FWID in a TCG DICE TcbInfo extension: the last 48-byte OCTET STRING in its DER tree
/// (read with the strict [`crate::der`] reader; anything that is not DER has no FWID).
fn dice_fwid(ext: &[u8]) -> Option<Vec<u8>> {
    fn walk(data: &[u8], depth: usize, found: &mut Option<Vec<u8>>) -> Option<()> {
        if depth > 8 {
            return None;
        }
        let mut r = der::Reader::new(data);
        while !r.is_empty() {
            let t = r.read_any("TcbInfo").ok()?;
            if t.tag & 0x20 != 0 {
                walk(t.content, depth + 1, found)?;
            } else if t.tag == der::TAG_OCTET_STRING && t.content.len() == 48 {
                *found = Some(t.content.to_vec());
            }
        }
        Some(())
    }
    let mut found = None;
    walk(ext, 0, &mut found)?;
    found
}

fn decode_item(item: &GpuEvidence) -> Result<(Vec<u8>, Vec<Arc<Certificate>>), String> {
    let b64 = base64::engine::general_purpose::STANDARD;
    let raw = b64
        .decode(item.evidence.trim())
        .map_err(|e| format!("evidence is not standard base64: {e}"))?;
    if raw.is_empty() {
        return Err("evidence is empty".into());
    }
    let pem = b64
        .decode(item.certificate.trim())
        .map_err(|e| format!("certificate is not standard base64: {e}"))?;
    let certs =
        Certificate::from_pem_bundle(&pem).map_err(|e| format!("certificate chain: {e}"))?;
    Ok((raw, certs.into_iter().map(Arc::new).collect()))
}

/// Parses the io.net `gpu` object: `{nonce, arch, evidence_list, claims_version}`; the agent's
/// failure shapes (`{error}`, `{status}`) are reported as such.
fn parse_gpu_object(
    json: &[u8],
    expected_nonce: &[u8; 32],
) -> Result<(Vec<GpuEvidence>, String, Option<String>), String> {
    if json.len() > MAX_GPU_JSON {
        return Err(format!("gpu object larger than {MAX_GPU_JSON} bytes"));
    }
    let v: Value = crate::limits::json_from_slice(json, "the gpu object")?;
    let Some(obj) = v.as_object() else {
        return Err("gpu is not a JSON object".into());
    };
    if let Some(e) = obj.get("error") {
        return Err(format!(
            "the agent reported a GPU error instead of evidence: {e}"
        ));
    }
    if let Some(s) = obj.get("status")
        && !obj.contains_key("evidence_list")
    {
        return Err(format!("the agent reported no GPU evidence: {s}"));
    }
    let nonce = obj
        .get("nonce")
        .and_then(Value::as_str)
        .ok_or("gpu.nonce is missing or not a string")?;
    let echo_problem = (!nonce.eq_ignore_ascii_case(&hex::encode(expected_nonce))).then(|| {
        format!(
            "gpu.nonce echo {nonce:?} differs from the expected {}",
            hex::encode(expected_nonce)
        )
    });
    let arch = obj
        .get("arch")
        .and_then(Value::as_str)
        .ok_or("gpu.arch is missing or not a string")?
        .to_string();
    let list = obj
        .get("evidence_list")
        .and_then(Value::as_array)
        .ok_or("gpu.evidence_list is missing or not an array")?;
    if list.len() > MAX_GPUS {
        return Err(format!(
            "{} evidence entries, more than {MAX_GPUS}",
            list.len()
        ));
    }
    let mut items = Vec::with_capacity(list.len());
    let mut echo_problem = echo_problem;
    for (i, e) in list.iter().enumerate() {
        let get = |k: &str| {
            e.get(k)
                .and_then(Value::as_str)
                .map(str::to_string)
                .ok_or_else(|| format!("evidence_list[{i}].{k} is missing or not a string"))
        };
        // Production evidence carries a nonce echo per entry: like the envelope's, it proves
        // nothing, but a different one means tampering or a mix-up.
        match e.get("nonce") {
            None | Some(Value::Null) => {}
            Some(Value::String(n)) if n.eq_ignore_ascii_case(&hex::encode(expected_nonce)) => {}
            Some(other) => {
                echo_problem.get_or_insert_with(|| {
                    format!(
                        "evidence_list[{i}].nonce echo {other} differs from the expected {}",
                        hex::encode(expected_nonce)
                    )
                });
            }
        }
        items.push(GpuEvidence {
            evidence: get("evidence")?,
            certificate: get("certificate")?,
        });
    }
    Ok((items, arch, echo_problem))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gpu(name: &str, flag: Option<u64>) -> GpuResult {
        GpuResult {
            name: name.into(),
            checks: Vec::new(),
            facts: Vec::new(),
            certified_chip: Some("GH100".into()),
            feature_flag: flag,
            authenticated: true,
        }
    }

    #[test]
    fn mixed_spt_and_mpt_fail_the_mode_check() {
        let v = GpuVerifier::default();
        let verdict = v.finish_with(
            Vec::new(),
            vec![gpu("gpu0", Some(0)), gpu("gpu1", Some(1))],
            Some("HOPPER".into()),
            &[0u8; 32],
            2,
        );
        let mode = verdict.check(ids::MODE).unwrap();
        assert_eq!(mode.status, CheckStatus::Fail, "{}", mode.detail);
        assert!(mode.detail.contains("gpu0=SPT") && mode.detail.contains("gpu1=MPT"));
        for flags in [
            [Some(1), Some(1)],
            [Some(2), Some(2)],
            [None, None],
            [Some(0), None],
        ] {
            let verdict = v.finish_with(
                Vec::new(),
                vec![gpu("gpu0", flags[0]), gpu("gpu1", flags[1])],
                Some("HOPPER".into()),
                &[0u8; 32],
                2,
            );
            assert_eq!(
                verdict.check(ids::MODE).unwrap().status,
                CheckStatus::Pass,
                "{flags:?}"
            );
        }
        // A certificate for another chip fails the architecture check.
        let mut other = gpu("gpu0", None);
        other.certified_chip = Some("GB100".into());
        let verdict = v.finish_with(
            Vec::new(),
            vec![other],
            Some("HOPPER".into()),
            &[0u8; 32],
            1,
        );
        assert_eq!(verdict.check(ids::ARCH).unwrap().status, CheckStatus::Fail);
    }

    #[test]
    fn dice_fwid_of_sample_leaf() {
        let chain = Certificate::from_pem_bundle(include_bytes!(
            "../../../tests/vectors/gpu/nvidia/hopperCertChain.txt"
        ))
        .unwrap();
        let fwid = dice_fwid(chain[0].dice_tcb_info.as_deref().unwrap()).unwrap();
        assert_eq!(fwid.len(), 48);
        assert_eq!(certified_chip(&chain[0]).as_deref(), Some("GH100"));
        assert!(dice_fwid(&[0x30, 0x81]).is_none());
    }
}
