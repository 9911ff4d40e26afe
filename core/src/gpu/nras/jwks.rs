//! NRAS's key set (JWKS): strict parsing of its ES384 keys, or one key pinned offline.

use super::*;

/// Why a JWKS (or a pinned key) could not be used at all.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum JwksError {
    /// The document is larger than [`MAX_JWKS_LEN`].
    #[error("JWKS is {0} bytes; the limit is {MAX_JWKS_LEN}")]
    TooLarge(usize),
    /// The document is not JSON, or not an object with a `keys` array.
    #[error("malformed JWKS: {0}")]
    Malformed(String),
    /// The document holds no key this verifier can use; each unusable key is listed with why.
    #[error("no usable EC P-384 key in the JWKS: {0}")]
    NoUsableKey(String),
    /// A key given to [`Jwks::pinned`] is not a P-384 public key.
    #[error("pinned key: {0}")]
    BadPinnedKey(String),
}

/// One usable NRAS signing key: an EC P-384 public key and the `kid` tokens select it by.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JwkKey {
    /// The key id JWT headers name.
    pub kid: String,
    /// The public key as an uncompressed SEC1 point (`04‖x‖y`, 97 bytes).
    pub point: Vec<u8>,
    /// The first `x5c` certificate, when the JWK carries one. Its public key is the key above.
    pub certificate: Option<Certificate>,
    /// How many certificates `x5c` listed (0 when absent). Only the first one is parsed.
    pub x5c_len: usize,
    /// The JWK's declared `alg`, when present (always `ES384` for a usable key).
    pub alg: Option<String>,
}

impl JwkKey {
    /// A short description for details: `kid test-kid (x5c CN=…)`.
    pub(super) fn describe(&self) -> String {
        match &self.certificate {
            Some(c) => format!("kid {} (x5c {})", clip(&self.kid), clip(&c.display_name())),
            None => format!("kid {}", clip(&self.kid)),
        }
    }
}

/// A set of NRAS signing keys, parsed from a JWKS document ([`Jwks::from_json`]) or pinned
/// offline ([`Jwks::pinned`]). Tokens select a key by the `kid` of their header.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Jwks {
    pub(super) keys: Vec<JwkKey>,
    /// `(kid, why)` for every JWK that cannot be used.
    pub(super) unusable: Vec<(String, String)>,
}

impl Jwks {
    /// Parses a JWKS document (`{"keys": [...]}`, RFC 7517).
    ///
    /// A JWK is usable when `kty` is `EC`, `crv` is `P-384`, `alg` (if present) is `ES384`,
    /// `use` (if present) is `sig`, `key_ops` (if present) contains `verify`, and it has a
    /// public key: base64url `x` and `y` (48 bytes each, a point on the curve) and/or `x5c`
    /// (standard base64 DER certificates). When `x5c` is present its first certificate's key is
    /// used, and it must equal `x`/`y` when those are present too. A `kid` shared by several JWKs
    /// makes all of them unusable (the selection would be ambiguous).
    ///
    /// Other JWKs (RSA, other curves, malformed ones) are kept aside with the reason, so that a
    /// token naming one fails with that reason; see [`Jwks::unusable`].
    ///
    /// # Errors
    /// [`JwksError`] when the document is too large, not a JWKS, or holds no usable key.
    pub fn from_json(json: &[u8]) -> Result<Self, JwksError> {
        if json.len() > MAX_JWKS_LEN {
            return Err(JwksError::TooLarge(json.len()));
        }
        let root = parse_strict(json).map_err(JwksError::Malformed)?;
        let keys = root
            .as_object()
            .and_then(|o| o.get("keys"))
            .and_then(Value::as_array)
            .ok_or_else(|| {
                JwksError::Malformed("expected an object with a \"keys\" array".into())
            })?;
        if keys.len() > MAX_JWKS_KEYS {
            return Err(JwksError::Malformed(format!(
                "{} keys; the limit is {MAX_JWKS_KEYS}",
                keys.len()
            )));
        }
        let mut parsed: Vec<(String, Result<JwkKey, String>)> = Vec::with_capacity(keys.len());
        for (i, jwk) in keys.iter().enumerate() {
            let kid = jwk.get("kid").and_then(Value::as_str).map(str::to_string);
            match kid {
                Some(kid) if !kid.is_empty() => {
                    let key = parse_jwk(&kid, jwk);
                    parsed.push((kid, key));
                }
                _ => parsed.push((
                    format!("(keys[{i}])"),
                    Err("the JWK has no non-empty string kid".into()),
                )),
            }
        }
        let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
        for (kid, _) in &parsed {
            *counts.entry(kid.as_str()).or_default() += 1;
        }
        let dup: BTreeSet<String> = counts
            .into_iter()
            .filter(|(_, n)| *n > 1)
            .map(|(k, _)| k.to_string())
            .collect();
        let mut jwks = Jwks::default();
        for (kid, key) in parsed {
            if dup.contains(&kid) {
                jwks.unusable.push((
                    kid,
                    "several JWKs share this kid, so the key is ambiguous".into(),
                ));
                continue;
            }
            match key {
                Ok(k) => jwks.keys.push(k),
                Err(why) => jwks.unusable.push((kid, why)),
            }
        }
        if jwks.keys.is_empty() {
            let why: Vec<String> = jwks
                .unusable
                .iter()
                .map(|(k, w)| format!("{}: {w}", clip(k)))
                .collect();
            return Err(JwksError::NoUsableKey(if why.is_empty() {
                "the keys array is empty".into()
            } else {
                why.join("; ")
            }));
        }
        Ok(jwks)
    }

