//! The appraisal policy for a whole io.net attestation: one type, loaded from TOML or JSON,
//! with three presets.
//!
//! ```toml
//! preset = "default"            # start from a preset (default, offline, strict), then override
//! image_digests = ["sha256:…"]  # accepted agent image digests (empty: reported, warned)
//! require_image_digest = false  # fail instead of warn when no allowlist is configured
//! require_key_binding = false   # fail instead of warn because io.net does not bind the key
//! offline = false               # fetch nothing: RIMs, OCSP and collateral must be supplied
//!
//! [gpu]                         # see GpuPolicy
//! expected_count = 8
//! require_revocation = true
//!
//! [tdx]                         # see TdxPolicy
//! accepted_tcb_statuses = ["UpToDate"]
//! ```
//!
//! Unknown keys are refused everywhere, so a typo cannot silently weaken a policy.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value, json};

use crate::Error;
use crate::gpu::GpuPolicy;
use crate::tdx::TdxPolicy;

/// The names [`Policy::preset`] accepts.
pub const PRESETS: &[&str] = &["default", "offline", "strict"];

/// What a relying party accepts for a whole io.net attestation.
///
/// Presets:
/// * `default` — every hardware check strict (revocation proven, RIMs required, TCB UpToDate,
///   no debug TD); no image allowlist (warned); the unbound signing key is warned.
/// * `offline` — `default` without network fetching; revocation that cannot be proven from the
///   supplied OCSP responses becomes a warning instead of a skip.
/// * `strict` — `default`, plus an image allowlist is required and the signing key must be
///   bound to the hardware evidence. io.net does not bind it today, so under `strict` an io.net
///   attestation never verifies — by design: it says exactly what is not proven.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Policy {
    /// The preset this policy started from (informational).
    pub preset: String,
    /// Fetch nothing from the network; RIMs, OCSP responses and collateral must be supplied.
    pub offline: bool,
    /// Accepted `image_digest` values (`sha256:<64 hex>`). Empty: the digest is only reported.
    pub image_digests: Vec<String>,
    /// With no allowlist configured, fail `report.image_digest` instead of warning.
    pub require_image_digest: bool,
    /// Fail `report.key_binding` when the signing key is not bound into hardware evidence
    /// (always, for io.net today). Default false: warned.
    pub require_key_binding: bool,
    /// GPU appraisal.
    pub gpu: GpuPolicy,
    /// TDX appraisal.
    pub tdx: TdxPolicy,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            preset: "default".into(),
            offline: false,
            image_digests: Vec::new(),
            require_image_digest: false,
            require_key_binding: false,
            gpu: GpuPolicy::default(),
            tdx: TdxPolicy::default(),
        }
    }
}

fn bad(m: impl std::fmt::Display) -> Error {
    Error::InvalidArgument(format!("policy: {m}"))
}

impl Policy {
    /// A preset by name: `default`, `offline` or `strict`.
    pub fn preset(name: &str) -> Result<Policy, Error> {
        let mut p = Policy::default();
        match name {
            "default" => {}
            "offline" => {
                p.preset = "offline".into();
                p.offline = true;
                p.gpu.require_revocation = false;
            }
            "strict" => {
                p.preset = "strict".into();
                p.require_image_digest = true;
                p.require_key_binding = true;
            }
            other => {
                return Err(bad(format!(
                    "unknown preset {other:?} (known: {})",
                    PRESETS.join(", ")
                )));
            }
        }
        Ok(p)
    }

    /// Parses a policy from JSON text.
    pub fn from_json(text: &str) -> Result<Policy, Error> {
        let v: Value = if text.trim().is_empty() {
            Value::Object(Map::new())
        } else {
            crate::limits::check_json(text.as_bytes(), "the policy").map_err(bad)?;
            serde_json::from_str(text).map_err(|e| bad(format!("not JSON: {e}")))?
        };
        Policy::from_value(&v)
    }

    /// Parses a policy from TOML text.
    pub fn from_toml(text: &str) -> Result<Policy, Error> {
        crate::limits::check_toml(text, "the policy").map_err(bad)?;
        let v: Value = toml::from_str(text).map_err(|e| bad(format!("not TOML: {e}")))?;
        Policy::from_value(&v)
    }

