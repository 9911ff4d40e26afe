//! `verifyReport`, `verifyBundle`, `loadPolicy` and `policyPresets`: whole io.net attestations
//! (the `/v1/private/attestation` answer) and offline evidence bundles, over
//! [`ccverify::report::verify_report`] and [`ccverify::bundle::verify_bundle`]. Only the options
//! records are converted here: the policy text goes to [`ccverify::policy::Policy::parse`], so
//! the presets, the JSON and TOML forms and every default are the core's.

use std::time::SystemTime;

use crate::{CcverifyError, GpuPolicy, TdxPolicy, Verdict, core_time};

/// The appraisal policy of a whole attestation, typed. `Policy()` is the `default` preset;
/// `loadPolicy(text)` reads a preset name or a JSON/TOML policy document into this record, and
/// the record goes wherever a policy is taken (`ReportOptions`, `BundleOptions`,
/// `ClientConfig`). A value the core refuses (a malformed digest or hex value, an unknown TCB
/// status, a negative count) is an `InvalidArgument` error where the record is used.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct Policy {
    /// The preset the policy started from (informational; `default`, `offline` or `strict`).
    #[uniffi(default = "default")]
    pub preset: String,
    /// Fetch nothing from the network: a session fetches no RIMs, OCSP answers or Intel
    /// collateral (informational for the offline verifications, which never fetch).
    #[uniffi(default = false)]
    pub offline: bool,
    /// Accepted `image_digest` values (`sha256:` and 64 lowercase hex digits). Empty: the
    /// digest is only reported and `report.image_digest` warns.
    #[uniffi(default)]
    pub image_digests: Vec<String>,
    /// With no allowlist configured, fail `report.image_digest` instead of warning.
    #[uniffi(default = false)]
    pub require_image_digest: bool,
    /// Fail `report.key_binding` because io.net does not bind the signing key into the hardware
    /// evidence (default false: warned).
    #[uniffi(default = false)]
    pub require_key_binding: bool,
    /// The GPU appraisal.
    #[uniffi(default)]
    pub gpu: GpuPolicy,
    /// The TDX appraisal.
    #[uniffi(default)]
    pub tdx: TdxPolicy,
    /// The roots to trust. Unset (the default): NVIDIA's and Intel's production roots.
    /// `Trust.Test` trusts ccverify's TEST PKI (e.g. for `ccverify sandbox --evidence test`):
    /// it proves nothing about real hardware, and verdicts then carry a `trust.anchors` warning
    /// and say "TEST ROOTS". A bundle's recorded policy never selects the test roots.
    #[uniffi(default = None)]
    pub trust: Option<Trust>,
}

/// Which roots a verification trusts.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Enum)]
pub enum Trust {
    /// NVIDIA's device and RIM roots and Intel's SGX root CA, compiled in and pinned.
    Production,
    /// ccverify's TEST PKI, whose keys are public: proves nothing about real hardware.
    Test,
    /// A PEM file of your own root certificates (a private lab, a conformance suite): its
    /// P-256 root replaces Intel's, its P-384 roots NVIDIA's (device identity first, then RIM
    /// signing). Verdicts then carry a `trust.anchors` warning naming the file. A relative path
    /// is relative to the current directory. A file that cannot be read or holds no usable roots
    /// is an `InvalidArgument` error.
    AnchorFile {
        /// The file's path.
        path: String,
    },
}

impl Trust {
    /// The core's document form of an optional choice (an anchor file always as a file,
    /// whatever its name: the core's `file:` prefix).
    pub(crate) fn document(trust: Option<&Trust>) -> String {
        match trust {
            None | Some(Trust::Production) => "production".into(),
            Some(Trust::Test) => "test".into(),
            Some(Trust::AnchorFile { path }) => format!("{}{path}", ccverify::trust::FILE_PREFIX),
        }
    }

    /// The core's trust, read from its document form.
    pub(crate) fn into_core(trust: Option<Trust>) -> Result<ccverify::trust::Trust, CcverifyError> {
        Ok(Trust::document(trust.as_ref()).parse::<ccverify::trust::Trust>()?)
    }