    /// A key set of exactly one key, pinned offline: `key` is either a DER
    /// `SubjectPublicKeyInfo` (id-ecPublicKey, secp384r1) or an uncompressed SEC1 P-384 point
    /// (`04‖x‖y`, 97 bytes). Tokens must name it with `kid`.
    ///
    /// # Errors
    /// [`JwksError::BadPinnedKey`] when `kid` is empty or `key` is not such a key.
    pub fn pinned(kid: &str, key: &[u8]) -> Result<Self, JwksError> {
        if kid.is_empty() {
            return Err(JwksError::BadPinnedKey("the kid is empty".into()));
        }
        let point = if key.first() == Some(&0x04) && key.len() == P384_POINT_LEN {
            key.to_vec()
        } else {
            spki_p384_point(key).map_err(JwksError::BadPinnedKey)?
        };
        check_point(&point).map_err(JwksError::BadPinnedKey)?;
        Ok(Jwks {
            keys: vec![JwkKey {
                kid: kid.to_string(),
                point,
                certificate: None,
                x5c_len: 0,
                alg: None,
            }],
            unusable: Vec::new(),
        })
    }

    /// The usable keys, in document order.
    pub fn keys(&self) -> &[JwkKey] {
        &self.keys
    }

    /// `(kid, reason)` for every JWK of the document that cannot be used.
    pub fn unusable(&self) -> &[(String, String)] {
        &self.unusable
    }

    /// The usable key with this `kid`.
    ///
    /// # Errors
    /// A sentence saying why no key can be used: no JWK has this kid, or the JWK that has it
    /// is unusable (and why).
    pub fn select(&self, kid: &str) -> Result<&JwkKey, String> {
        if let Some(k) = self.keys.iter().find(|k| k.kid == kid) {
            return Ok(k);
        }
        if let Some((_, why)) = self.unusable.iter().find(|(k, _)| k == kid) {
            return Err(format!(
                "the JWKS key with kid {} is unusable: {why}",
                clip(kid)
            ));
        }
        let known: Vec<String> = self.keys.iter().map(|k| clip(&k.kid)).collect();
        Err(format!(
            "no JWKS key has kid {} (known: {})",
            clip(kid),
            known.join(", ")
        ))
    }
}

