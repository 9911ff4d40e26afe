//! `verifyReport`, `verifyBundle`, `loadPolicy` and `policyPresets`: whole io.net attestations
//! (the `/v1/private/attestation` answer) and offline evidence bundles, over
//! [`ccverify::report::verify_report`] and [`ccverify::bundle::verify_bundle`]. Only the options
//! records are converted here: the policy text goes to [`ccverify::policy::Policy::parse`], so
//! the presets, the JSON and TOML forms and every default are the core's.

use ccverify::policy::Policy;

use crate::{CcverifyError, Verdict};

/// Options of `verifyReport`: the nonce you sent, where the RIMs, OCSP responses and Intel
/// collateral are, the verification time and the appraisal policy. Only the nonce is required;
/// the other defaults are the core's `default` policy, offline inputs only.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct ReportOptions {
    /// The nonce you sent to the attestation endpoint (hex, normalised as the agent does). The
    /// JSON echo must equal it exactly, and the GPU reports and the TDX REPORTDATA must hold it.
    pub nonce: String,
    /// The appraisal policy as text: JSON, TOML or a preset name (`default`, `offline`,
    /// `strict`; see `policyPresets`). Unset: the `default` preset.
    #[uniffi(default = None)]
    pub policy: Option<String>,
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
    /// The verification time in Unix seconds. Unset: the system clock at the call.
    #[uniffi(default = None)]
    pub at_unix_seconds: Option<i64>,
}

impl ReportOptions {
    /// The core options. Errors: `InvalidArgument` for a policy the core refuses.
    fn into_core(self) -> Result<ccverify::report::ReportOptions, CcverifyError> {
        Ok(ccverify::report::ReportOptions {
            nonce: self.nonce,
            rim_dir: self.rim_dir,
            ocsp_dir: self.ocsp_dir,
            collateral: self.collateral.map(String::into_bytes),
            at: self.at_unix_seconds.map(ccverify::time::Time::from_unix),
            policy: match self.policy {
                Some(text) => Policy::parse(&text)?,
                None => Policy::default(),
            },
        })
    }
}

/// Options of `verifyBundle`: the verification time and policy. The defaults are now and the
/// `default` preset: a bundle is untrusted input, so its own time and policy apply only when
/// asked for (`atRecorded`, `policy = "recorded"`), and the verdict then warns
/// (`bundle.inputs`).
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct BundleOptions {
    /// The verification time in Unix seconds. Unset: now.
    #[uniffi(default = None)]
    pub at_unix_seconds: Option<i64>,
    /// Use the time the bundle says it was verified at (a value its writer chose). Exclusive
    /// with `atUnixSeconds`.
    #[uniffi(default = false)]
    pub at_recorded: bool,
    /// The appraisal policy as text: JSON, TOML, a preset name, or `"recorded"` for the
    /// policy stored in the bundle (its writer could have relaxed it). Unset: the `default`
    /// preset.
    #[uniffi(default = None)]
    pub policy: Option<String>,
}

impl BundleOptions {
    /// The core options. Errors: `InvalidArgument` for a policy the core refuses or both
    /// `atUnixSeconds` and `atRecorded`.
    fn into_core(self) -> Result<ccverify::bundle::BundleOptions, CcverifyError> {
        use ccverify::bundle::{BundlePolicy, BundleTime};
        let at = match (self.at_unix_seconds, self.at_recorded) {
            (Some(_), true) => {
                return Err(ccverify::Error::InvalidArgument(
                    "give atUnixSeconds or atRecorded, not both".into(),
                )
                .into());
            }
            (Some(t), false) => BundleTime::At(ccverify::time::Time::from_unix(t)),
            (None, true) => BundleTime::Recorded,
            (None, false) => BundleTime::Now,
        };
        Ok(ccverify::bundle::BundleOptions {
            at,
            policy: match self.policy.as_deref() {
                None => BundlePolicy::default(),
                Some(text) => BundlePolicy::parse(text)?,
            },
        })
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

/// Parses a policy — JSON, TOML or a preset name — and returns it as normalised JSON, every
/// field explicit (what `verifyReport` will apply). Unknown keys are refused, so a typo cannot
/// silently weaken a policy. Errors: `InvalidArgument` with the reason.
#[uniffi::export]
pub fn load_policy(text: String) -> Result<String, CcverifyError> {
    Ok(Policy::parse(&text)?.to_json())
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
    use super::{BundleOptions, ReportOptions};
    use ccverify::policy::Policy;

    /// `ReportOptions(nonce)` in Kotlin and Swift: must repeat the `#[uniffi(default)]`
    /// attributes.
    fn foreign_default(nonce: &str) -> ReportOptions {
        ReportOptions {
            nonce: nonce.into(),
            policy: None,
            rim_dir: None,
            ocsp_dir: None,
            collateral: None,
            at_unix_seconds: None,
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
            BundleOptions {
                at_unix_seconds: None,
                at_recorded: false,
                policy: None
            }
            .into_core()
            .unwrap(),
            ccverify::bundle::BundleOptions::default()
        );
    }

    #[test]
    fn every_field_reaches_the_core() {
        let core = ReportOptions {
            policy: Some("strict".into()),
            rim_dir: Some("rims".into()),
            ocsp_dir: Some("ocsp".into()),
            collateral: Some("{}".into()),
            at_unix_seconds: Some(1_750_400_000),
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
                policy: Policy::preset("strict").unwrap(),
            }
        );
        let core = BundleOptions {
            at_unix_seconds: Some(-1),
            at_recorded: false,
            policy: Some("offline = true\n[gpu]\nexpected_count = 8\n".into()),
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
        assert!(policy.offline);
        assert_eq!(policy.gpu.expected_count, Some(8));
        let recorded = BundleOptions {
            at_unix_seconds: None,
            at_recorded: true,
            policy: Some("recorded".into()),
        }
        .into_core()
        .unwrap();
        assert_eq!(recorded.at, ccverify::bundle::BundleTime::Recorded);
        assert_eq!(recorded.policy, ccverify::bundle::BundlePolicy::Recorded);
        let both = BundleOptions {
            at_unix_seconds: Some(1),
            at_recorded: true,
            policy: None,
        };
        assert_eq!(both.into_core().unwrap_err().code(), "invalid_argument");
    }

    #[test]
    fn bad_policies_are_invalid_arguments() {
        for bad in ["lenient", "{\"offlne\": true}", "{", "offline = 1"] {
            let e = ReportOptions {
                policy: Some(bad.into()),
                ..foreign_default("ab")
            }
            .into_core()
            .unwrap_err();
            assert_eq!(e.code(), "invalid_argument", "{bad}: {e}");
            let e = BundleOptions {
                at_unix_seconds: None,
                at_recorded: false,
                policy: Some(bad.into()),
            }
            .into_core()
            .unwrap_err();
            assert_eq!(e.code(), "invalid_argument", "{bad}: {e}");
            assert_eq!(
                super::load_policy(bad.into()).unwrap_err().code(),
                "invalid_argument"
            );
        }
    }

    #[test]
    fn presets_load_and_round_trip() {
        for name in super::policy_presets() {
            let json = super::load_policy(name.clone()).unwrap();
            assert_eq!(
                <Policy as ccverify::Options>::from_json(&json).unwrap(),
                Policy::preset(&name).unwrap()
            );
            assert_eq!(super::load_policy(json.clone()).unwrap(), json);
        }
    }
}