    /// The binding's form of the core's trust (`None` for the production roots).
    pub(crate) fn from_core(trust: &ccverify::trust::Trust) -> Option<Trust> {
        match trust {
            ccverify::trust::Trust::Production => None,
            ccverify::trust::Trust::Test => Some(Trust::Test),
            ccverify::trust::Trust::Anchors(a) => Some(Trust::AnchorFile {
                path: a.source.clone(),
            }),
        }
    }
}

impl Policy {
    /// The core policy, read from its document form by the core's schema (the one every
    /// binding and policy file goes through). Errors: `InvalidArgument` with the reason.
    pub(crate) fn into_core(self) -> Result<ccverify::policy::Policy, CcverifyError> {
        // The GPU count is checked here (signed on the foreign side), the rest by the schema.
        let gpu = ccverify::gpu::GpuPolicy::try_from(self.gpu)?;
        let document = serde_json::json!({
            "preset": self.preset,
            "offline": self.offline,
            "image_digests": self.image_digests,
            "require_image_digest": self.require_image_digest,
            "require_key_binding": self.require_key_binding,
            "gpu": {
                "expected_count": gpu.expected_count,
                "expected_arch": gpu.expected_arch,
                "require_revocation": gpu.require_revocation,
                "require_rims": gpu.require_rims,
                "allow_expired_rims": gpu.allow_expired_rims,
                "allow_hold_for_rims": gpu.allow_hold_for_rims,
            },
            "tdx": self.tdx.document(),
            "trust": Trust::document(self.trust.as_ref()),
        });
        Ok(Policy::core_from_value(document)?)
    }

    fn core_from_value(
        document: serde_json::Value,
    ) -> Result<ccverify::policy::Policy, ccverify::Error> {
        <ccverify::policy::Policy as ccverify::Options>::from_value(document)
    }
}

impl From<ccverify::policy::Policy> for Policy {
    fn from(p: ccverify::policy::Policy) -> Self {
        Policy {
            preset: p.preset,
            offline: p.offline,
            image_digests: p.image_digests,
            require_image_digest: p.require_image_digest,
            require_key_binding: p.require_key_binding,
            gpu: p.gpu.into(),
            tdx: p.tdx.into(),
            trust: Trust::from_core(&p.trust),
        }
    }
}

/// Options of `verifyReport`: the nonce you sent, where the RIMs, OCSP responses and Intel
/// collateral are, the verification time and the appraisal policy. Only the nonce is required;
/// the other defaults are the core's `default` policy, offline inputs only.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct ReportOptions {
    /// The nonce you sent to the attestation endpoint (hex, normalised as the agent does). The
    /// JSON echo must equal it exactly, and the GPU reports and the TDX REPORTDATA must hold it.
    pub nonce: String,
    /// The appraisal policy (`loadPolicy("strict")` for a preset). Default: the `default`
    /// preset.
    #[uniffi(default)]
    pub policy: Policy,
    /// Directory of NVIDIA RIMs named by RIM id (`<id>`, `<id>.xml` or `<id>.swidtag`). Without
    /// it the RIM and measurement checks cannot run.
    #[uniffi(default = None)]
    pub rim_dir: Option<String>,
    /// Directory of cached DER OCSP responses (`*.der`, `*.ocsp`), matched by CertID.
    #[uniffi(default = None)]
    pub ocsp_dir: Option<String>,
    /// Intel collateral for the TDX quote: the text of dcap-qvl's `QuoteCollateralV3` JSON.
    /// Without it the quote's TCB and signature chain cannot be checked.
    #[uniffi(default = None)]
    pub collateral: Option<String>,
    /// The verification time (Kotlin `Instant`, Swift `Date`; whole seconds count). Unset: the
    /// system clock at the call.
    #[uniffi(default = None)]
    pub at: Option<SystemTime>,
}

