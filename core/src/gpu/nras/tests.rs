use super::*;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{
    ECDSA_P384_SHA384_ASN1_SIGNING, ECDSA_P384_SHA384_FIXED_SIGNING, EcdsaKeyPair, KeyPair,
};
use serde_json::json;

const NOW: i64 = 1_717_200_000;
const NONCE: [u8; 32] = [0x5a; 32];

struct Signer {
    key: EcdsaKeyPair,
    rng: SystemRandom,
}

impl Signer {
    fn new() -> Self {
        let rng = SystemRandom::new();
        let pkcs8 =
            EcdsaKeyPair::generate_pkcs8(&ECDSA_P384_SHA384_FIXED_SIGNING, &rng).expect("generate");
        let key = EcdsaKeyPair::from_pkcs8(&ECDSA_P384_SHA384_FIXED_SIGNING, pkcs8.as_ref())
            .expect("load");
        Signer { key, rng }
    }
    fn point(&self) -> Vec<u8> {
        self.key.public_key().as_ref().to_vec()
    }
    fn jwks(&self, kid: &str) -> Jwks {
        Jwks::pinned(kid, &self.point()).expect("pinned")
    }
    fn sign_with_header(&self, header: &Value, claims: &Value) -> String {
        let input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let sig = self.key.sign(&self.rng, input.as_bytes()).expect("sign");
        format!("{input}.{}", URL_SAFE_NO_PAD.encode(sig.as_ref()))
    }
    fn sign(&self, claims: &Value) -> String {
        self.sign_with_header(&json!({"kid": "k", "alg": "ES384"}), claims)
    }
}

fn gpu_claims(i: usize) -> Value {
    json!({
        "iss": NRAS_ISSUER, "iat": NOW - 10, "nbf": NOW - 10, "exp": NOW + 3590,
        "measres": "success", "secboot": true, "dbgstat": "disabled",
        "x-nvidia-gpu-arch-check": true,
        "x-nvidia-gpu-driver-version": "550.90.07",
        "x-nvidia-gpu-vbios-version": "96.00.9F.00.01",
        "hwmodel": "GH100 A01 GSP BROM", "ueid": format!("{}", 1000 + i),
        "eat_nonce": hex::encode(NONCE),
    })
}

fn overall_claims(tokens: &BTreeMap<String, String>) -> Value {
    let submods: Map<String, Value> = tokens
        .iter()
        .map(|(n, t)| {
            (
                n.clone(),
                json!([
                    "DIGEST",
                    ["SHA-256", hex::encode(crypto::sha256(t.as_bytes()))]
                ]),
            )
        })
        .collect();
    json!({
        "sub": "NVIDIA-PLATFORM-ATTESTATION", "x-nvidia-ver": "3.0",
        "x-nvidia-overall-att-result": true, "eat_nonce": hex::encode(NONCE),
        "submods": submods, "iss": NRAS_ISSUER,
        "iat": NOW - 10, "nbf": NOW - 10, "exp": NOW + 3590, "jti": "j",
    })
}

fn eat_bytes(overall: &str, tokens: &BTreeMap<String, String>) -> Vec<u8> {
    json!([["JWT", overall], tokens]).to_string().into_bytes()
}

/// A good EAT with `n` GPUs, letting `edit` change GPU claims before signing.
fn build(s: &Signer, n: usize, edit: impl Fn(usize, &mut Value)) -> Vec<u8> {
    let tokens: BTreeMap<String, String> = (0..n)
        .map(|i| {
            let mut c = gpu_claims(i);
            edit(i, &mut c);
            (format!("GPU-{i}"), s.sign(&c))
        })
        .collect();
    eat_bytes(&s.sign(&overall_claims(&tokens)), &tokens)
}

fn kinds(r: &EatReport) -> Vec<&'static str> {
    r.failure_kinds()
        .into_iter()
        .map(FailureKind::as_str)
        .collect()
}

