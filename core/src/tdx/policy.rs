//! TDX appraisal policy. Defaults: UpToDate only, no debug, Intel's TDX module (MRSIGNERSEAM
//! and SEAMATTRIBUTES zero), Intel's QE, SEPT_VE_DISABLE set, not migratable, no service TD;
//! measurements reported but not pinned (a warning) until you give allowlists.

use dcap_qvl::quote::{TDAttributes, TDReport10};
use serde_json::Value;

use crate::Error;
use crate::verdict::CheckStatus;

/// (name, value in the report, allowed values) for the measurement check.
type MeasurementRow<'a> = (&'a str, &'a [u8], Vec<&'a [u8]>);

/// Every TCB status name Intel defines, as the collateral and `tdx.tcb_status` spell them.
pub const TCB_STATUSES: &[&str] = &[
    "UpToDate",
    "SWHardeningNeeded",
    "ConfigurationNeeded",
    "ConfigurationAndSWHardeningNeeded",
    "OutOfDate",
    "OutOfDateConfigurationNeeded",
    "TDRelaunchAdvised",
    "TDRelaunchAdvisedConfigurationNeeded",
    "Revoked",
];

/// What a relying party accepts for a TDX quote. Its JSON/TOML form has exactly these keys
/// (unknown keys are refused), each optional: a missing key keeps the default. Byte values are
/// hex (an optional `0x`).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TdxPolicy {
    /// Accepted TCB statuses (default `["UpToDate"]`). `Revoked` is never accepted.
    pub accepted_tcb_statuses: Vec<String>,
    /// Advisory ids (`INTEL-SA-…`) that fail the verdict when the platform is affected.
    pub rejected_advisories: Vec<String>,
    /// Accept debug or profiling TDs (default false; never do this in production).
    pub allow_debug: bool,
    /// Exact TDATTRIBUTES (8 bytes as in the quote), when pinned.
    #[serde(with = "crate::options::hex_bytes::opt")]
    pub td_attributes: Option<[u8; 8]>,
    /// Allowed MRTD values (48 bytes each); empty = not pinned.
    #[serde(with = "crate::options::hex_bytes::list")]
    pub mrtd: Vec<[u8; 48]>,
    /// Allowed RTMR0 values; empty = not pinned.
    #[serde(with = "crate::options::hex_bytes::list")]
    pub rtmr0: Vec<[u8; 48]>,
    /// Allowed RTMR1 values; empty = not pinned.
    #[serde(with = "crate::options::hex_bytes::list")]
    pub rtmr1: Vec<[u8; 48]>,
    /// Allowed RTMR2 values; empty = not pinned.
    #[serde(with = "crate::options::hex_bytes::list")]
    pub rtmr2: Vec<[u8; 48]>,
    /// Allowed RTMR3 values; empty = not pinned.
    #[serde(with = "crate::options::hex_bytes::list")]
    pub rtmr3: Vec<[u8; 48]>,
    /// Allowed MRSEAM (TDX module) values; empty = not pinned.
    #[serde(with = "crate::options::hex_bytes::list")]
    pub mrseam: Vec<[u8; 48]>,
    /// Allowed XFAM values (8 bytes); empty = not pinned.
    #[serde(with = "crate::options::hex_bytes::list")]
    pub xfam: Vec<[u8; 8]>,
    /// Refuse collateral whose TCB Info or QE Identity was issued longer ago than this.
    pub max_collateral_age_secs: Option<u64>,
    /// Minimum TCB evaluation data number (Intel's TCB-recovery counter).
    pub min_tcb_eval_data_number: Option<u32>,
    /// Allowed FMSPC values (6 bytes each: the platform family named by the PCK certificate);
    /// empty = not pinned. Checked under `tdx.tcb_status`.
    #[serde(with = "crate::options::hex_bytes::list")]
    pub fmspc: Vec<[u8; 6]>,
    /// Allowed MRCONFIGID values (48 bytes); empty = not pinned.
    #[serde(with = "crate::options::hex_bytes::list")]
    pub mrconfigid: Vec<[u8; 48]>,
    /// Allowed MROWNER values (48 bytes); empty = not pinned.
    #[serde(with = "crate::options::hex_bytes::list")]
    pub mrowner: Vec<[u8; 48]>,
    /// Allowed MROWNERCONFIG values (48 bytes); empty = not pinned.
    #[serde(with = "crate::options::hex_bytes::list")]
    pub mrownerconfig: Vec<[u8; 48]>,
    /// Allowed MRSIGNERSEAM values (48 bytes). Default: all zero, Intel's own TDX module;
    /// empty = not pinned (the TCB Info's module identity is still required by dcap-qvl).
    #[serde(with = "crate::options::hex_bytes::list")]
    pub mrsignerseam: Vec<[u8; 48]>,
    /// Allowed SEAMATTRIBUTES values (8 bytes). Default: all zero; empty = not pinned.
    #[serde(with = "crate::options::hex_bytes::list")]
    pub seam_attributes: Vec<[u8; 8]>,
    /// Minimum TEE_TCB_SVN (16 bytes): every byte of the quote's TEE_TCB_SVN must be at least
    /// the same byte of this value. Checked under `tdx.tcb_status`.
    #[serde(with = "crate::options::hex_bytes::opt")]
    pub min_tee_tcb_svn: Option<[u8; 16]>,
    /// The QE vendor id the quote must name (16 bytes). Default: Intel's
    /// (`939a7233f79c4ca9940a0db3957f0607`). Checked under `tdx.quote_signature`.
    #[serde(with = "crate::options::hex_bytes::one")]
    pub qe_vendor_id: [u8; 16],
    /// Require the SEPT_VE_DISABLE TD attribute (default true). When false, a TD without it is
    /// accepted with a warning (never a pass), and dcap-qvl 0.7.1, which refuses such a TD
    /// outright, leaves `tdx.tcb_status` not evaluated (skipped), so the quote is still not
    /// verified.
    pub require_sept_ve_disable: bool,
}