impl ReportOptions {
    /// The core options. Errors: `InvalidArgument` for a policy the core refuses.
    fn into_core(self) -> Result<ccverify::report::ReportOptions, CcverifyError> {
        Ok(ccverify::report::ReportOptions {
            nonce: self.nonce,
            rim_dir: self.rim_dir,
            ocsp_dir: self.ocsp_dir,
            collateral: self.collateral.map(String::into_bytes),
            at: self.at.map(core_time),
            policy: self.policy.into_core()?,
        })
    }
}

/// Options of `verifyBundle`: the verification time and policy. The defaults are now and the
/// `default` preset: a bundle is untrusted input, so its own time and policy apply only when
/// asked for (`atRecorded`, `policyRecorded`), and the verdict then warns (`bundle.inputs`).
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct BundleOptions {
    /// The verification time (Kotlin `Instant`, Swift `Date`). Unset: now.
    #[uniffi(default = None)]
    pub at: Option<SystemTime>,
    /// Use the time the bundle says it was verified at (a value its writer chose). Exclusive
    /// with `at`.
    #[uniffi(default = false)]
    pub at_recorded: bool,
    /// The appraisal policy. Unset: the `default` preset.
    #[uniffi(default = None)]
    pub policy: Option<Policy>,
    /// Use the policy stored in the bundle (its writer could have relaxed it). Exclusive with
    /// `policy`.
    #[uniffi(default = false)]
    pub policy_recorded: bool,
}

impl BundleOptions {
    /// The core options. Errors: `InvalidArgument` for a policy the core refuses, or both a
    /// value and its `…Recorded` flag.
    pub(crate) fn into_core(self) -> Result<ccverify::bundle::BundleOptions, CcverifyError> {
        use ccverify::bundle::{BundlePolicy, BundleTime};
        let both = |what: &str| {
            CcverifyError::from(ccverify::Error::InvalidArgument(format!(
                "give {what} or {what}Recorded, not both"
            )))
        };
        let at = match (self.at, self.at_recorded) {
            (Some(_), true) => return Err(both("at")),
            (Some(t), false) => BundleTime::At(core_time(t)),
            (None, true) => BundleTime::Recorded,
            (None, false) => BundleTime::Now,
        };
        let policy = match (self.policy, self.policy_recorded) {
            (Some(_), true) => return Err(both("policy")),
            (Some(p), false) => BundlePolicy::Caller(p.into_core()?),
            (None, true) => BundlePolicy::Recorded,
            (None, false) => BundlePolicy::default(),
        };
        Ok(ccverify::bundle::BundleOptions { at, policy })
    }
}

/// Verifies a whole io.net attestation — the JSON bytes of the `/v1/private/attestation`
/// answer — for the nonce you sent: the nonce echo, every GPU report (see `verifyGpu`), the TDX
/// quote with REPORTDATA = nonce ‖ 32 zero bytes (see `verifyTdx`), the image digest against
/// the policy, the form of `signing_address` and whether the signing key is bound to the
/// hardware (for io.net it is not: warned, or failed under a policy requiring it). Offline:
/// RIMs, OCSP responses and collateral come only from `options`.
///
/// The verdict's `signer` is the attested signing address — the key to pin for the completions
/// that follow — and its `summary` fact says in plain words what is and is not proven.
///
/// Bad evidence is never an error: it is a failed check. Errors: `InvalidNonce` for a nonce the
/// agent would refuse; `InvalidArgument` for a policy the core refuses or a `rimDir` /
/// `ocspDir` that is not a readable directory.
#[uniffi::export]
pub fn verify_report(report: Vec<u8>, options: ReportOptions) -> Result<Verdict, CcverifyError> {
    let options = options.into_core()?;
    Ok(ccverify::report::verify_report(&report, &options)?.into())
}

/// `verifyReport` with the options as JSON text in the shared document form (snake_case keys,
/// as in the C ABI and the conformance vectors: `nonce`, `policy` (an object or text),
/// `rim_dir`, `collateral` (an object or text), `at`, …; unknown keys are an `InvalidArgument`
/// error).
#[uniffi::export]
pub fn verify_report_json(report: Vec<u8>, options_json: String) -> Result<Verdict, CcverifyError> {
    let options = <ccverify::report::ReportOptions as ccverify::Options>::from_json(&options_json)?;
    Ok(ccverify::report::verify_report(&report, &options)?.into())
}