    /// Parses a policy from JSON (text starting with `{`), TOML, or a bare preset name.
    pub fn parse(text: &str) -> Result<Policy, Error> {
        let t = text.trim();
        if t.starts_with('{') {
            Policy::from_json(t)
        } else if !t.is_empty()
            && t.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            // A single word is never a TOML document: treat it as a preset name, so a
            // misspelling says which presets exist.
            Policy::preset(t)
        } else {
            Policy::from_toml(t)
        }
    }

    /// Builds a policy from a JSON value (the shape of the TOML/JSON documents).
    pub fn from_value(v: &Value) -> Result<Policy, Error> {
        let obj = v.as_object().ok_or_else(|| bad("not an object"))?;
        let mut p = match obj.get("preset") {
            None | Some(Value::Null) => Policy::default(),
            Some(Value::String(name)) => Policy::preset(name)?,
            Some(_) => return Err(bad("preset must be a string")),
        };
        for (k, val) in obj {
            let boolean = || {
                val.as_bool()
                    .ok_or_else(|| bad(format!("{k} must be a boolean")))
            };
            match k.as_str() {
                "preset" => {}
                "offline" => p.offline = boolean()?,
                "require_image_digest" => p.require_image_digest = boolean()?,
                "require_key_binding" => p.require_key_binding = boolean()?,
                "image_digests" => {
                    let list = val
                        .as_array()
                        .ok_or_else(|| bad("image_digests must be an array of strings"))?;
                    let mut out = Vec::new();
                    for d in list {
                        let d = d
                            .as_str()
                            .ok_or_else(|| bad("image_digests must be an array of strings"))?;
                        if !is_image_digest(d) {
                            return Err(bad(format!(
                                "image digest {d:?} is not sha256:<64 lowercase hex>"
                            )));
                        }
                        out.push(d.to_string());
                    }
                    p.image_digests = out;
                }
                "gpu" => p.gpu = gpu_policy_from_value(&p.gpu, val)?,
                "tdx" => p.tdx = tdx_policy_from_value(&p.tdx, val)?,
                other => return Err(bad(format!("unknown key {other:?}"))),
            }
        }
        Ok(p)
    }

    /// The policy as a JSON value that [`Policy::from_value`] reads back to an equal policy.
    pub fn to_value(&self) -> Value {
        json!({
            "preset": self.preset,
            "offline": self.offline,
            "image_digests": self.image_digests,
            "require_image_digest": self.require_image_digest,
            "require_key_binding": self.require_key_binding,
            "gpu": gpu_policy_to_value(&self.gpu),
            "tdx": tdx_policy_to_value(&self.tdx),
        })
    }

    /// The policy as compact JSON.
    pub fn to_json(&self) -> String {
        self.to_value().to_string()
    }

    /// Whether two policies decide the same, whatever preset each says it started from.
    pub fn same_rules(&self, other: &Policy) -> bool {
        Policy {
            preset: String::new(),
            ..self.clone()
        } == Policy {
            preset: String::new(),
            ..other.clone()
        }
    }

    /// The name to report: the name of the preset whose rules the policy has (its own preset
    /// first), else `"<preset> (customised)"`.
    pub fn name(&self) -> String {
        std::iter::once(self.preset.as_str())
            .chain(PRESETS.iter().copied())
            .find(|name| Policy::preset(name).is_ok_and(|p| p.same_rules(self)))
            .map_or_else(|| format!("{} (customised)", self.preset), str::to_string)
    }

    /// SHA-256 (64 hex digits) of the policy's rules: its normalised JSON
    /// ([`Policy::to_json`]) without the informational `preset` member. Equal digests mean
    /// policies that decide the same, whatever form they were written in.
    pub fn digest(&self) -> String {
        use sha2::{Digest, Sha256};
        let mut v = self.to_value();
        if let Some(obj) = v.as_object_mut() {
            obj.remove("preset");
        }
        hex::encode(Sha256::digest(v.to_string().as_bytes()))
    }
}

impl Serialize for Policy {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.to_value().serialize(s)
    }
}

impl<'de> Deserialize<'de> for Policy {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = Value::deserialize(d)?;
        Policy::from_value(&v).map_err(serde::de::Error::custom)
    }
}

/// `sha256:` followed by 64 lowercase hex digits.
pub fn is_image_digest(d: &str) -> bool {
    d.strip_prefix("sha256:").is_some_and(|h| {
        h.len() == 64
            && h.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    })
}

fn gpu_policy_from_value(base: &GpuPolicy, v: &Value) -> Result<GpuPolicy, Error> {
    let obj = v
        .as_object()
        .ok_or_else(|| bad("gpu must be a table/object"))?;
    let mut p = base.clone();
    for (k, val) in obj {
        let boolean = || {
            val.as_bool()
                .ok_or_else(|| bad(format!("gpu.{k} must be a boolean")))
        };
        match k.as_str() {
            "expected_count" if val.is_null() => p.expected_count = None,
            "expected_count" => {
                p.expected_count = Some(
                    val.as_u64()
                        .and_then(|n| usize::try_from(n).ok())
                        .ok_or_else(|| bad("gpu.expected_count must be a non-negative integer"))?,
                )
            }
            "expected_arch" => {
                p.expected_arch = val
                    .as_str()
                    .ok_or_else(|| bad("gpu.expected_arch must be a string"))?
                    .to_string()
            }
            "require_revocation" => p.require_revocation = boolean()?,
            "require_rims" => p.require_rims = boolean()?,
            "allow_expired_rims" => p.allow_expired_rims = boolean()?,
            "allow_hold_for_rims" => p.allow_hold_for_rims = boolean()?,
            other => return Err(bad(format!("unknown key gpu.{other}"))),
        }
    }
    Ok(p)
}