#[test]
fn good_eat_passes_and_surfaces_claims() {
    let s = Signer::new();
    let r = verify_eat(&build(&s, 2, |_, _| {}), &s.jwks("k"), &NONCE, Some(2), NOW);
    assert!(r.passed(), "{:?}", r.failures());
    assert_eq!(r.gpus.len(), 2);
    let g = &r.gpus[1];
    assert_eq!(g.subject, "gpu1");
    assert_eq!(g.driver_version.as_deref(), Some("550.90.07"));
    assert_eq!(g.vbios_version.as_deref(), Some("96.00.9F.00.01"));
    assert_eq!(g.hwmodel.as_deref(), Some("GH100 A01 GSP BROM"));
    assert_eq!(g.ueid.as_deref(), Some("1001"));
    assert_eq!(r.overall.overall_att_result, Some(true));
    assert_eq!(r.overall.expires, Some(NOW + 3590));
    let checks = r.checks();
    assert_eq!(checks.len(), 3);
    assert!(
        checks
            .iter()
            .all(|c| c.id == CHECK_ID && c.status == CheckStatus::Pass)
    );
    assert_eq!(checks[0].subject, None);
    assert!(
        checks[0].detail.contains("eat_nonce matches"),
        "{}",
        checks[0].detail
    );
    assert!(checks[0].detail.contains("every SHA-256 digest matches"));
    assert!(
        checks[2].detail.contains("measres success"),
        "{}",
        checks[2].detail
    );
}

#[test]
fn twelve_gpus_sort_numerically() {
    let s = Signer::new();
    let r = verify_eat(
        &build(&s, 12, |_, _| {}),
        &s.jwks("k"),
        &NONCE,
        Some(12),
        NOW,
    );
    assert!(r.passed(), "{:?}", r.failures());
    let subjects: Vec<String> = r
        .checks()
        .into_iter()
        .skip(1)
        .filter_map(|c| c.subject)
        .collect();
    let want: Vec<String> = (0..12).map(|i| format!("gpu{i}")).collect();
    assert_eq!(subjects, want);
}

#[test]
fn gpu_appraisal_claims_are_enforced() {
    let s = Signer::new();
    let cases: [(&str, Value, &str); 5] = [
        ("secboot", json!(false), "secboot"),
        ("dbgstat", json!("enabled"), "dbgstat"),
        ("x-nvidia-gpu-arch-check", json!(false), "arch_check"),
        ("measres", json!(null), "measres"),
        (
            "x-nvidia-error-details",
            json!({"code": 3}),
            "error_details",
        ),
    ];
    for (claim, value, kind) in cases {
        let eat = build(&s, 2, |i, c| {
            if i == 1 {
                c[claim] = value.clone();
            }
        });
        let r = verify_eat(&eat, &s.jwks("k"), &NONCE, None, NOW);
        assert_eq!(kinds(&r), vec![kind], "{claim}");
        assert!(r.overall.failures.is_empty() && r.gpus[0].failures.is_empty());
        let checks = r.checks();
        assert_eq!(checks[2].status, CheckStatus::Fail);
        assert!(checks[2].detail.contains(claim), "{}", checks[2].detail);
    }
    // A missing claim is as bad as a wrong one.
    let eat = build(&s, 1, |_, c| {
        c.as_object_mut().map(|o| o.remove("secboot"));
    });
    let r = verify_eat(&eat, &s.jwks("k"), &NONCE, None, NOW);
    assert_eq!(kinds(&r), vec!["secboot"]);
    // ...but an empty error-details claim is no error.
    let eat = build(&s, 1, |_, c| c["x-nvidia-error-details"] = json!(""));
    assert!(verify_eat(&eat, &s.jwks("k"), &NONCE, None, NOW).passed());
}

#[test]
fn error_details_are_surfaced() {
    let s = Signer::new();
    let eat = build(&s, 1, |_, c| {
        c["x-nvidia-error-details"] = json!("OCSP down")
    });
    let r = verify_eat(&eat, &s.jwks("k"), &NONCE, None, NOW);
    assert_eq!(r.gpus[0].error_details.as_deref(), Some("OCSP down"));
    assert!(!r.passed());
}

#[test]
fn gpu_count_and_empty_eat() {
    let s = Signer::new();
    let eat = build(&s, 3, |_, _| {});
    let r = verify_eat(&eat, &s.jwks("k"), &NONCE, Some(4), NOW);
    assert_eq!(kinds(&r), vec!["gpu_count"]);
    let r = verify_eat(&build(&s, 0, |_, _| {}), &s.jwks("k"), &NONCE, None, NOW);
    assert!(!r.passed());
    assert_eq!(kinds(&r), vec!["format"]);
}

