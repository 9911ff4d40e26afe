//! How options and policies are read: every schema is a typed struct with serde
//! (`deny_unknown_fields`, so a typo can never silently weaken a policy), read through the
//! helpers here so that every error names the key that was wrong. Bindings fill the same
//! structs or hand over the same JSON document ([`Options::from_value`]); no binding knows a
//! key of its own.
//!
//! The document form spells keys in snake_case (`rim_dir`, `expected_count`), as policy files,
//! the C ABI, Python keywords and the shared vectors do. JavaScript callers write camelCase
//! (`rimDir`): [`Options::from_camel`] reads that spelling, refuses the snake one, and names the
//! keys in its errors the way the caller wrote them.

use std::collections::BTreeMap;

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::Error;

/// An options or policy schema read from a JSON document. Implemented by every options type
/// (`GpuOptions`, `TdxOptions`, `TdxPolicy`, `Policy`, `ReportOptions`, `BundleOptions`,
/// `ClientConfig`), so that every binding reads options the same way.
pub trait Options: Sized {
    /// What the options are called in error messages, e.g. `"GPU options"`.
    const WHAT: &'static str;

    /// Reads the options from a JSON value in the document form (snake_case keys; `null` means
    /// "not set"). Unknown keys, wrong types and invalid values are `InvalidArgument` errors
    /// naming the key.
    fn from_value(value: Value) -> Result<Self, Error>;

    /// Reads the options from JSON text (empty text: every default).
    fn from_json(text: &str) -> Result<Self, Error> {
        Self::from_value(Value::Object(object(text, Self::WHAT)?))
    }

    /// Reads the options from a JSON value whose keys are camelCase (JavaScript's spelling):
    /// each key is renamed to its snake_case form, except inside the members that carry data
    /// rather than options ([`DATA_KEYS`]). A key that is already snake_case is refused, and
    /// errors name keys in camelCase.
    fn from_camel(value: Value) -> Result<Self, Error> {
        let mut renamed = BTreeMap::new();
        let value = camel_to_snake_keys(value, Self::WHAT, "", &mut renamed)?;
        Self::from_value(value).map_err(|e| camel_error(e, &renamed))
    }
}

/// Members whose values are data handed on as they are (collateral JSON, HTTP headers): their
/// keys are never renamed.
pub const DATA_KEYS: &[&str] = &["collateral", "headers"];

