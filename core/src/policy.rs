//! The appraisal policy for a whole io.net attestation: one type, loaded from TOML or JSON,
//! with three presets.
//!
//! ```toml
//! preset = "default"            # start from a preset (default, offline, strict), then override
//! image_digests = ["sha256:…"]  # accepted agent image digests (empty: reported, warned)
//! require_image_digest = false  # fail instead of warn when no allowlist is configured
//! require_key_binding = false   # fail instead of warn because io.net does not bind the key
//! offline = false               # fetch nothing: RIMs, OCSP and collateral must be supplied
//! trust = "production"          # or "test": ccverify's TEST PKI (proves nothing; warned)
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
use serde_json::Value;

use crate::gpu::GpuPolicy;
use crate::tdx::TdxPolicy;
use crate::trust::Trust;
use crate::{Error, Options};

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
///
/// The derived serde form is the fully written-out policy (every key, what [`Policy::to_json`]
/// writes); documents that start from a preset and override some keys are read with
/// [`crate::Options::from_value`] / [`Policy::parse`], which is also what `Deserialize` does.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
// The derived impls become inherent `Policy::serialize` / `Policy::deserialize` (the strict,
// written-out form); the trait impls below add the preset semantics.
#[serde(remote = "Self", deny_unknown_fields)]
pub struct Policy {
    /// The preset this policy started from (informational).
    pub preset: String,
    /// Fetch nothing from the network; RIMs, OCSP responses and collateral must be supplied.
    pub offline: bool,
    /// Accepted `image_digest` values (`sha256:<64 lowercase hex>`). Empty: the digest is only
    /// reported.
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
    /// The roots trusted: `"production"` (the default: NVIDIA's and Intel's pinned roots) or
    /// `"test"` (ccverify's TEST PKI, which proves nothing about real hardware; verdicts then
    /// carry a `trust.anchors` warning). Only the caller's policy sets it — a bundle's recorded
    /// policy never does.
    #[serde(default, skip_serializing_if = "Trust::is_production")]
    pub trust: Trust,
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
            trust: Trust::Production,
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

    /// Parses a policy from TOML text.
    pub fn from_toml(text: &str) -> Result<Policy, Error> {
        crate::limits::check_toml(text, "the policy").map_err(bad)?;
        let v: Value = toml::from_str(text).map_err(|e| bad(format!("not TOML: {e}")))?;
        Policy::from_value(v)
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

    /// What the types cannot say: image digests are `sha256:<64 lowercase hex>`, the TDX
    /// statuses are Intel's and never `Revoked`.
    pub fn validate(&self) -> Result<(), Error> {
        if let Some(d) = self.image_digests.iter().find(|d| !is_image_digest(d)) {
            return Err(bad(format!(
                "image digest {d:?} is not sha256:<64 lowercase hex>"
            )));
        }
        self.gpu.validate()?;
        self.tdx.validate()
    }

    /// The policy as a JSON value that [`crate::Options::from_value`] reads back to an equal policy.
    pub fn to_value(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
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
            // An anchor file is written as its path: its content decides, so it is digested.
            if let Trust::Anchors(a) = &self.trust {
                obj.insert("trust_sha256".into(), Value::String(hex::encode(a.sha256)));
            }
        }
        hex::encode(Sha256::digest(v.to_string().as_bytes()))
    }
}

/// The document form (the shape of the TOML/JSON policy files): the preset it names
/// (`default` when none), with every key the document gives written over it — nested tables
/// key by key, `null` meaning "not set". Unknown keys, wrong types and invalid values are
/// refused.
impl crate::Options for Policy {
    const WHAT: &'static str = "policy";

    fn from_value(v: Value) -> Result<Policy, Error> {
        let obj = v.as_object().ok_or_else(|| bad("not an object"))?;
        let base = match obj.get("preset") {
            None | Some(Value::Null) => Policy::default(),
            Some(Value::String(name)) => Policy::preset(name)?,
            Some(_) => return Err(bad("preset must be a string")),
        };
        let mut merged = base.to_value();
        crate::options::merge(&mut merged, v);
        let p = crate::options::from_value_with(merged, Self::WHAT, |d| Policy::deserialize(d))?;
        p.validate()?;
        Ok(p)
    }
}

impl Serialize for Policy {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        Policy::serialize(self, s)
    }
}

impl<'de> Deserialize<'de> for Policy {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = Value::deserialize(d)?;
        Policy::from_value(v).map_err(serde::de::Error::custom)
    }
}

/// serde `deserialize_with` for a policy given as an object or as text (JSON, TOML or a preset
/// name); `null` is the default policy.
pub fn policy_or_text<'de, D: Deserializer<'de>>(d: D) -> Result<Policy, D::Error> {
    match Option::<Value>::deserialize(d)? {
        None => Ok(Policy::default()),
        Some(Value::String(text)) => Policy::parse(&text),
        Some(v) => Policy::from_value(v),
    }
    .map_err(|e| serde::de::Error::custom(e.reason()))
}

/// `sha256:` followed by 64 lowercase hex digits.
pub fn is_image_digest(d: &str) -> bool {
    d.strip_prefix("sha256:").is_some_and(|h| {
        h.len() == 64
            && h.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
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