#[test]
fn time_edges_and_leeway() {
    let s = Signer::new();
    let jwks = s.jwks("k");
    let eat = build(&s, 1, |_, _| {});
    // exp = NOW + 3590: still fine within the leeway, expired at exp + leeway.
    let exp = NOW + 3590;
    assert!(verify_eat(&eat, &jwks, &NONCE, None, exp + DEFAULT_LEEWAY_SECS - 1).passed());
    let r = verify_eat(&eat, &jwks, &NONCE, None, exp + DEFAULT_LEEWAY_SECS);
    assert_eq!(kinds(&r), vec!["expired"]);
    // nbf = NOW - 10.
    assert!(verify_eat(&eat, &jwks, &NONCE, None, NOW - 10 - DEFAULT_LEEWAY_SECS).passed());
    let r = verify_eat(&eat, &jwks, &NONCE, None, NOW - 11 - DEFAULT_LEEWAY_SECS);
    assert_eq!(kinds(&r), vec!["not_yet_valid"]);
    // A stricter policy.
    let strict = EatPolicy {
        leeway_secs: 0,
        ..EatPolicy::default()
    };
    let r = verify_eat_with(&eat, &jwks, &NONCE, None, exp, &strict);
    assert_eq!(kinds(&r), vec!["expired"]);
    // Extreme times never overflow.
    for now in [i64::MIN, i64::MAX] {
        assert!(!verify_eat(&eat, &jwks, &NONCE, None, now).passed());
    }
}

#[test]
fn overall_claims_required() {
    let s = Signer::new();
    let tokens: BTreeMap<String, String> = [("GPU-0".to_string(), s.sign(&gpu_claims(0)))].into();
    for (claim, kind) in [
        ("exp", "claims"),
        ("iss", "issuer"),
        ("eat_nonce", "nonce"),
        ("submods", "submods"),
        ("x-nvidia-overall-att-result", "overall_result"),
    ] {
        let mut c = overall_claims(&tokens);
        c.as_object_mut().map(|o| o.remove(claim));
        let r = verify_eat(
            &eat_bytes(&s.sign(&c), &tokens),
            &s.jwks("k"),
            &NONCE,
            None,
            NOW,
        );
        assert!(
            r.failure_kinds().iter().any(|k| k.as_str() == kind),
            "{claim}: {:?}",
            r.failures()
        );
        assert!(!r.passed());
    }
    // Wrong types.
    let mut c = overall_claims(&tokens);
    c["exp"] = json!("tomorrow");
    c["x-nvidia-overall-att-result"] = json!("true");
    let r = verify_eat(
        &eat_bytes(&s.sign(&c), &tokens),
        &s.jwks("k"),
        &NONCE,
        None,
        NOW,
    );
    assert_eq!(kinds(&r), vec!["claims", "overall_result"]);
    // Another issuer.
    let mut c = overall_claims(&tokens);
    c["iss"] = json!("https://nras.example");
    let r = verify_eat(
        &eat_bytes(&s.sign(&c), &tokens),
        &s.jwks("k"),
        &NONCE,
        None,
        NOW,
    );
    assert_eq!(kinds(&r), vec!["issuer"]);
    // ...accepted when the policy says so.
    let p = EatPolicy {
        issuer: "https://nras.example".into(),
        ..EatPolicy::default()
    };
    let r = verify_eat_with(
        &eat_bytes(&s.sign(&c), &tokens),
        &s.jwks("k"),
        &NONCE,
        None,
        NOW,
        &p,
    );
    // The GPU token still says the NVIDIA issuer.
    assert_eq!(kinds(&r), vec!["issuer"]);
    assert!(r.overall.failures.is_empty());
    // Float NumericDates are accepted.
    let mut c = overall_claims(&tokens);
    c["exp"] = json!((NOW + 100) as f64 + 0.5);
    let r = verify_eat(
        &eat_bytes(&s.sign(&c), &tokens),
        &s.jwks("k"),
        &NONCE,
        None,
        NOW,
    );
    assert!(r.passed(), "{:?}", r.failures());
}

