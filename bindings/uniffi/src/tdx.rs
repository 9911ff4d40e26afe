//! `verifyTdx`: Intel TDX quotes (the `cpu.quote` of an io.net attestation) with Intel
//! collateral, over [`ccverify::tdx::verify_tdx_with`]. Only the options record is converted
//! here: the policy fields are read by the core's [`ccverify::tdx::TdxPolicy`] schema, so hex
//! decoding, the known TCB status names and every default are the core's.

use std::time::{Duration, SystemTime};

use crate::{CcverifyError, Verdict, core_time};

/// The TDX part of a `Policy` (and the policy of `verifyTdx`). Every field has a default; the
/// defaults are the core's strict policy (UpToDate only, no debug TDs, measurements reported but
/// not pinned). Hex values may start with `0x`; `loadPolicy` gives them lowercase without it.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct TdxPolicy {
    /// Accepted TCB statuses, as Intel spells them (`UpToDate`, `SWHardeningNeeded`, …).
    /// Unset: `UpToDate` only. `Revoked` and unknown names are an `InvalidArgument` error.
    #[uniffi(default = None)]
    pub accepted_tcb_statuses: Option<Vec<String>>,
    /// Advisory ids (`INTEL-SA-…`) that fail `tdx.tcb_status` when the platform is affected.
    #[uniffi(default)]
    pub rejected_advisories: Vec<String>,
    /// Accept debug or profiling TDs (never in production).
    #[uniffi(default = false)]
    pub allow_debug: bool,
    /// The exact TDATTRIBUTES, 16 hex digits as in the quote. Unset: not pinned.
    #[uniffi(default = None)]
    pub td_attributes: Option<String>,
    /// Allowed MRTD values (96 hex digits each). Empty: not pinned.
    #[uniffi(default)]
    pub mrtd: Vec<String>,
    /// Allowed RTMR0 values (96 hex digits each).
    #[uniffi(default)]
    pub rtmr0: Vec<String>,
    /// Allowed RTMR1 values (96 hex digits each).
    #[uniffi(default)]
    pub rtmr1: Vec<String>,
    /// Allowed RTMR2 values (96 hex digits each).
    #[uniffi(default)]
    pub rtmr2: Vec<String>,
    /// Allowed RTMR3 values (96 hex digits each).
    #[uniffi(default)]
    pub rtmr3: Vec<String>,
    /// Allowed MRSEAM (TDX module) values (96 hex digits each).
    #[uniffi(default)]
    pub mrseam: Vec<String>,
    /// Allowed XFAM values (16 hex digits each).
    #[uniffi(default)]
    pub xfam: Vec<String>,
    /// Refuse collateral whose TCB Info or QE Identity was issued longer ago than this before
    /// the verification time (whole seconds count). Unset: only Intel's own validity windows.
    #[uniffi(default = None)]
    pub max_collateral_age: Option<Duration>,
    /// The minimum TCB evaluation data number (Intel's TCB-recovery counter). Negative:
    /// `InvalidArgument`.
    #[uniffi(default = None)]
    pub min_tcb_eval_data_number: Option<i32>,
    /// Allowed MRCONFIGID values (96 hex digits each). Empty: not pinned.
    #[uniffi(default)]
    pub mrconfigid: Vec<String>,
    /// Allowed MROWNER values (96 hex digits each). Empty: not pinned.
    #[uniffi(default)]
    pub mrowner: Vec<String>,
    /// Allowed MROWNERCONFIG values (96 hex digits each). Empty: not pinned.
    #[uniffi(default)]
    pub mrownerconfig: Vec<String>,
    /// Allowed MRSIGNERSEAM values (96 hex digits each). Unset: zero only (Intel's own TDX
    /// module); empty: not pinned.
    #[uniffi(default = None)]
    pub mrsignerseam: Option<Vec<String>>,
    /// Allowed SEAMATTRIBUTES values (16 hex digits each). Unset: zero only; empty: not
    /// pinned.
    #[uniffi(default = None)]
    pub seam_attributes: Option<Vec<String>>,
    /// Allowed FMSPC values (12 hex digits each: the platform family of the PCK
    /// certificate). Empty: not pinned.
    #[uniffi(default)]
    pub fmspc: Vec<String>,
    /// The minimum TEE_TCB_SVN (32 hex digits), compared byte by byte. Unset: no minimum.
    #[uniffi(default = None)]
    pub min_tee_tcb_svn: Option<String>,
    /// The QE vendor id the quote must name (32 hex digits). Unset: Intel's.
    #[uniffi(default = None)]
    pub qe_vendor_id: Option<String>,
    /// Require the SEPT_VE_DISABLE TD attribute (default true).
    #[uniffi(default = true)]
    pub require_sept_ve_disable: bool,
}