impl Default for TdxPolicy {
    fn default() -> Self {
        TdxPolicy {
            accepted_tcb_statuses: vec!["UpToDate".into()],
            rejected_advisories: Vec::new(),
            allow_debug: false,
            td_attributes: None,
            mrtd: Vec::new(),
            rtmr0: Vec::new(),
            rtmr1: Vec::new(),
            rtmr2: Vec::new(),
            rtmr3: Vec::new(),
            mrseam: Vec::new(),
            xfam: Vec::new(),
            max_collateral_age_secs: None,
            min_tcb_eval_data_number: None,
            fmspc: Vec::new(),
            mrconfigid: Vec::new(),
            mrowner: Vec::new(),
            mrownerconfig: Vec::new(),
            mrsignerseam: vec![[0; 48]],
            seam_attributes: vec![[0; 8]],
            min_tee_tcb_svn: None,
            qe_vendor_id: dcap_qvl::INTEL_QE_VENDOR_ID,
            require_sept_ve_disable: true,
        }
    }
}

/// The document form (the `--policy FILE` format and the C ABI's). All keys optional:
/// `accepted_tcb_statuses`, `rejected_advisories` (string arrays), `allow_debug` (bool),
/// `td_attributes` (16 hex digits), `mrtd`, `rtmr0`…`rtmr3`, `mrseam` (arrays of 96 hex
/// digits), `xfam` (array of 16 hex digits), `max_collateral_age_secs`,
/// `min_tcb_eval_data_number` (integers), `fmspc` (array of 12 hex digits), `mrconfigid`,
/// `mrowner`, `mrownerconfig`, `mrsignerseam` (arrays of 96 hex digits), `seam_attributes`
/// (array of 16 hex digits), `min_tee_tcb_svn`, `qe_vendor_id` (32 hex digits) and
/// `require_sept_ve_disable` (bool). Unknown keys and unknown status names are refused.
impl crate::Options for TdxPolicy {
    const WHAT: &'static str = "TDX policy";