#[test]
fn malformed_submods_entries() {
    let s = Signer::new();
    let tokens: BTreeMap<String, String> = [("GPU-0".to_string(), s.sign(&gpu_claims(0)))].into();
    let good = hex::encode(crypto::sha256(tokens["GPU-0"].as_bytes()));
    for entry in [
        json!(["DIGEST", ["SHA256", good]]),
        json!(["DIGEST", ["SHA-384", good]]),
        json!(["HASH", ["SHA-256", good]]),
        json!(["DIGEST", ["SHA-256", good, "x"]]),
        json!(["DIGEST", ["SHA-256", &good[..62]]]),
        json!(good),
        json!({"DIGEST": good}),
    ] {
        let mut c = overall_claims(&tokens);
        c["submods"]["GPU-0"] = entry.clone();
        let r = verify_eat(
            &eat_bytes(&s.sign(&c), &tokens),
            &s.jwks("k"),
            &NONCE,
            None,
            NOW,
        );
        assert_eq!(kinds(&r), vec!["submods"], "{entry}");
    }
    // Upper-case hex is the same digest.
    let mut c = overall_claims(&tokens);
    c["submods"]["GPU-0"] = json!(["DIGEST", ["SHA-256", good.to_uppercase()]]);
    let r = verify_eat(
        &eat_bytes(&s.sign(&c), &tokens),
        &s.jwks("k"),
        &NONCE,
        None,
        NOW,
    );
    assert!(r.passed());
}

#[test]
fn strict_jws_parsing() {
    let s = Signer::new();
    let jwks = s.jwks("k");
    let tokens: BTreeMap<String, String> = [("GPU-0".to_string(), s.sign(&gpu_claims(0)))].into();
    let overall = s.sign(&overall_claims(&tokens));
    let check = |tok: &str, kind: &str| {
        let r = verify_eat(&eat_bytes(tok, &tokens), &jwks, &NONCE, None, NOW);
        assert!(
            r.overall.failures.iter().any(|f| f.kind.as_str() == kind),
            "{tok}: {:?}",
            r.overall.failures
        );
    };
    let parts: Vec<&str> = overall.split('.').collect();
    check(&format!("{}.{}", parts[0], parts[1]), "jws");
    check(&format!("{overall}.x"), "jws");
    check(&format!("{overall}="), "jws");
    check(&format!(" {overall}"), "jws");
    check(&format!("{}.{}.{}A", parts[0], parts[1], parts[2]), "jws");
    check(&format!(".{}.{}", parts[1], parts[2]), "jws");
    // A changed signature character (96 bytes use all 128 characters' bits).
    let mut sig = parts[2].to_string();
    let last = sig.pop().unwrap_or('A');
    sig.push(if last == 'A' { 'B' } else { 'A' });
    check(&format!("{}.{}.{sig}", parts[0], parts[1]), "signature");
    // Non-canonical base64url: the 25-byte header's last character carries 4 unused bits;
    // setting one decodes to the same bytes in lax decoders, and is refused here.
    assert_eq!(parts[0].len() % 4, 2);
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut head = parts[0].as_bytes().to_vec();
    let last = head.pop().unwrap_or(b'A');
    let pos = alphabet.iter().position(|c| *c == last).unwrap_or(0);
    head.push(alphabet[pos ^ 1]);
    let head = String::from_utf8(head).unwrap_or_default();
    check(&format!("{head}.{}.{}", parts[1], parts[2]), "jws");
    // Duplicate claim keys, crit, missing/odd header values.
    let body = r#"{"eat_nonce":"00","eat_nonce":"00"}"#;
    check(
        &format!("{}.{}.{}", parts[0], URL_SAFE_NO_PAD.encode(body), parts[2]),
        "jws",
    );
    for (header, kind) in [
        (json!({"kid": "k", "alg": "ES384", "crit": ["b64"]}), "jws"),
        (json!({"alg": "ES384"}), "kid"),
        (json!({"kid": 7, "alg": "ES384"}), "kid"),
        (json!({"kid": "k"}), "alg"),
        (json!({"kid": "k", "alg": "es384"}), "alg"),
        (json!({"kid": "k", "alg": "ES256"}), "alg"),
        (
            json!({"kid": "k", "alg": "ES384", "jwk": {"kty": "EC"}}),
            "",
        ),
    ] {
        let tok = s.sign_with_header(&header, &overall_claims(&tokens));
        if kind.is_empty() {
            let r = verify_eat(&eat_bytes(&tok, &tokens), &jwks, &NONCE, None, NOW);
            assert!(r.passed(), "{header}");
        } else {
            check(&tok, kind);
        }
    }
}