impl TdxPolicy {
    /// The core policy, read from its document form by the core's
    /// [`ccverify::tdx::TdxPolicy`] schema (which decodes the hex and checks the status
    /// names). Errors: `InvalidArgument` for bad hex or a wrong length in an allowlist or
    /// `tdAttributes`, an unknown (or `Revoked`) TCB status name, or a negative number.
    pub(crate) fn into_core(self) -> Result<ccverify::tdx::TdxPolicy, CcverifyError> {
        use ccverify::Options as _;
        Ok(ccverify::tdx::TdxPolicy::from_value(self.document())?)
    }

    /// The policy's document form (snake_case keys, as in policy files).
    pub(crate) fn document(self) -> serde_json::Value {
        let mut policy = serde_json::json!({
            "rejected_advisories": self.rejected_advisories,
            "allow_debug": self.allow_debug,
            "td_attributes": self.td_attributes,
            "mrtd": self.mrtd,
            "rtmr0": self.rtmr0,
            "rtmr1": self.rtmr1,
            "rtmr2": self.rtmr2,
            "rtmr3": self.rtmr3,
            "mrseam": self.mrseam,
            "xfam": self.xfam,
            "max_collateral_age_secs": self.max_collateral_age.map(|d| d.as_secs()),
            "min_tcb_eval_data_number": self.min_tcb_eval_data_number,
            "mrconfigid": self.mrconfigid,
            "mrowner": self.mrowner,
            "mrownerconfig": self.mrownerconfig,
            "mrsignerseam": self.mrsignerseam,
            "seam_attributes": self.seam_attributes,
            "fmspc": self.fmspc,
            "min_tee_tcb_svn": self.min_tee_tcb_svn,
            "qe_vendor_id": self.qe_vendor_id,
            "require_sept_ve_disable": self.require_sept_ve_disable,
        });
        if let Some(statuses) = self.accepted_tcb_statuses {
            policy["accepted_tcb_statuses"] = statuses.into();
        }
        policy
    }
}

impl From<ccverify::tdx::TdxPolicy> for TdxPolicy {
    fn from(p: ccverify::tdx::TdxPolicy) -> Self {
        fn hex(bytes: &[u8]) -> String {
            bytes.iter().map(|b| format!("{b:02x}")).collect()
        }
        fn list<const N: usize>(values: &[[u8; N]]) -> Vec<String> {
            values.iter().map(|v| hex(v)).collect()
        }
        TdxPolicy {
            accepted_tcb_statuses: Some(p.accepted_tcb_statuses),
            rejected_advisories: p.rejected_advisories,
            allow_debug: p.allow_debug,
            td_attributes: p.td_attributes.map(|a| hex(&a)),
            mrtd: list(&p.mrtd),
            rtmr0: list(&p.rtmr0),
            rtmr1: list(&p.rtmr1),
            rtmr2: list(&p.rtmr2),
            rtmr3: list(&p.rtmr3),
            mrseam: list(&p.mrseam),
            xfam: list(&p.xfam),
            max_collateral_age: p.max_collateral_age_secs.map(Duration::from_secs),
            min_tcb_eval_data_number: p
                .min_tcb_eval_data_number
                .map(|n| i32::try_from(n).unwrap_or(i32::MAX)),
            mrconfigid: list(&p.mrconfigid),
            mrowner: list(&p.mrowner),
            mrownerconfig: list(&p.mrownerconfig),
            mrsignerseam: Some(list(&p.mrsignerseam)),
            seam_attributes: Some(list(&p.seam_attributes)),
            fmspc: list(&p.fmspc),
            min_tee_tcb_svn: p.min_tee_tcb_svn.map(|v| hex(&v)),
            qe_vendor_id: Some(hex(&p.qe_vendor_id)),
            require_sept_ve_disable: p.require_sept_ve_disable,
        }
    }
}

/// Options of `verifyTdx`: what REPORTDATA must be, the verification time and the appraisal
/// policy. Every field has a default (`TdxOptions()`).
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct TdxOptions {
    /// The nonce you sent to the attestation endpoint (hex, normalised as the agent does):
    /// REPORTDATA must be the nonce followed by 32 zero bytes (io.net's rule). Exclusive with
    /// `reportData`. With neither, `tdx.report_data` is skipped and the verdict is not verified.
    #[uniffi(default = None)]
    pub nonce: Option<String>,
    /// The exact expected REPORTDATA, 128 hex digits. Exclusive with `nonce`.
    #[uniffi(default = None)]
    pub report_data: Option<String>,
    /// The verification time (Kotlin `Instant`, Swift `Date`; whole seconds count). Unset: the
    /// system clock at the call.
    #[uniffi(default = None)]
    pub at: Option<SystemTime>,
    /// The appraisal policy. Default: the core's strict one.
    #[uniffi(default)]
    pub policy: TdxPolicy,
    /// The roots to trust. Unset (the default): the production roots. Anything else adds a
    /// `trust.anchors` warning to the verdict (see `Trust`).
    #[uniffi(default = None)]
    pub trust: Option<crate::report::Trust>,
}