/// Re-verifies an evidence bundle (the JSON bytes of a `ccverify-bundle/1` file: an
/// attestation, the RIMs, OCSP responses and collateral it was verified with, and signed
/// exchanges) offline, now under the `default` preset unless `options` says otherwise — never
/// under the bundle's own policy or time unless asked for. Exchange checks carry a `subject`
/// (`exchange0`, `exchange1`, …).
///
/// Bad evidence inside the bundle is a failed check. Errors: `InvalidArgument` for a file that
/// is not a bundle, or a policy the core refuses.
#[uniffi::export(default(options))]
pub fn verify_bundle(bundle: Vec<u8>, options: BundleOptions) -> Result<Verdict, CcverifyError> {
    let options = options.into_core()?;
    Ok(ccverify::bundle::verify_bundle(&bundle, &options)?.into())
}

/// `verifyBundle` with the options as JSON text in the shared document form (`at`: RFC 3339
/// text, Unix seconds or `"recorded"`; `policy`: an object, text or `"recorded"`; unknown keys
/// are an `InvalidArgument` error).
#[uniffi::export]
pub fn verify_bundle_json(bundle: Vec<u8>, options_json: String) -> Result<Verdict, CcverifyError> {
    let options = <ccverify::bundle::BundleOptions as ccverify::Options>::from_json(&options_json)?;
    Ok(ccverify::bundle::verify_bundle(&bundle, &options)?.into())
}

/// Reads a policy — a preset name (`policyPresets()`), or a JSON or TOML policy document
/// (snake_case keys, as in policy files) — into the typed record, every field resolved (what
/// `verifyReport` will apply). Unknown keys are refused, so a typo cannot silently weaken a
/// policy. Errors: `InvalidArgument` with the reason.
#[uniffi::export]
pub fn load_policy(text: String) -> Result<Policy, CcverifyError> {
    Ok(ccverify::policy::Policy::parse(&text)?.into())
}