#[test]
fn der_signature_is_refused() {
    let s = Signer::new();
    let rng = SystemRandom::new();
    let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P384_SHA384_ASN1_SIGNING, &rng).expect("gen");
    let der_key =
        EcdsaKeyPair::from_pkcs8(&ECDSA_P384_SHA384_ASN1_SIGNING, pkcs8.as_ref()).expect("k");
    let jwks = Jwks::pinned("k", der_key.public_key().as_ref()).expect("pin");
    let tokens: BTreeMap<String, String> = [("GPU-0".to_string(), s.sign(&gpu_claims(0)))].into();
    let header = URL_SAFE_NO_PAD.encode(json!({"kid": "k", "alg": "ES384"}).to_string());
    let input = format!(
        "{header}.{}",
        URL_SAFE_NO_PAD.encode(overall_claims(&tokens).to_string())
    );
    let sig = der_key.sign(&rng, input.as_bytes()).expect("sign");
    let tok = format!("{input}.{}", URL_SAFE_NO_PAD.encode(sig.as_ref()));
    let r = verify_eat(&eat_bytes(&tok, &tokens), &jwks, &NONCE, None, NOW);
    let f = r
        .overall
        .failures
        .iter()
        .find(|f| f.kind == FailureKind::Signature)
        .expect("signature failure");
    assert!(f.detail.contains("DER"), "{}", f.detail);
}