impl TdxOptions {
    /// The core options. Errors: those of [`TdxPolicy::into_core`].
    fn into_core(self) -> Result<ccverify::tdx::TdxOptions, CcverifyError> {
        Ok(ccverify::tdx::TdxOptions {
            nonce: self.nonce,
            report_data: self.report_data,
            at: self.at.map(core_time),
            trust: crate::report::Trust::into_core(self.trust)?,
            policy: self.policy.into_core()?,
        })
    }
}

/// Verifies an Intel TDX quote — io.net's `cpu.quote` (the hex text's bytes, with or without
/// `0x`) or the raw binary quote — with Intel's collateral for it (the bytes of dcap-qvl's
/// `QuoteCollateralV3` JSON: TCB Info, QE Identity, CRLs and their chains). Offline: nothing is
/// fetched. The TD's measurements, TCB status and collateral dates are in `facts`
/// (`tdx.mrtd`, `tdx.tcb_status`, …).
///
/// Bad evidence is never an error: it is a failed check. Errors: `InvalidNonce` for a nonce the
/// agent would refuse; `InvalidArgument` for a bad `reportData`, both `nonce` and
/// `reportData`, bad hex or a wrong length in `tdAttributes` or an allowlist, or an unknown
/// (or `Revoked`) TCB status name.
#[uniffi::export(default(options))]
pub fn verify_tdx(
    quote: Vec<u8>,
    collateral: Vec<u8>,
    options: TdxOptions,
) -> Result<Verdict, CcverifyError> {
    let options = options.into_core()?;
    Ok(ccverify::tdx::verify_tdx_with(&quote, &collateral, &options)?.into())
}

/// `verifyTdx` with the options as JSON text in the shared document form (snake_case keys, as
/// in the C ABI and the conformance vectors: `nonce`, `at`, `accepted_tcb_statuses`, …;
/// unknown keys are an `InvalidArgument` error).
#[uniffi::export]
pub fn verify_tdx_json(
    quote: Vec<u8>,
    collateral: Vec<u8>,
    options_json: String,
) -> Result<Verdict, CcverifyError> {
    let options = <ccverify::tdx::TdxOptions as ccverify::Options>::from_json(&options_json)?;
    Ok(ccverify::tdx::verify_tdx_with(&quote, &collateral, &options)?.into())
}

#[cfg(test)]
mod tests {
    use super::{TdxOptions, TdxPolicy};
    use std::time::{Duration, UNIX_EPOCH};

    /// `TdxPolicy()` in Kotlin and Swift: must repeat the `#[uniffi(default)]` attributes.
    fn foreign_policy() -> TdxPolicy {
        TdxPolicy {
            accepted_tcb_statuses: None,
            rejected_advisories: vec![],
            allow_debug: false,
            td_attributes: None,
            mrtd: vec![],
            rtmr0: vec![],
            rtmr1: vec![],
            rtmr2: vec![],
            rtmr3: vec![],
            mrseam: vec![],
            xfam: vec![],
            max_collateral_age: None,
            min_tcb_eval_data_number: None,
            mrconfigid: vec![],
            mrowner: vec![],
            mrownerconfig: vec![],
            mrsignerseam: None,
            seam_attributes: None,
            fmspc: vec![],
            min_tee_tcb_svn: None,
            qe_vendor_id: None,
            require_sept_ve_disable: true,
        }
    }

    /// `TdxOptions()` in Kotlin and Swift.
    fn foreign_default() -> TdxOptions {
        TdxOptions {
            nonce: None,
            report_data: None,
            at: None,
            policy: foreign_policy(),
            trust: None,
        }
    }

    #[test]
    fn record_defaults_are_the_core_defaults() {
        assert_eq!(
            foreign_default().into_core().unwrap(),
            ccverify::tdx::TdxOptions::default()
        );
    }