    fn from_value(v: Value) -> Result<TdxPolicy, Error> {
        let p: TdxPolicy = crate::options::from_object(v, Self::WHAT)?;
        p.validate()?;
        Ok(p)
    }
}

impl TdxPolicy {
    /// What the types cannot say: every accepted status is one Intel defines, and never
    /// `Revoked`.
    pub fn validate(&self) -> Result<(), Error> {
        let bad = |m: String| Error::InvalidArgument(format!("TDX policy: {m}"));
        for s in &self.accepted_tcb_statuses {
            if !TCB_STATUSES.contains(&s.as_str()) {
                return Err(bad(format!("unknown TCB status {s:?}")));
            }
            if s == "Revoked" {
                return Err(bad("Revoked can never be accepted".into()));
            }
        }
        Ok(())
    }

    /// The QE vendor pin: `None` when the quote names the policy's vendor.
    pub(crate) fn qe_vendor_problem(&self, vendor: &[u8; 16]) -> Option<String> {
        (vendor != &self.qe_vendor_id).then(|| {
            format!(
                "QE vendor id {} is not the policy's qe_vendor_id {}{}",
                hex::encode(vendor),
                hex::encode(self.qe_vendor_id),
                if self.qe_vendor_id == dcap_qvl::INTEL_QE_VENDOR_ID {
                    " (Intel's)"
                } else {
                    ""
                }
            )
        })
    }