/// Parses one JWK whose kid is known; the error says why it cannot be used.
pub(super) fn parse_jwk(kid: &str, jwk: &Value) -> Result<JwkKey, String> {
    let obj = jwk.as_object().ok_or("the JWK is not a JSON object")?;
    let text = |name: &str| -> Result<Option<&str>, String> {
        match obj.get(name) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.as_str())),
            Some(_) => Err(format!("{name} is not a string")),
        }
    };
    match text("kty")? {
        Some("EC") => {}
        Some(other) => {
            return Err(format!(
                "kty {} is not supported (NRAS signs with EC P-384)",
                clip(other)
            ));
        }
        None => return Err("kty is missing".into()),
    }
    match text("crv")? {
        Some("P-384") => {}
        Some(other) => return Err(format!("crv {} is not P-384", clip(other))),
        None => return Err("crv is missing".into()),
    }
    let alg = text("alg")?.map(str::to_string);
    if let Some(a) = &alg
        && a != ALG_ES384
    {
        return Err(format!("alg {} is not ES384", clip(a)));
    }
    if let Some(u) = text("use")?
        && u != "sig"
    {
        return Err(format!("use {} is not sig", clip(u)));
    }
    if let Some(ops) = obj.get("key_ops") {
        let ok = ops
            .as_array()
            .is_some_and(|a| a.iter().any(|o| o.as_str() == Some("verify")));
        if !ok {
            return Err("key_ops does not contain verify".into());
        }
    }
    let xy_point = match (text("x")?, text("y")?) {
        (Some(x), Some(y)) => {
            let x = URL_SAFE_NO_PAD
                .decode(x)
                .map_err(|e| format!("x is not unpadded base64url: {e}"))?;
            let y = URL_SAFE_NO_PAD
                .decode(y)
                .map_err(|e| format!("y is not unpadded base64url: {e}"))?;
            if x.len() != 48 || y.len() != 48 {
                return Err(format!(
                    "x and y are {} and {} bytes; P-384 needs 48 each",
                    x.len(),
                    y.len()
                ));
            }
            let mut p = Vec::with_capacity(P384_POINT_LEN);
            p.push(0x04);
            p.extend_from_slice(&x);
            p.extend_from_slice(&y);
            check_point(&p)?;
            Some(p)
        }
        (None, None) => None,
        _ => return Err("only one of x and y is present".into()),
    };
    let (certificate, x5c_len) = match obj.get("x5c") {
        None => (None, 0),
        Some(Value::Array(chain)) => {
            if chain.is_empty() {
                return Err("x5c is empty".into());
            }
            if chain.len() > x509::MAX_CHAIN_LEN {
                return Err(format!(
                    "x5c holds {} certificates; the limit is {}",
                    chain.len(),
                    x509::MAX_CHAIN_LEN
                ));
            }
            let first = chain
                .first()
                .and_then(Value::as_str)
                .ok_or("x5c[0] is not a string")?;
            let der = STANDARD
                .decode(first)
                .map_err(|e| format!("x5c[0] is not base64: {e}"))?;
            let cert = Certificate::from_der(&der).map_err(|e| format!("x5c[0]: {e}"))?;
            (Some(cert), chain.len())
        }
        Some(_) => return Err("x5c is not an array".into()),
    };
    let point = match (&certificate, xy_point) {
        (Some(cert), xy) => {
            let cert_point = cert
                .p384_point
                .clone()
                .ok_or("the x5c[0] certificate's key is not EC P-384")?;
            if cert_point.len() != P384_POINT_LEN || cert_point.first() != Some(&0x04) {
                return Err("the x5c[0] certificate's key is not an uncompressed point".into());
            }
            if let Some(xy) = xy
                && xy != cert_point
            {
                return Err("the x5c[0] certificate's key differs from x/y".into());
            }
            check_point(&cert_point)?;
            cert_point
        }
        (None, Some(xy)) => xy,
        (None, None) => return Err("the JWK has neither x/y nor x5c".into()),
    };
    Ok(JwkKey {
        kid: kid.to_string(),
        point,
        certificate,
        x5c_len,
        alg,
    })
}

/// Checks that `point` is a valid P-384 public key (on the curve, not the identity).
pub(super) fn check_point(point: &[u8]) -> Result<(), String> {
    if crate::crypto::is_p384_point(point) {
        Ok(())
    } else {
        Err("the public key is not a point on P-384".to_string())
    }
}

/// Extracts the SEC1 point from a DER SubjectPublicKeyInfo of a P-384 key.
pub(super) fn spki_p384_point(der: &[u8]) -> Result<Vec<u8>, String> {
    use x509_parser::prelude::FromDer;
    use x509_parser::x509::SubjectPublicKeyInfo;
    let (rest, spki) = SubjectPublicKeyInfo::from_der(der).map_err(|_| {
        "neither a 97-byte uncompressed P-384 point nor a DER SubjectPublicKeyInfo".to_string()
    })?;
    if !rest.is_empty() {
        return Err(format!(
            "{} trailing bytes after the SubjectPublicKeyInfo",
            rest.len()
        ));
    }
    if spki.algorithm.algorithm.to_id_string() != OID_EC_PUBLIC_KEY {
        return Err("the SubjectPublicKeyInfo is not an EC key".into());
    }
    let curve_ok = spki
        .algorithm
        .parameters
        .as_ref()
        .and_then(|p| p.as_oid().ok())
        .is_some_and(|o| o.to_id_string() == OID_SECP384R1);
    if !curve_ok {
        return Err("the SubjectPublicKeyInfo's curve is not P-384".into());
    }
    let point = spki.subject_public_key.data.to_vec();
    if point.len() != P384_POINT_LEN || point.first() != Some(&0x04) {
        return Err("the SubjectPublicKeyInfo does not hold an uncompressed P-384 point".into());
    }
    Ok(point)
}