/// `maxCollateralAgeSecs` → `max_collateral_age_secs`.
fn snake(camel: &str) -> String {
    let mut out = String::with_capacity(camel.len() + 4);
    for c in camel.chars() {
        if c.is_ascii_uppercase() {
            out.push('_');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// `max_collateral_age_secs` → `maxCollateralAgeSecs`.
pub fn camel(snake: &str) -> String {
    let mut out = String::with_capacity(snake.len());
    let mut upper = false;
    for c in snake.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.push(c.to_ascii_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

fn camel_to_snake_keys(
    value: Value,
    what: &str,
    path: &str,
    renamed: &mut BTreeMap<String, String>,
) -> Result<Value, Error> {
    match value {
        Value::Object(members) => {
            let mut out = Map::new();
            for (key, v) in members {
                let at = if path.is_empty() {
                    key.clone()
                } else {
                    format!("{path}.{key}")
                };
                if key.contains('_') {
                    return Err(Error::InvalidArgument(format!(
                        "{what}: {at}: unknown key (options objects use camelCase keys, e.g. {:?})",
                        camel(&key)
                    )));
                }
                let name = snake(&key);
                let v = if DATA_KEYS.contains(&name.as_str()) {
                    v
                } else {
                    camel_to_snake_keys(v, what, &at, renamed)?
                };
                if name != key {
                    renamed.insert(name.clone(), key);
                }
                out.insert(name, v);
            }
            Ok(Value::Object(out))
        }
        Value::Array(items) => items
            .into_iter()
            .map(|v| camel_to_snake_keys(v, what, path, renamed))
            .collect::<Result<_, _>>()
            .map(Value::Array),
        other => Ok(other),
    }
}

/// The same error with the snake_case keys the caller wrote in camelCase (and every key serde
/// quotes in backticks) spelt in camelCase again.
fn camel_error(e: Error, renamed: &BTreeMap<String, String>) -> Error {
    let Error::InvalidArgument(message) = e else {
        return e;
    };
    let mut out = String::with_capacity(message.len());
    let mut rest = message.as_str();
    while let Some(start) = rest.find(|c: char| c.is_ascii_alphanumeric() || c == '_') {
        let (before, tail) = rest.split_at(start);
        let end = tail
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(tail.len());
        let (word, after) = tail.split_at(end);
        out.push_str(before);
        let quoted = before.ends_with('`') && after.starts_with('`');
        match renamed.get(word) {
            Some(original) => out.push_str(original),
            None if quoted && word.contains('_') => out.push_str(&camel(word)),
            None => out.push_str(word),
        }
        rest = after;
    }
    out.push_str(rest);
    Error::InvalidArgument(out)
}

/// A document-form value with its keys in camelCase (except inside [`DATA_KEYS`]) and `null`
/// members left out: how a JavaScript binding hands a policy back.
pub fn to_camel(value: Value) -> Value {
    rebuild(value, &camel)
}

/// `value` with every `null` member left out and every key passed through `key`, recursively
/// (members named in [`DATA_KEYS`] are data: kept as they are).
fn rebuild(value: Value, key: &dyn Fn(&str) -> String) -> Value {
    match value {
        Value::Object(members) => Value::Object(
            members
                .into_iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| {
                    let v = if DATA_KEYS.contains(&k.as_str()) {
                        v
                    } else {
                        rebuild(v, key)
                    };
                    (key(&k), v)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(|v| rebuild(v, key)).collect()),
        other => other,
    }
}

/// Deserializes `value` into `T`; an error is `InvalidArgument("<what>: <path>: <reason>")`.
pub(crate) fn from_value<T: DeserializeOwned>(value: Value, what: &str) -> Result<T, Error> {
    from_value_with(value, what, |d| T::deserialize(d))
}

/// Reads a whole options object into `T`: `null` is `{}` (every default), anything but an
/// object is refused — even where serde would read a struct from an array.
pub fn from_object<T: DeserializeOwned>(value: Value, what: &str) -> Result<T, Error> {
    from_value(Value::Object(object_of(value, what)?), what)
}

/// [`from_value`] with an explicit deserialize function (e.g. a derived `remote` one).
pub(crate) fn from_value_with<T>(
    value: Value,
    what: &str,
    deserialize: impl FnOnce(
        serde_path_to_error::Deserializer<'_, '_, Value>,
    ) -> Result<T, serde_json::Error>,
) -> Result<T, Error> {
    // `null` means "not set" for every member (but inside data such as collateral, handed on
    // as it is).
    let value = match value {
        Value::Object(_) => rebuild(value, &str::to_string),
        other => other,
    };
    let mut track = serde_path_to_error::Track::new();
    deserialize(serde_path_to_error::Deserializer::new(value, &mut track)).map_err(|e| {
        let path = track.path().to_string();
        let reason = reason(&e.to_string());
        Error::InvalidArgument(if path == "." {
            format!("{what}: {reason}")
        } else {
            format!("{what}: {path}: {reason}")
        })
    })
}

/// serde's wording in the options' terms: "unknown field `x`, expected one of …" becomes
/// "unknown key `x` (known keys: …)", "missing field `x`" becomes "x is required".
fn reason(serde: &str) -> String {
    if let Some(rest) = serde.strip_prefix("unknown field ") {
        let (key, known) = match rest.split_once(", expected one of ") {
            Some((key, known)) => (key, known.to_string()),
            None => match rest.split_once(", expected ") {
                Some((key, known)) => (key, known.to_string()),
                None => (rest.split(',').next().unwrap_or(rest), "none".to_string()),
            },
        };
        format!("unknown key {key} (known keys: {known})")
    } else if let Some(key) = serde.strip_prefix("missing field ") {
        format!("{} is required", key.trim_matches('`'))
    } else {
        serde.to_string()
    }
}

/// Removes `key` from `obj` and reads it as `T` (`null` or absent: `None`); an error names the
/// key.
pub(crate) fn field<T: DeserializeOwned>(
    obj: &mut Map<String, Value>,
    key: &str,
    what: &str,
) -> Result<Option<T>, Error> {
    take(obj, key)
        .map(|v| from_value(v, &format!("{what}: {key}")))
        .transpose()
}

/// A JSON object from options text: empty (or blank) text is `{}`; anything but an object is
/// an error. Nesting is bounded before parsing (see [`crate::limits`]).
pub(crate) fn object(text: &str, what: &str) -> Result<Map<String, Value>, Error> {
    let bad = |m: String| Error::InvalidArgument(format!("{what}: {m}"));
    if text.trim().is_empty() {
        return Ok(Map::new());
    }
    crate::limits::check_json(text.as_bytes(), "the text").map_err(bad)?;
    match serde_json::from_str(text).map_err(|e| bad(format!("not JSON: {e}")))? {
        Value::Object(m) => Ok(m),
        _ => Err(bad("not a JSON object".into())),
    }
}

/// The members of an options object; anything but an object is an error.
pub(crate) fn object_of(value: Value, what: &str) -> Result<Map<String, Value>, Error> {
    match value {
        Value::Object(m) => Ok(m),
        Value::Null => Ok(Map::new()),
        _ => Err(Error::InvalidArgument(format!("{what}: not a JSON object"))),
    }
}

/// Removes `key` from `obj`; `null` counts as absent.
pub(crate) fn take(obj: &mut Map<String, Value>, key: &str) -> Option<Value> {
    obj.remove(key).filter(|v| !v.is_null())
}

/// Merges `overlay` into `base`: objects key by key (recursively), anything else replaces. A
/// `null` in the overlay for a key the base has leaves the base's value (`null` means "not
/// set"); keys the base does not have are kept, so the typed schema refuses unknown ones.
pub(crate) fn merge(base: &mut Value, overlay: Value) {
    match (base, overlay) {
        (Value::Object(b), Value::Object(o)) => {
            for (k, v) in o {
                match b.get_mut(&k) {
                    Some(_) if v.is_null() => {}
                    Some(slot) => merge(slot, v),
                    None => {
                        b.insert(k, v);
                    }
                }
            }
        }
        (slot, v) => *slot = v,
    }
}

/// serde `deserialize_with` for a JSON document given as an object or as its text: its bytes
/// (`null`: none). Any other value is refused: it cannot be the document.
pub fn json_document<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Vec<u8>>, D::Error> {
    use serde::Deserialize as _;
    match Option::<Value>::deserialize(d)? {
        None => Ok(None),
        Some(Value::String(text)) => Ok(Some(text.into_bytes())),
        Some(object @ Value::Object(_)) => Ok(Some(object.to_string().into_bytes())),
        Some(other) => Err(serde::de::Error::custom(format!(
            "{other} is not a JSON document: give an object or its text"
        ))),
    }
}

/// serde `with` modules for fixed-size byte strings written as hex (an optional `0x`).
pub(crate) mod hex_bytes {
    use serde::de::Error as _;
    use serde::{Deserialize, Deserializer, Serializer};

    pub(crate) fn decode<const N: usize>(text: &str) -> Result<[u8; N], String> {
        let t = text.strip_prefix("0x").unwrap_or(text);
        let bytes = hex::decode(t).map_err(|e| format!("{text:?} is not hex: {e}"))?;
        bytes.try_into().map_err(|b: Vec<u8>| {
            format!("{text:?} is not {N} bytes of hex (it is {} bytes)", b.len())
        })
    }

    /// An optional value (`null` = none).
    pub(crate) mod opt {
        use super::*;
        pub(crate) fn serialize<S: Serializer, const N: usize>(
            v: &Option<[u8; N]>,
            s: S,
        ) -> Result<S::Ok, S::Error> {
            match v {
                Some(b) => s.serialize_str(&hex::encode(b)),
                None => s.serialize_none(),
            }
        }
        pub(crate) fn deserialize<'de, D: Deserializer<'de>, const N: usize>(
            d: D,
        ) -> Result<Option<[u8; N]>, D::Error> {
            Option::<String>::deserialize(d)?
                .map(|t| decode(&t).map_err(D::Error::custom))
                .transpose()
        }
    }

    /// One value.
    pub(crate) mod one {
        use super::*;
        pub(crate) fn serialize<S: Serializer, const N: usize>(
            v: &[u8; N],
            s: S,
        ) -> Result<S::Ok, S::Error> {
            s.serialize_str(&hex::encode(v))
        }
        pub(crate) fn deserialize<'de, D: Deserializer<'de>, const N: usize>(
            d: D,
        ) -> Result<[u8; N], D::Error> {
            decode(&String::deserialize(d)?).map_err(D::Error::custom)
        }
    }

    /// A list of values.
    pub(crate) mod list {
        use super::*;
        pub(crate) fn serialize<S: Serializer, const N: usize>(
            v: &[[u8; N]],
            s: S,
        ) -> Result<S::Ok, S::Error> {
            s.collect_seq(v.iter().map(hex::encode))
        }
        pub(crate) fn deserialize<'de, D: Deserializer<'de>, const N: usize>(
            d: D,
        ) -> Result<Vec<[u8; N]>, D::Error> {
            Vec::<String>::deserialize(d)?
                .iter()
                .map(|t| decode(t).map_err(D::Error::custom))
                .collect()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_objects_and_nulls() {
        let mut base = serde_json::json!({"a": 1, "o": {"x": 1, "y": 2}});
        merge(
            &mut base,
            serde_json::json!({"a": null, "o": {"y": 3}, "new": true}),
        );
        assert_eq!(
            base,
            serde_json::json!({"a": 1, "o": {"x": 1, "y": 3}, "new": true})
        );
    }

    #[test]
    fn camel_case_round_trip() {
        assert_eq!(snake("maxCollateralAgeSecs"), "max_collateral_age_secs");
        assert_eq!(camel("max_collateral_age_secs"), "maxCollateralAgeSecs");
        assert_eq!(snake("rtmr0"), "rtmr0");
        let v =
            serde_json::json!({"gpu": {"expected_count": 2, "x": null}, "headers": {"a_b": "1"}});
        assert_eq!(
            to_camel(v),
            serde_json::json!({"gpu": {"expectedCount": 2}, "headers": {"a_b": "1"}})
        );
    }

    #[test]
    fn camel_errors_name_keys_as_written() {
        use crate::gpu::GpuOptions;
        let e = GpuOptions::from_camel(serde_json::json!({"expectedCount": "2"})).unwrap_err();
        assert!(e.to_string().contains("expectedCount"), "{e}");
        assert!(!e.to_string().contains("expected_count"), "{e}");
        let e = GpuOptions::from_camel(serde_json::json!({"expectedCont": 2})).unwrap_err();
        assert!(e.to_string().contains("`expectedCont`"), "{e}");
        assert!(e.to_string().contains("`requireRims`"), "{e}");
        let e = GpuOptions::from_camel(serde_json::json!({"rim_dir": "x"})).unwrap_err();
        assert!(e.to_string().contains("camelCase"), "{e}");
        let o = GpuOptions::from_camel(serde_json::json!({"rimDir": "/r", "expectedCount": 8}))
            .unwrap();
        assert_eq!(o.rim_dir.as_deref(), Some("/r"));
        assert_eq!(o.policy.expected_count, Some(8));
    }

    #[test]
    fn errors_name_the_key() {
        #[derive(serde::Deserialize, Debug)]
        #[serde(deny_unknown_fields)]
        #[allow(dead_code)]
        struct T {
            flag: bool,
        }
        let e = from_value::<T>(serde_json::json!({"flag": "yes"}), "opts").unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid argument: opts: flag: invalid type: string \"yes\", expected a boolean"
        );
        let e = from_value::<T>(serde_json::json!({"flg": true}), "opts").unwrap_err();
        assert!(
            e.to_string()
                .contains("unknown key `flg` (known keys: `flag`)"),
            "{e}"
        );
        assert!(object("[]", "opts").is_err());
        assert!(object("", "opts").unwrap().is_empty());
    }
}