    /// The platform pins, beside the TCB status: FMSPC allowlist and minimum TEE_TCB_SVN.
    /// `None` when both hold.
    pub(crate) fn platform_problem(
        &self,
        fmspc: &[u8; 6],
        tee_tcb_svn: &[u8; 16],
    ) -> Option<String> {
        let mut problems = Vec::new();
        if !self.fmspc.is_empty() && !self.fmspc.contains(fmspc) {
            problems.push(format!(
                "FMSPC {} is not in the policy's allowlist ({})",
                hex::encode(fmspc),
                self.fmspc
                    .iter()
                    .map(hex::encode)
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        if let Some(min) = &self.min_tee_tcb_svn {
            let low: Vec<String> = (0..16)
                .filter(|&i| tee_tcb_svn[i] < min[i])
                .map(|i| format!("byte {i}: {} < {}", tee_tcb_svn[i], min[i]))
                .collect();
            if !low.is_empty() {
                problems.push(format!(
                    "TEE_TCB_SVN {} is below the policy's min_tee_tcb_svn {} ({})",
                    hex::encode(tee_tcb_svn),
                    hex::encode(min),
                    low.join(", ")
                ));
            }
        }
        (!problems.is_empty()).then(|| problems.join("; "))
    }

    pub(crate) fn tcb_check(
        &self,
        status: &str,
        advisories: &[String],
        eval_number: u32,
    ) -> (CheckStatus, String) {
        let adv = if advisories.is_empty() {
            "no advisories".to_string()
        } else {
            format!("advisories {}", advisories.join(", "))
        };
        if status == "Revoked" {
            return (CheckStatus::Fail, format!("TCB status Revoked ({adv})"));
        }
        if !self.accepted_tcb_statuses.iter().any(|s| s == status) {
            return (
                CheckStatus::Fail,
                format!(
                    "TCB status {status} ({adv}) is not accepted by the policy ({})",
                    self.accepted_tcb_statuses.join(", ")
                ),
            );
        }
        let rejected: Vec<&String> = advisories
            .iter()
            .filter(|a| self.rejected_advisories.contains(a))
            .collect();
        if !rejected.is_empty() {
            return (
                CheckStatus::Fail,
                format!(
                    "TCB status {status}, but the platform is affected by rejected advisories {}",
                    rejected
                        .iter()
                        .map(|s| s.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            );
        }
        if let Some(min) = self.min_tcb_eval_data_number
            && eval_number < min
        {
            return (
                CheckStatus::Fail,
                format!("TCB evaluation data number {eval_number} is below the policy's {min}"),
            );
        }
        (
            CheckStatus::Pass,
            format!(
                "TCB status {status} ({adv}, evaluation data number {eval_number}) is accepted"
            ),
        )
    }

    pub(crate) fn attributes_check(
        &self,
        td: &TDReport10,
        mr_service_td: Option<&[u8; 48]>,
    ) -> (CheckStatus, String) {
        let mut problems = Vec::new();
        // What the policy accepted although it weakens the proof (never reported as a pass).
        let mut accepted = Vec::new();
        let attrs = hex::encode(td.td_attributes);
        match TDAttributes::parse(td.td_attributes) {
            Err(e) => problems.push(format!("TDATTRIBUTES {attrs} do not parse: {e}")),
            Ok(a) => {
                let debug = "DEBUG is set: the host can read and change the TD's memory";
                let profiling = "TD profiling (TUD bits 4-6) is enabled";
                for (set, what) in [(a.tud & 0x01 != 0, debug), (a.tud & 0x70 != 0, profiling)] {
                    match (set, self.allow_debug) {
                        (false, _) => {}
                        (true, false) => problems.push(what.to_string()),
                        (true, true) => accepted.push(format!("{what} (allow_debug)")),
                    }
                }
                if a.reserved != 0 {
                    problems.push("reserved TDATTRIBUTES bits are set".into());
                }
                if a.sec.migratable {
                    problems.push("MIGRATABLE is set".into());
                }
                if a.sec.servtd_ext {
                    problems.push("SERVTD_EXT is set".into());
                }
                if !a.sec.sept_ve_disable {
                    let what =
                        "SEPT_VE_DISABLE is not set: the TD can be sent #VE on EPT violations";
                    if self.require_sept_ve_disable {
                        problems.push(what.to_string());
                    } else {
                        accepted.push(format!("{what} (require_sept_ve_disable = false)"));
                    }
                }
            }
        }
        if let Some(pin) = self.td_attributes
            && pin != td.td_attributes
        {
            problems.push(format!(
                "TDATTRIBUTES {attrs} differ from the pinned {}",
                hex::encode(pin)
            ));
        }
        if !self.mrsignerseam.is_empty() && !self.mrsignerseam.contains(&td.mr_signer_seam) {
            problems.push(format!(
                "MRSIGNERSEAM {} is not in the policy's mrsignerseam{}",
                hex::encode(td.mr_signer_seam),
                if self.mrsignerseam == [[0u8; 48]] {
                    " (zero: Intel's own TDX module)"
                } else {
                    ""
                }
            ));
        }
        if !self.seam_attributes.is_empty() && !self.seam_attributes.contains(&td.seam_attributes) {
            problems.push(format!(
                "SEAMATTRIBUTES {} are not in the policy's seam_attributes",
                hex::encode(td.seam_attributes)
            ));
        }
        if let Some(s) = mr_service_td
            && s != &[0u8; 48]
        {
            problems.push("MRSERVICETD is not zero: a service TD is bound".into());
        }
        if !problems.is_empty() {
            (CheckStatus::Fail, problems.join("; "))
        } else if !accepted.is_empty() {
            (
                CheckStatus::Warn,
                format!(
                    "TDATTRIBUTES {attrs}: {}, accepted by the policy: this is not a production TD",
                    accepted.join("; ")
                ),
            )
        } else {
            (
                CheckStatus::Pass,
                format!(
                    "TDATTRIBUTES {attrs}: no debug, SEPT_VE_DISABLE set, not migratable; MRSIGNERSEAM {}… and SEAMATTRIBUTES {} {}",
                    &hex::encode(td.mr_signer_seam)[..16],
                    hex::encode(td.seam_attributes),
                    if self.mrsignerseam.is_empty() && self.seam_attributes.is_empty() {
                        "not pinned by the policy".to_string()
                    } else if td.mr_signer_seam == [0; 48] {
                        "as pinned (Intel's TDX module)".to_string()
                    } else {
                        "as pinned".to_string()
                    }
                ),
            )
        }
    }

    pub(crate) fn measurements_check(&self, td: &TDReport10) -> (CheckStatus, String) {
        fn each<const N: usize>(list: &[[u8; N]]) -> Vec<&[u8]> {
            list.iter().map(|v| &v[..]).collect()
        }
        let rows: [MeasurementRow<'_>; 10] = [
            ("MRTD", &td.mr_td, each(&self.mrtd)),
            ("RTMR0", &td.rt_mr0, each(&self.rtmr0)),
            ("RTMR1", &td.rt_mr1, each(&self.rtmr1)),
            ("RTMR2", &td.rt_mr2, each(&self.rtmr2)),
            ("RTMR3", &td.rt_mr3, each(&self.rtmr3)),
            ("MRSEAM", &td.mr_seam, each(&self.mrseam)),
            ("XFAM", &td.xfam, each(&self.xfam)),
            ("MRCONFIGID", &td.mr_config_id, each(&self.mrconfigid)),
            ("MROWNER", &td.mr_owner, each(&self.mrowner)),
            (
                "MROWNERCONFIG",
                &td.mr_owner_config,
                each(&self.mrownerconfig),
            ),
        ];
        let mut pinned = Vec::new();
        let mut unpinned = Vec::new();
        let mut bad = Vec::new();
        for (name, value, allowed) in rows.iter() {
            if allowed.is_empty() {
                unpinned.push(*name);
            } else if allowed.contains(value) {
                pinned.push(*name);
            } else {
                bad.push(format!(
                    "{name} {} is not in the allowlist",
                    hex::encode(value)
                ));
            }
        }
        if !bad.is_empty() {
            return (CheckStatus::Fail, bad.join("; "));
        }
        if pinned.is_empty() {
            return (
                CheckStatus::Warn,
                format!(
                    "no measurement allowlist: the TD's code identity is not pinned (MRTD {}…, RTMRs and MRSEAM are in the facts)",
                    &hex::encode(td.mr_td)[..16]
                ),
            );
        }
        (
            CheckStatus::Pass,
            format!(
                "{} in the allowlists{}",
                pinned.join(", "),
                if unpinned.is_empty() {
                    String::new()
                } else {
                    format!("; not pinned: {}", unpinned.join(", "))
                }
            ),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Options as _;

    fn td(attrs: [u8; 8]) -> TDReport10 {
        TDReport10 {
            tee_tcb_svn: [0; 16],
            mr_seam: [1; 48],
            mr_signer_seam: [0; 48],
            seam_attributes: [0; 8],
            td_attributes: attrs,
            xfam: [0xe7, 0x02, 0x06, 0, 0, 0, 0, 0],
            mr_td: [2; 48],
            mr_config_id: [0; 48],
            mr_owner: [0; 48],
            mr_owner_config: [0; 48],
            rt_mr0: [3; 48],
            rt_mr1: [4; 48],
            rt_mr2: [5; 48],
            rt_mr3: [0; 48],
            report_data: [0; 64],
        }
    }

    const NORMAL: [u8; 8] = [0, 0, 0, 0x10, 0, 0, 0, 0]; // SEPT_VE_DISABLE only

    #[test]
    fn attributes_rules() {
        let p = TdxPolicy::default();
        assert_eq!(p.attributes_check(&td(NORMAL), None).0, CheckStatus::Pass);
        let mut debug = NORMAL;
        debug[0] = 1;
        let (st, d) = p.attributes_check(&td(debug), None);
        assert_eq!(st, CheckStatus::Fail);
        assert!(d.contains("DEBUG"), "{d}");
        let allow = TdxPolicy {
            allow_debug: true,
            ..TdxPolicy::default()
        };
        // Accepted by the policy, never a pass: a debug TD is not a production TD.
        let (st, d) = allow.attributes_check(&td(debug), None);
        assert_eq!(st, CheckStatus::Warn);
        assert!(
            d.contains("DEBUG") && d.contains("accepted by the policy"),
            "{d}"
        );
        assert_eq!(
            allow.attributes_check(&td(NORMAL), None).0,
            CheckStatus::Pass
        );
        let mut migratable = NORMAL;
        migratable[3] |= 0x20;
        assert!(
            p.attributes_check(&td(migratable), None)
                .1
                .contains("MIGRATABLE")
        );
        assert!(
            p.attributes_check(&td([0; 8]), None)
                .1
                .contains("SEPT_VE_DISABLE")
        );
        assert!(
            p.attributes_check(&td(NORMAL), Some(&[9; 48]))
                .1
                .contains("MRSERVICETD")
        );
        let mut foreign = td(NORMAL);
        foreign.mr_signer_seam = [7; 48];
        assert!(
            p.attributes_check(&foreign, None)
                .1
                .contains("MRSIGNERSEAM")
        );
    }

    #[test]
    fn tcb_rules() {
        let p = TdxPolicy::default();
        assert_eq!(p.tcb_check("UpToDate", &[], 17).0, CheckStatus::Pass);
        assert_eq!(p.tcb_check("OutOfDate", &[], 17).0, CheckStatus::Fail);
        assert_eq!(p.tcb_check("Revoked", &[], 17).0, CheckStatus::Fail);
        let p = TdxPolicy::from_json(
            r#"{"accepted_tcb_statuses":["UpToDate","SWHardeningNeeded"],"rejected_advisories":["INTEL-SA-00837"],"min_tcb_eval_data_number":18}"#,
        )
        .unwrap();
        let adv = vec!["INTEL-SA-00615".to_string()];
        assert_eq!(
            p.tcb_check("SWHardeningNeeded", &adv, 18).0,
            CheckStatus::Pass
        );
        assert_eq!(
            p.tcb_check("SWHardeningNeeded", &adv, 17).0,
            CheckStatus::Fail
        );
        let bad = vec!["INTEL-SA-00837".to_string()];
        assert_eq!(p.tcb_check("UpToDate", &bad, 18).0, CheckStatus::Fail);
    }

    #[test]
    fn policy_json_is_strict() {
        for bad in [
            r#"{"accepted_tcb_statuses":["Revoked"]}"#,
            r#"{"accepted_tcb_statuses":["Fine"]}"#,
            r#"{"mrtd":["00"]}"#,
            r#"{"mrtd":"00"}"#,
            r#"{"xfam":["zz"]}"#,
            r#"{"allow_debug":"yes"}"#,
            r#"{"mrdt":[]}"#,
            r#"[]"#,
        ] {
            assert!(TdxPolicy::from_json(bad).is_err(), "{bad}");
        }
        assert_eq!(TdxPolicy::from_json("").unwrap(), TdxPolicy::default());
    }

    #[test]
    fn measurement_allowlists() {
        let t = td(NORMAL);
        assert_eq!(
            TdxPolicy::default().measurements_check(&t).0,
            CheckStatus::Warn
        );
        let p = TdxPolicy {
            mrtd: vec![[2; 48]],
            rtmr1: vec![[4; 48], [9; 48]],
            ..TdxPolicy::default()
        };
        let (st, d) = p.measurements_check(&t);
        assert_eq!(st, CheckStatus::Pass, "{d}");
        assert!(d.contains("not pinned"));
        let p = TdxPolicy {
            rtmr2: vec![[9; 48]],
            ..TdxPolicy::default()
        };
        assert_eq!(p.measurements_check(&t).0, CheckStatus::Fail);
    }
}
