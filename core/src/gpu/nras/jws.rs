//! The detached EAT envelope, strict compact JWS, and JSON without duplicate keys.

use super::*;

/// `[["JWT", overall], {name: token, …}]` → (overall, name → token).
pub(super) fn parse_detached(eat: &[u8]) -> Result<(String, BTreeMap<String, String>), Failure> {
    let fmt_err = |why: String| Failure::new(FailureKind::Format, why);
    let root = parse_strict(eat).map_err(|e| fmt_err(format!("the EAT is not JSON: {e}")))?;
    let shape = "the EAT is not [[\"JWT\", \"<token>\"], {\"GPU-0\": \"<token>\", …}]";
    let Value::Array(parts) = root else {
        return Err(fmt_err(format!("{shape}: not an array")));
    };
    let [first, second] = parts.as_slice() else {
        return Err(fmt_err(format!(
            "{shape}: the array has {} elements",
            parts.len()
        )));
    };
    let overall = match first.as_array().map(Vec::as_slice) {
        Some([Value::String(tag), Value::String(tok)]) if tag == "JWT" => tok.clone(),
        _ => {
            return Err(fmt_err(format!(
                "{shape}: the first element is not [\"JWT\", \"<token>\"]"
            )));
        }
    };
    let Value::Object(map) = second else {
        return Err(fmt_err(format!(
            "{shape}: the second element is not an object"
        )));
    };
    if map.len() > MAX_GPUS {
        return Err(fmt_err(format!(
            "the EAT carries {} GPU tokens; the limit is {MAX_GPUS}",
            map.len()
        )));
    }
    let mut gpus = BTreeMap::new();
    for (name, tok) in map {
        let Value::String(tok) = tok else {
            return Err(fmt_err(format!(
                "{shape}: the value of {} is not a string",
                clip(name)
            )));
        };
        gpus.insert(name.clone(), tok.clone());
    }
    Ok((overall, gpus))
}

/// A compact JWS, decoded.
pub(super) struct Jws<'a> {
    pub(super) signing_input: &'a str,
    pub(super) header: Map<String, Value>,
    pub(super) payload: Map<String, Value>,
    pub(super) signature: Vec<u8>,
}

/// Strict compact JWS: exactly three parts of unpadded, canonical base64url; header and
/// payload JSON objects without duplicate keys. The signature part may be empty (so that
/// `alg: none` is reported as such).
pub(super) fn parse_compact(jwt: &str) -> Result<Jws<'_>, String> {
    if let Some(c) = jwt
        .bytes()
        .find(|b| !(b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.')))
    {
        return Err(format!(
            "the token contains the byte 0x{c:02x}, outside base64url and '.' (padding, whitespace or JSON serialization are not accepted)"
        ));
    }
    let parts: Vec<&str> = jwt.split('.').collect();
    let [h, p, s] = parts.as_slice() else {
        return Err(format!(
            "the token has {} dot-separated parts; a compact JWS has 3",
            parts.len()
        ));
    };
    if h.is_empty() || p.is_empty() {
        return Err("the token's header or payload part is empty".into());
    }
    let signing_input = jwt
        .get(..h.len() + 1 + p.len())
        .ok_or("the token's signing input is not addressable")?;
    let decode = |what: &str, part: &str| {
        URL_SAFE_NO_PAD
            .decode(part)
            .map_err(|e| format!("the {what} is not canonical unpadded base64url: {e}"))
    };
    let header = decode("header", h)?;
    let payload = decode("payload", p)?;
    let signature = decode("signature", s)?;
    let object = |what: &str, bytes: &[u8]| match parse_strict(bytes) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err(format!("the {what} is not a JSON object")),
        Err(e) => Err(format!("the {what} is not JSON: {e}")),
    };
    Ok(Jws {
        signing_input,
        header: object("header", &header)?,
        payload: object("payload", &payload)?,
        signature,
    })
}

/// JSON text → value, refusing duplicate object keys at any depth (so two parsers can never
/// disagree about what a signed token says).
pub(crate) fn parse_strict(bytes: &[u8]) -> Result<Value, String> {
    crate::limits::check_json(bytes, "the JSON")?;
    serde_json::from_slice::<StrictValue>(bytes)
        .map(|v| v.0)
        .map_err(|e| clip(&e.to_string()))
}

pub(super) struct StrictValue(Value);

impl<'de> Deserialize<'de> for StrictValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(StrictVisitor)
    }
}

pub(super) struct StrictVisitor;

impl<'de> Visitor<'de> for StrictVisitor {
    type Value = StrictValue;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<StrictValue, E> {
        Ok(StrictValue(Value::Bool(v)))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<StrictValue, E> {
        Ok(StrictValue(Value::Number(v.into())))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<StrictValue, E> {
        Ok(StrictValue(Value::Number(v.into())))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<StrictValue, E> {
        Number::from_f64(v)
            .map(|n| StrictValue(Value::Number(n)))
            .ok_or_else(|| E::custom("non-finite number"))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<StrictValue, E> {
        Ok(StrictValue(Value::String(v.to_string())))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<StrictValue, E> {
        Ok(StrictValue(Value::String(v)))
    }
    fn visit_unit<E: de::Error>(self) -> Result<StrictValue, E> {
        Ok(StrictValue(Value::Null))
    }
    fn visit_none<E: de::Error>(self) -> Result<StrictValue, E> {
        Ok(StrictValue(Value::Null))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<StrictValue, A::Error> {
        let mut out = Vec::new();
        while let Some(StrictValue(v)) = seq.next_element()? {
            out.push(v);
        }
        Ok(StrictValue(Value::Array(out)))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<StrictValue, A::Error> {
        let mut out = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if out.contains_key(&key) {
                return Err(de::Error::custom(format!("duplicate key {:?}", clip(&key))));
            }
            let StrictValue(v) = map.next_value()?;
            out.insert(key, v);
        }
        Ok(StrictValue(Value::Object(out)))
    }
}