    #[test]
    fn every_policy_field_reaches_the_core() {
        let m = |b: u8| hex_of(&[b; 48]);
        let policy = TdxPolicy {
            accepted_tcb_statuses: Some(vec!["UpToDate".into(), "SWHardeningNeeded".into()]),
            rejected_advisories: vec!["INTEL-SA-00837".into(), "quote\"and\\é".into()],
            allow_debug: true,
            td_attributes: Some("0x0000001000000000".into()),
            mrtd: vec![m(1), m(2)],
            rtmr0: vec![m(3)],
            rtmr1: vec![m(4)],
            rtmr2: vec![m(5)],
            rtmr3: vec![m(6)],
            mrseam: vec![m(7)],
            xfam: vec!["E702060000000000".into()],
            max_collateral_age: Some(Duration::from_secs(u64::MAX)),
            min_tcb_eval_data_number: Some(i32::MAX),
            mrconfigid: vec![m(8)],
            mrowner: vec![m(9)],
            mrownerconfig: vec![m(10)],
            mrsignerseam: Some(vec![m(11), m(0)]),
            seam_attributes: Some(vec![]),
            fmspc: vec!["90c06f000000".into()],
            min_tee_tcb_svn: Some("03".repeat(16)),
            qe_vendor_id: Some("00".repeat(16)),
            require_sept_ve_disable: false,
        };
        let options = TdxOptions {
            nonce: Some("ab".into()),
            at: Some(UNIX_EPOCH + Duration::from_secs(1_750_400_000)),
            policy: policy.clone(),
            ..foreign_default()
        };
        let core = options.into_core().unwrap();
        assert_eq!(core.nonce.as_deref(), Some("ab"));
        assert_eq!(
            core.at,
            Some(ccverify::time::Time::from_unix(1_750_400_000))
        );
        let p = core.policy;
        assert_eq!(p.accepted_tcb_statuses, ["UpToDate", "SWHardeningNeeded"]);
        assert_eq!(p.rejected_advisories, ["INTEL-SA-00837", "quote\"and\\é"]);
        assert!(p.allow_debug);
        assert_eq!(p.td_attributes, Some([0, 0, 0, 0x10, 0, 0, 0, 0]));
        assert_eq!(p.mrtd, [[1; 48], [2; 48]]);
        assert_eq!(
            [
                p.rtmr0.clone(),
                p.rtmr1.clone(),
                p.rtmr2.clone(),
                p.rtmr3.clone(),
                p.mrseam.clone()
            ],
            [[[3; 48]], [[4; 48]], [[5; 48]], [[6; 48]], [[7; 48]]].map(Vec::from)
        );
        assert_eq!(p.xfam, [[0xe7, 0x02, 0x06, 0, 0, 0, 0, 0]]);
        assert_eq!(p.max_collateral_age_secs, Some(u64::MAX));
        assert_eq!(p.min_tcb_eval_data_number, Some(i32::MAX as u32));
        assert_eq!(
            [
                p.mrconfigid.clone(),
                p.mrowner.clone(),
                p.mrownerconfig.clone()
            ],
            [[[8; 48]], [[9; 48]], [[10; 48]]].map(Vec::from)
        );
        assert_eq!(p.mrsignerseam, [[11; 48], [0; 48]]);
        assert!(p.seam_attributes.is_empty());
        assert_eq!(p.fmspc, [[0x90, 0xc0, 0x6f, 0, 0, 0]]);
        assert_eq!(p.min_tee_tcb_svn, Some([3; 16]));
        assert_eq!(p.qe_vendor_id, [0; 16]);
        assert!(!p.require_sept_ve_disable);
        // Back to the record: every value, hex normalised to lowercase without `0x`.
        let back = TdxPolicy::from(p);
        assert_eq!(back.td_attributes.as_deref(), Some("0000001000000000"));
        assert_eq!(back.xfam, ["e702060000000000"]);
        assert_eq!(
            TdxPolicy {
                td_attributes: policy.td_attributes.clone(),
                xfam: policy.xfam.clone(),
                ..back.clone()
            },
            policy
        );
        assert_eq!(TdxPolicy::from(back.clone().into_core().unwrap()), back);
    }

    #[test]
    fn bad_policy_values_are_invalid_arguments() {
        let bad = [
            TdxPolicy {
                mrtd: vec!["zz".repeat(48)],
                ..foreign_policy()
            },
            TdxPolicy {
                rtmr2: vec!["00".into()],
                ..foreign_policy()
            },
            TdxPolicy {
                xfam: vec!["00".repeat(48)],
                ..foreign_policy()
            },
            TdxPolicy {
                td_attributes: Some(String::new()),
                ..foreign_policy()
            },
            TdxPolicy {
                accepted_tcb_statuses: Some(vec!["Revoked".into()]),
                ..foreign_policy()
            },
            TdxPolicy {
                accepted_tcb_statuses: Some(vec!["Fine\"".into()]),
                ..foreign_policy()
            },
            TdxPolicy {
                min_tcb_eval_data_number: Some(-1),
                ..foreign_policy()
            },
        ];
        for policy in bad {
            let e = policy.clone().into_core().unwrap_err();
            assert_eq!(e.code(), "invalid_argument", "{policy:?}: {e}");
        }
    }

    fn hex_of(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }
}