#[test]
fn detached_shape_is_strict() {
    let s = Signer::new();
    let jwks = s.jwks("k");
    let eat = build(&s, 1, |_, _| {});
    let v: Value = serde_json::from_slice(&eat).expect("json");
    let overall = v[0][1].as_str().expect("str").to_string();
    let gpu = v[1]["GPU-0"].as_str().expect("str").to_string();
    for bad in [
        json!({}),
        json!([]),
        json!([["JWT", overall]]),
        json!([["JWT", overall], {"GPU-0": gpu}, {}]),
        json!([["JWS", overall], {"GPU-0": gpu}]),
        json!([["JWT", overall, 1], {"GPU-0": gpu}]),
        json!([[overall], {"GPU-0": gpu}]),
        json!([["JWT", overall], [gpu]]),
        json!([["JWT", overall], {"GPU-0": 1}]),
    ] {
        let r = verify_eat(bad.to_string().as_bytes(), &jwks, &NONCE, None, NOW);
        assert_eq!(kinds(&r), vec!["format"], "{bad}");
        assert_eq!(r.checks().len(), 1);
        assert_eq!(r.checks()[0].status, CheckStatus::Fail);
    }
    // Duplicate GPU names.
    let dup = format!(r#"[["JWT","{overall}"],{{"GPU-0":"{gpu}","GPU-0":"{gpu}"}}]"#);
    let r = verify_eat(dup.as_bytes(), &jwks, &NONCE, None, NOW);
    assert_eq!(kinds(&r), vec!["format"]);
    // Oversized input.
    let mut big = eat.clone();
    big.resize(MAX_EAT_LEN + 1, b' ');
    let r = verify_eat(&big, &jwks, &NONCE, None, NOW);
    assert_eq!(kinds(&r), vec!["size"]);
    // Too many GPUs.
    let many: Map<String, Value> = (0..=MAX_GPUS)
        .map(|i| (format!("GPU-{i}"), Value::String(gpu.clone())))
        .collect();
    let r = verify_eat(
        json!([["JWT", overall], many]).to_string().as_bytes(),
        &jwks,
        &NONCE,
        None,
        NOW,
    );
    assert_eq!(kinds(&r), vec!["format"]);
}

#[test]
fn odd_gpu_names() {
    let s = Signer::new();
    let jwks = s.jwks("k");
    for name in ["GPU-01", "gpu-0", "GPU-", "GPU-x", "GPU-1234567890"] {
        let tokens: BTreeMap<String, String> = [(name.to_string(), s.sign(&gpu_claims(0)))].into();
        let eat = eat_bytes(&s.sign(&overall_claims(&tokens)), &tokens);
        let r = verify_eat(&eat, &jwks, &NONCE, None, NOW);
        assert_eq!(kinds(&r), vec!["format"], "{name}");
        assert_eq!(r.gpus[0].subject, name);
    }
    assert_eq!(gpu_index("GPU-10"), Some(10));
    assert_eq!(gpu_index("GPU-0"), Some(0));
}

#[test]
fn nonce_comparison() {
    let s = Signer::new();
    let jwks = s.jwks("k");
    let eat = build(&s, 1, |_, c| {
        c["eat_nonce"] = json!(hex::encode(NONCE).to_uppercase());
    });
    assert!(verify_eat(&eat, &jwks, &NONCE, None, NOW).passed());
    let eat = build(&s, 1, |_, c| {
        c.as_object_mut().map(|o| o.remove("eat_nonce"));
    });
    assert!(verify_eat(&eat, &jwks, &NONCE, None, NOW).passed());
    let eat = build(&s, 1, |_, c| c["eat_nonce"] = json!("00"));
    let r = verify_eat(&eat, &jwks, &NONCE, None, NOW);
    assert_eq!(kinds(&r), vec!["nonce"]);
    assert!(r.overall.failures.is_empty());
    let r = verify_eat(&build(&s, 1, |_, _| {}), &jwks, &[0u8; 32], None, NOW);
    assert_eq!(kinds(&r), vec!["nonce"]);
    assert!(!r.overall.failures.is_empty());
}

fn b64u(b: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(b)
}

#[test]
fn jwks_parsing() {
    let s = Signer::new();
    let p = s.point();
    let (x, y) = (b64u(&p[1..49]), b64u(&p[49..]));
    let ok = json!({"keys": [
        {"kty": "EC", "crv": "P-384", "kid": "a", "x": x, "y": y, "alg": "ES384", "use": "sig"},
        {"kty": "RSA", "kid": "r", "n": "AQAB", "e": "AQAB"},
        {"kty": "EC", "crv": "P-256", "kid": "p256", "x": x, "y": y},
        {"kty": "EC", "crv": "P-384", "kid": "bad", "x": x, "y": b64u(&[1u8; 48])},
        {"kty": "EC", "crv": "P-384", "kid": "hs", "alg": "HS256", "x": x, "y": y},
        {"kty": "EC", "crv": "P-384", "kid": "pad", "x": format!("{x}="), "y": y},
        {"kty": "EC", "crv": "P-384", "kid": "dup", "x": x, "y": y},
        {"kty": "EC", "crv": "P-384", "kid": "dup", "x": x, "y": y},
        {"kty": "EC", "crv": "P-384", "x": x, "y": y},
    ]});
    let jwks = Jwks::from_json(ok.to_string().as_bytes()).expect("jwks");
    assert_eq!(jwks.keys().len(), 1);
    assert_eq!(jwks.keys()[0].point, p);
    assert!(jwks.select("a").is_ok());
    for kid in ["r", "p256", "bad", "hs", "pad", "dup"] {
        let e = jwks.select(kid).expect_err(kid);
        assert!(e.contains("unusable"), "{kid}: {e}");
    }
    assert!(jwks.select("zzz").expect_err("zzz").contains("no JWKS key"));
    // Whole-document errors.
    assert!(matches!(
        Jwks::from_json(b"[]"),
        Err(JwksError::Malformed(_))
    ));
    assert!(matches!(
        Jwks::from_json(br#"{"keys":[]}"#),
        Err(JwksError::NoUsableKey(_))
    ));
    assert!(matches!(
        Jwks::from_json(br#"{"keys":[{"kty":"RSA","kid":"r"}]}"#),
        Err(JwksError::NoUsableKey(_))
    ));
    assert!(matches!(
        Jwks::from_json(&vec![b' '; MAX_JWKS_LEN + 1]),
        Err(JwksError::TooLarge(_))
    ));
    // A token naming an unusable key fails with kind `key`.
    let tokens: BTreeMap<String, String> = [("GPU-0".to_string(), s.sign(&gpu_claims(0)))].into();
    let tok = s.sign_with_header(
        &json!({"kid": "bad", "alg": "ES384"}),
        &overall_claims(&tokens),
    );
    let r = verify_eat(&eat_bytes(&tok, &tokens), &jwks, &NONCE, None, NOW);
    assert!(
        r.overall
            .failures
            .iter()
            .any(|f| f.kind == FailureKind::Key)
    );
}

#[test]
fn pinned_keys() {
    let s = Signer::new();
    let p = s.point();
    // SPKI DER of a P-384 key: fixed 23-byte prefix + the point.
    let mut spki = hex::decode("3076301006072a8648ce3d020106052b81040022036200").expect("hex");
    spki.extend_from_slice(&p);
    let jwks = Jwks::pinned("k", &spki).expect("spki");
    assert_eq!(jwks.keys()[0].point, p);
    assert!(verify_eat(&build(&s, 1, |_, _| {}), &jwks, &NONCE, None, NOW).passed());
    assert!(Jwks::pinned("", &p).is_err());
    assert!(Jwks::pinned("k", &p[..96]).is_err());
    let mut off = p.clone();
    off[96] ^= 1;
    assert!(Jwks::pinned("k", &off).is_err());
    spki.push(0);
    assert!(Jwks::pinned("k", &spki).is_err());
    // Another key never verifies.
    let other = Signer::new();
    let r = verify_eat(
        &build(&s, 1, |_, _| {}),
        &other.jwks("k"),
        &NONCE,
        None,
        NOW,
    );
    assert_eq!(kinds(&r), vec!["signature"]);
}

#[test]
fn never_panics_on_mutations() {
    let s = Signer::new();
    let jwks = s.jwks("k");
    let eat = build(&s, 2, |_, _| {});
    // Truncations and single-byte changes all over the EAT.
    let step = (eat.len() / 300).max(1);
    for i in (0..eat.len()).step_by(step) {
        let r = verify_eat(&eat[..i], &jwks, &NONCE, None, NOW);
        assert!(!r.passed());
        let _ = r.checks();
        for b in [b'"', b'A', 0xff, b'.', b'\\'] {
            let mut m = eat.clone();
            if m[i] == b {
                continue;
            }
            m[i] = b;
            let r = verify_eat(&m, &jwks, &NONCE, None, NOW);
            let _ = r.checks();
        }
    }
    // Deep nesting is refused by the JSON parser, not the stack.
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    assert!(!verify_eat(deep.as_bytes(), &jwks, &NONCE, None, NOW).passed());
    for junk in [&b""[..], b"null", b"\xff\xfe", b"[[\"JWT\",\"a.b.c\"],{}]"] {
        let r = verify_eat(junk, &jwks, &NONCE, None, NOW);
        assert!(!r.passed());
        assert!(!r.checks().is_empty());
    }
    for junk in [
        &b""[..],
        b"{",
        b"{\"keys\":{}}",
        b"{\"keys\":[1,\"x\",null]}",
    ] {
        assert!(Jwks::from_json(junk).is_err());
    }
}

#[test]
fn clip_is_char_safe() {
    let long = "é".repeat(500);
    let c = clip(&long);
    assert_eq!(c.chars().count(), CLIP + 1);
    assert_eq!(clip("a\nb"), "a\\nb");
}

#[test]
fn verdict_from_eat_over_the_fixtures() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/vectors/gpu/nras/");
    let read = |n: &str| std::fs::read(format!("{dir}{n}")).unwrap();
    let index: Value = serde_json::from_slice(&read("index.json")).unwrap();
    let jwks = Jwks::from_json(&read("jwks.json")).unwrap();
    let now = index["now"].as_i64().unwrap();
    let mut nonce = [0u8; 32];
    hex::decode_to_slice(index["nonce"].as_str().unwrap(), &mut nonce).unwrap();
    for v in index["vectors"].as_array().unwrap() {
        let file = v["file"].as_str().unwrap();
        let expected = v["expected_gpus"].as_u64().map(|n| n as usize);
        let verdict = verdict_from_eat(&read(file), &jwks, &nonce, expected, now);
        assert_eq!(verdict.verified, v["verified"].as_bool().unwrap(), "{file}");
        assert!(verdict.checks.iter().all(|c| c.id == CHECK_ID), "{file}");
        assert_eq!(
            verdict.checks.len(),
            1 + v["gpus"].as_u64().unwrap() as usize,
            "{file}"
        );
        assert_eq!(verdict.facts["gpu.eat_nonce"], hex::encode(nonce));
        if verdict.verified {
            assert_eq!(verdict.facts["gpu.nras.kid"], "test-kid");
            assert_eq!(verdict.facts["gpu.nras.overall_att_result"], "true");
            assert_eq!(verdict.checks[1].subject.as_deref(), Some("gpu0"));
        }
    }
    // The wrong count, the wrong nonce, the wrong time: not verified.
    let good = read("good_1gpu.json");
    assert!(!verdict_from_eat(&good, &jwks, &nonce, Some(2), now).verified);
    assert!(!verdict_from_eat(&good, &jwks, &[0; 32], None, now).verified);
    assert!(!verdict_from_eat(&good, &jwks, &nonce, None, now + 86_400).verified);
    let junk = verdict_from_eat(b"[]", &jwks, &nonce, None, now);
    assert!(!junk.verified);
    assert_eq!(junk.checks[0].status, CheckStatus::Fail);
}