fn gpu_policy_to_value(p: &GpuPolicy) -> Value {
    json!({
        "expected_arch": p.expected_arch,
        "expected_count": p.expected_count,
        "require_revocation": p.require_revocation,
        "require_rims": p.require_rims,
        "allow_expired_rims": p.allow_expired_rims,
        "allow_hold_for_rims": p.allow_hold_for_rims,
    })
}

/// TDX keys override the base policy one by one (the TDX parser starts from its defaults, so
/// merge over the base's JSON form).
fn tdx_policy_from_value(base: &TdxPolicy, v: &Value) -> Result<TdxPolicy, Error> {
    let obj = v
        .as_object()
        .ok_or_else(|| bad("tdx must be a table/object"))?;
    let mut merged = match tdx_policy_to_value(base) {
        Value::Object(m) => m,
        _ => Map::new(),
    };
    for (k, val) in obj {
        merged.insert(k.clone(), val.clone());
    }
    // Drop keys whose value is null (unset optional limits).
    merged.retain(|_, v| !v.is_null());
    TdxPolicy::from_json(&Value::Object(merged).to_string())
}

fn tdx_policy_to_value(p: &TdxPolicy) -> Value {
    let list48 = |l: &Vec<[u8; 48]>| l.iter().map(hex::encode).collect::<Vec<_>>();
    json!({
        "accepted_tcb_statuses": p.accepted_tcb_statuses,
        "rejected_advisories": p.rejected_advisories,
        "allow_debug": p.allow_debug,
        "td_attributes": p.td_attributes.map(hex::encode),
        "mrtd": list48(&p.mrtd),
        "rtmr0": list48(&p.rtmr0),
        "rtmr1": list48(&p.rtmr1),
        "rtmr2": list48(&p.rtmr2),
        "rtmr3": list48(&p.rtmr3),
        "mrseam": list48(&p.mrseam),
        "xfam": p.xfam.iter().map(hex::encode).collect::<Vec<_>>(),
        "max_collateral_age_secs": p.max_collateral_age_secs,
        "min_tcb_eval_data_number": p.min_tcb_eval_data_number,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_differ_where_documented() {
        let d = Policy::preset("default").unwrap();
        let o = Policy::preset("offline").unwrap();
        let s = Policy::preset("strict").unwrap();
        assert!(!d.offline && o.offline && !s.offline);
        assert!(d.gpu.require_revocation && !o.gpu.require_revocation);
        assert!(s.require_key_binding && s.require_image_digest);
        assert!(!d.require_key_binding && !d.require_image_digest);
        assert!(Policy::preset("lenient").is_err());
    }

    #[test]
    fn toml_and_json_agree_and_round_trip() {
        let t = r#"
preset = "offline"
image_digests = ["sha256:0000000000000000000000000000000000000000000000000000000000000001"]
require_key_binding = true
[gpu]
expected_count = 8
[tdx]
accepted_tcb_statuses = ["UpToDate", "SWHardeningNeeded"]
max_collateral_age_secs = 86400
"#;
        let p = Policy::from_toml(t).unwrap();
        assert!(p.offline && p.require_key_binding);
        assert!(!p.gpu.require_revocation, "preset kept under overrides");
        assert_eq!(p.gpu.expected_count, Some(8));
        assert_eq!(p.tdx.max_collateral_age_secs, Some(86400));
        assert_eq!(p.tdx.accepted_tcb_statuses.len(), 2);
        let back = Policy::from_json(&p.to_json()).unwrap();
        assert_eq!(back, p);
        assert_eq!(Policy::parse(&p.to_json()).unwrap(), p);
        assert_eq!(
            Policy::parse("strict").unwrap(),
            Policy::preset("strict").unwrap()
        );
        let via_serde: Policy = serde_json::from_str(&p.to_json()).unwrap();
        assert_eq!(via_serde, p);
    }

    #[test]
    fn typos_and_bad_values_are_refused() {
        for bad in [
            r#"{"image_digest": []}"#,
            r#"{"image_digests": ["sha256:ABC"]}"#,
            r#"{"gpu": {"expected_cnt": 1}}"#,
            r#"{"tdx": {"accepted_tcb_statuses": ["Revoked"]}}"#,
            r#"{"offline": "yes"}"#,
            r#"{"preset": "lenient"}"#,
            "[1]",
        ] {
            assert!(Policy::from_json(bad).is_err(), "{bad}");
        }
        assert!(Policy::from_toml("offline = 1").is_err());
        let e = Policy::parse("lenient").unwrap_err().to_string();
        assert!(e.contains("unknown preset") && e.contains("strict"), "{e}");
        assert!(Policy::from_toml("this is = = not toml").is_err());
    }
}