/// The names of the policy presets, usable as the policy text: `default`, `offline`, `strict`.
#[uniffi::export]
pub fn policy_presets() -> Vec<String> {
    ccverify::policy::PRESETS
        .iter()
        .map(|p| (*p).to_string())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::{BundleOptions, Policy, ReportOptions};
    use crate::{GpuPolicy, TdxPolicy};
    use std::time::{Duration, UNIX_EPOCH};

    /// `Policy()` in Kotlin and Swift: must repeat the `#[uniffi(default)]` attributes.
    fn foreign_policy() -> Policy {
        Policy {
            preset: "default".into(),
            offline: false,
            image_digests: vec![],
            require_image_digest: false,
            require_key_binding: false,
            gpu: GpuPolicy::from(ccverify::gpu::GpuPolicy::default()),
            tdx: TdxPolicy {
                accepted_tcb_statuses: None,
                ..TdxPolicy::from(ccverify::tdx::TdxPolicy::default())
            },
            trust: None,
        }
    }

    /// `ReportOptions(nonce)` in Kotlin and Swift.
    fn foreign_default(nonce: &str) -> ReportOptions {
        ReportOptions {
            nonce: nonce.into(),
            policy: foreign_policy(),
            rim_dir: None,
            ocsp_dir: None,
            collateral: None,
            at: None,
        }
    }

    /// `BundleOptions()` in Kotlin and Swift.
    fn bundle_default() -> BundleOptions {
        BundleOptions {
            at: None,
            at_recorded: false,
            policy: None,
            policy_recorded: false,
        }
    }

    #[test]
    fn record_defaults_are_the_core_defaults() {
        assert_eq!(
            foreign_default("ab").into_core().unwrap(),
            ccverify::report::ReportOptions {
                nonce: "ab".into(),
                ..ccverify::report::ReportOptions::default()
            }
        );
        assert_eq!(
            bundle_default().into_core().unwrap(),
            ccverify::bundle::BundleOptions::default()
        );
        assert_eq!(
            foreign_policy().into_core().unwrap(),
            ccverify::policy::Policy::default()
        );
    }

    #[test]
    fn every_field_reaches_the_core() {
        let strict = super::load_policy("strict".into()).unwrap();
        let core = ReportOptions {
            policy: strict.clone(),
            rim_dir: Some("rims".into()),
            ocsp_dir: Some("ocsp".into()),
            collateral: Some("{}".into()),
            at: Some(UNIX_EPOCH + Duration::from_secs(1_750_400_000)),
            ..foreign_default("cd")
        }
        .into_core()
        .unwrap();
        assert_eq!(
            core,
            ccverify::report::ReportOptions {
                nonce: "cd".into(),
                rim_dir: Some("rims".into()),
                ocsp_dir: Some("ocsp".into()),
                collateral: Some(b"{}".to_vec()),
                at: Some(ccverify::time::Time::from_unix(1_750_400_000)),
                policy: ccverify::policy::Policy::preset("strict").unwrap(),
            }
        );
        let mut eight =
            super::load_policy("offline = true\n[gpu]\nexpected_count = 8\n".into()).unwrap();
        assert!(eight.offline);
        assert_eq!(eight.gpu.expected_count, Some(8));
        eight.image_digests = vec![format!("sha256:{}", "ab".repeat(32))];
        let core = BundleOptions {
            at: Some(UNIX_EPOCH - Duration::from_secs(1)),
            policy: Some(eight.clone()),
            ..bundle_default()
        }
        .into_core()
        .unwrap();
        assert_eq!(
            core.at,
            ccverify::bundle::BundleTime::At(ccverify::time::Time::from_unix(-1))
        );
        let ccverify::bundle::BundlePolicy::Caller(policy) = core.policy else {
            panic!("a given policy is the caller's");
        };
        assert_eq!(Policy::from(policy), eight);
        let recorded = BundleOptions {
            at_recorded: true,
            policy_recorded: true,
            ..bundle_default()
        }
        .into_core()
        .unwrap();
        assert_eq!(recorded.at, ccverify::bundle::BundleTime::Recorded);
        assert_eq!(recorded.policy, ccverify::bundle::BundlePolicy::Recorded);
        for both in [
            BundleOptions {
                at: Some(UNIX_EPOCH),
                at_recorded: true,
                ..bundle_default()
            },
            BundleOptions {
                policy: Some(foreign_policy()),
                policy_recorded: true,
                ..bundle_default()
            },
        ] {
            assert_eq!(both.into_core().unwrap_err().code(), "invalid_argument");
        }
    }

    #[test]
    fn bad_policies_are_invalid_arguments() {
        for bad in ["lenient", "{\"offlne\": true}", "{", "offline = 1"] {
            assert_eq!(
                super::load_policy(bad.into()).unwrap_err().code(),
                "invalid_argument"
            );
        }
        let bad_records = [
            Policy {
                preset: "lenient".into(),
                ..foreign_policy()
            },
            Policy {
                image_digests: vec!["sha256:xyz".into()],
                ..foreign_policy()
            },
            Policy {
                gpu: GpuPolicy {
                    expected_count: Some(-2),
                    ..foreign_policy().gpu
                },
                ..foreign_policy()
            },
            Policy {
                tdx: TdxPolicy {
                    mrtd: vec!["00".into()],
                    ..foreign_policy().tdx
                },
                ..foreign_policy()
            },
        ];
        for policy in bad_records {
            let e = ReportOptions {
                policy: policy.clone(),
                ..foreign_default("ab")
            }
            .into_core()
            .unwrap_err();
            assert_eq!(e.code(), "invalid_argument", "{policy:?}: {e}");
        }
    }

    #[test]
    fn presets_load_and_round_trip() {
        for name in super::policy_presets() {
            let typed = super::load_policy(name.clone()).unwrap();
            let core = ccverify::policy::Policy::preset(&name).unwrap();
            assert_eq!(typed.clone().into_core().unwrap(), core);
            assert_eq!(Policy::from(core), typed);
        }
    }
}
