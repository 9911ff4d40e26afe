//! NRAS detached-EAT verification against the committed fixtures in `tests/vectors/gpu/nras/`
//! (written once by `tests/vectors/gen/gpu_nras.py` with a TEST key; see its README).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeSet;
use std::path::PathBuf;

use ccverify::CheckStatus;
use ccverify::gpu::nras::{
    CHECK_ID, EatPolicy, FailureKind, Jwks, JwksError, NRAS_ISSUER, verify_eat, verify_eat_with,
};
use serde_json::Value;

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/vectors/gpu/nras")
}

fn read(name: &str) -> Vec<u8> {
    std::fs::read(dir().join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn index() -> Value {
    serde_json::from_slice(&read("index.json")).unwrap()
}

fn now() -> i64 {
    index()["now"].as_i64().unwrap()
}

fn nonce() -> [u8; 32] {
    let mut n = [0u8; 32];
    hex::decode_to_slice(index()["nonce"].as_str().unwrap(), &mut n).unwrap();
    n
}

fn jwks() -> Jwks {
    Jwks::from_json(&read("jwks.json")).unwrap()
}

fn kinds(r: &ccverify::gpu::nras::EatReport) -> BTreeSet<String> {
    r.failure_kinds()
        .into_iter()
        .map(|k| k.as_str().to_string())
        .collect()
}

#[test]
fn index_pins_the_documented_values() {
    let idx = index();
    assert_eq!(idx["now"], 1_717_200_000);
    assert_eq!(
        idx["nonce"],
        "931d8dd0add203ac3d8b4fbde75e115278eefcdceac5b87671a748f32364dfcb"
    );
    assert_eq!(idx["issuer"], NRAS_ISSUER);
    assert_eq!(idx["kid"], "test-kid");
    assert!(idx["vectors"].as_array().unwrap().len() >= 17);
}

#[test]
fn every_vector_has_its_expected_outcome() {
    let idx = index();
    let jwks = jwks();
    let (now, nonce) = (now(), nonce());
    for v in idx["vectors"].as_array().unwrap() {
        let file = v["file"].as_str().unwrap();
        let expected_gpus = v["expected_gpus"].as_u64().map(|n| n as usize);
        let r = verify_eat(&read(file), &jwks, &nonce, expected_gpus, now);
        let want: BTreeSet<String> = v["failures"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| k.as_str().unwrap().to_string())
            .collect();
        assert_eq!(kinds(&r), want, "{file}: {:#?}", r.failures());
        assert_eq!(r.passed(), v["verified"].as_bool().unwrap(), "{file}");
        assert_eq!(r.gpus.len() as u64, v["gpus"].as_u64().unwrap(), "{file}");

        // The check rows agree with the report.
        let checks = r.checks();
        assert_eq!(checks.len(), r.gpus.len() + 1, "{file}");
        assert!(checks.iter().all(|c| c.id == CHECK_ID));
        assert_eq!(checks[0].subject, None);
        let all_pass = checks.iter().all(|c| c.status == CheckStatus::Pass);
        assert_eq!(all_pass, r.passed(), "{file}");
        for c in checks.iter().filter(|c| c.status == CheckStatus::Fail) {
            assert!(c.detail.contains("failed:"), "{file}: {}", c.detail);
        }
    }
}

#[test]
fn good_eight_gpu_eat_in_detail() {
    let r = verify_eat(&read("good_8gpu.json"), &jwks(), &nonce(), Some(8), now());
    assert!(r.passed(), "{:#?}", r.failures());
    assert_eq!(r.overall.kid.as_deref(), Some("test-kid"));
    assert_eq!(r.overall.issuer.as_deref(), Some(NRAS_ISSUER));
    assert_eq!(r.overall.version.as_deref(), Some("3.0"));
    assert_eq!(r.overall.overall_att_result, Some(true));
    assert_eq!(r.overall.issued_at, Some(now() - 60));
    assert_eq!(r.overall.expires, Some(now() - 60 + 3600));
    let checks = r.checks();
    let subjects: Vec<&str> = checks
        .iter()
        .skip(1)
        .map(|c| c.subject.as_deref().unwrap())
        .collect();
    assert_eq!(
        subjects,
        [
            "gpu0", "gpu1", "gpu2", "gpu3", "gpu4", "gpu5", "gpu6", "gpu7"
        ]
    );
    let overall = &checks[0].detail;
    for phrase in [
        "ES384 signature by kid test-kid",
        "iss https://nras.attestation.nvidia.com",
        "valid at 2024-06-01T00:00:00Z",
        "eat_nonce matches",
        "exactly the 8 GPU token(s) and every SHA-256 digest matches",
        "x-nvidia-overall-att-result true",
        "8 GPU token(s) as expected",
    ] {
        assert!(overall.contains(phrase), "{phrase:?} not in {overall}");
    }
    for (i, g) in r.gpus.iter().enumerate() {
        assert_eq!(g.name, format!("GPU-{i}"));
        assert_eq!(g.index, Some(i as u32));
        assert_eq!(g.measres.as_deref(), Some("success"));
        assert_eq!(g.secboot, Some(true));
        assert_eq!(g.dbgstat.as_deref(), Some("disabled"));
        assert_eq!(g.arch_check, Some(true));
        assert_eq!(g.driver_version.as_deref(), Some("550.90.07"));
        assert_eq!(g.vbios_version.as_deref(), Some("96.00.9F.00.01"));
        assert_eq!(g.hwmodel.as_deref(), Some("GH100 A01 GSP BROM"));
        assert_eq!(g.error_details, None);
        assert!(g.claims.is_some());
        let detail = &checks[i + 1].detail;
        for phrase in [
            "ES384 signature by kid test-kid (x5c ccverify TEST NRAS signing key (not NVIDIA))",
            "matches submods",
            "measres success, secboot true, dbgstat disabled, x-nvidia-gpu-arch-check true",
            "driver 550.90.07, VBIOS 96.00.9F.00.01, hwmodel GH100 A01 GSP BROM, ueid ",
        ] {
            assert!(detail.contains(phrase), "{phrase:?} not in {detail}");
        }
    }
    assert_eq!(
        r.gpus[0].ueid.as_deref(),
        Some("478176379286082186618948445787393647364802107249")
    );
    // The report serialises (for CLIs and bindings).
    let json = serde_json::to_string(&r).unwrap();
    assert!(json.contains("\"failures\":[]"));
}

#[test]
fn expected_gpu_count_is_enforced() {
    for n in [0, 1, 7, 9] {
        let r = verify_eat(&read("good_8gpu.json"), &jwks(), &nonce(), Some(n), now());
        assert_eq!(
            r.failure_kinds().into_iter().collect::<Vec<_>>(),
            vec![FailureKind::GpuCount],
            "{n}"
        );
    }
    let r = verify_eat(&read("good_8gpu.json"), &jwks(), &nonce(), None, now());
    assert!(r.passed());
}

#[test]
fn failures_name_the_right_token() {
    let (j, n, t) = (jwks(), nonce(), now());
    // The overall token's alg is the problem, not the GPU's.
    let r = verify_eat(&read("neg_alg_hs256.json"), &j, &n, None, t);
    assert_eq!(r.overall.failures.len(), 1);
    assert!(r.overall.failures[0].detail.contains("HS256"));
    assert!(r.gpus[0].failures.is_empty());
    // A forged GPU token is that GPU's failure.
    let r = verify_eat(&read("neg_gpu_other_key.json"), &j, &n, None, t);
    assert!(r.overall.failures.is_empty());
    assert_eq!(r.gpus[0].failures[0].kind, FailureKind::Signature);
    // The digest mismatch is the tampered GPU's.
    let r = verify_eat(&read("neg_tampered_gpu.json"), &j, &n, None, t);
    assert!(r.overall.failures.is_empty());
    assert_eq!(r.gpus[0].failures[0].kind, FailureKind::Digest);
    assert_eq!(r.gpus[0].driver_version.as_deref(), Some("999.99.99"));
    // Missing / extra tokens: both sides say so.
    for (file, bad_gpu) in [
        ("neg_submod_missing.json", 1),
        ("neg_extra_gpu_token.json", 1),
        ("neg_gpu_token_missing.json", 1),
    ] {
        let r = verify_eat(&read(file), &j, &n, None, t);
        assert_eq!(r.overall.failures[0].kind, FailureKind::Submods, "{file}");
        assert!(r.gpus[0].failures.is_empty(), "{file}");
        assert_eq!(
            r.gpus[bad_gpu].failures[0].kind,
            FailureKind::Submods,
            "{file}"
        );
        let checks = r.checks();
        assert_eq!(checks[2].subject.as_deref(), Some("gpu1"));
        assert_eq!(checks[2].status, CheckStatus::Fail);
    }
    // The DER signature is called out as such.
    let r = verify_eat(&read("neg_der_signature.json"), &j, &n, None, t);
    assert!(r.overall.failures[0].detail.contains("DER"));
}

#[test]
fn jwks_fixture_and_x5c_rules() {
    let j = jwks();
    assert_eq!(j.keys().len(), 1);
    let key = &j.keys()[0];
    assert_eq!(key.kid, "test-kid");
    assert_eq!(key.x5c_len, 1);
    assert_eq!(key.alg.as_deref(), Some("ES384"));
    let cert = key.certificate.as_ref().unwrap();
    assert_eq!(cert.p384_point.as_deref(), Some(key.point.as_slice()));

    // x/y alone give the same key.
    let mut doc: Value = serde_json::from_slice(&read("jwks.json")).unwrap();
    let mut no_x5c = doc.clone();
    no_x5c["keys"][0].as_object_mut().unwrap().remove("x5c");
    let j2 = Jwks::from_json(no_x5c.to_string().as_bytes()).unwrap();
    assert_eq!(j2.keys()[0].point, key.point);
    assert!(j2.keys()[0].certificate.is_none());
    let r = verify_eat(&read("good_1gpu.json"), &j2, &nonce(), Some(1), now());
    assert!(r.passed());

    // x5c alone gives the same key.
    let mut only_x5c = doc.clone();
    let o = only_x5c["keys"][0].as_object_mut().unwrap();
    o.remove("x");
    o.remove("y");
    let j3 = Jwks::from_json(only_x5c.to_string().as_bytes()).unwrap();
    assert_eq!(j3.keys()[0].point, key.point);

    // x/y that disagree with x5c[0] make the key unusable.
    let y = doc["keys"][0]["y"].as_str().unwrap().to_string();
    doc["keys"][0]["x"] = Value::String(y);
    match Jwks::from_json(doc.to_string().as_bytes()) {
        Err(JwksError::NoUsableKey(why)) => assert!(
            why.contains("differs from x/y") || why.contains("not a point"),
            "{why}"
        ),
        other => panic!("{other:?}"),
    }

    // The pinned form of the same key verifies the same EAT.
    let pinned = Jwks::pinned("test-kid", &key.point).unwrap();
    let r = verify_eat(&read("good_8gpu.json"), &pinned, &nonce(), Some(8), now());
    assert!(r.passed());
}

#[test]
fn x5c_validity_is_checked_at_now() {
    // The test certificate is valid 2024-01-01 .. 2034-01-01. Judge the EAT in 2035 with a
    // leeway wide enough that the tokens themselves are still acceptable: only the key fails.
    let now = 2_051_222_400; // 2035-01-01
    let lax = EatPolicy {
        leeway_secs: now - 1_717_200_000 + 3600,
        ..EatPolicy::default()
    };
    let r = verify_eat_with(
        &read("good_1gpu.json"),
        &jwks(),
        &nonce(),
        Some(1),
        now,
        &lax,
    );
    assert_eq!(
        r.failure_kinds().into_iter().collect::<Vec<_>>(),
        vec![FailureKind::Key]
    );
    assert!(r.overall.failures[0].detail.contains("2034-01-01"));
    let off = EatPolicy {
        check_key_validity: false,
        ..lax
    };
    let r = verify_eat_with(
        &read("good_1gpu.json"),
        &jwks(),
        &nonce(),
        Some(1),
        now,
        &off,
    );
    assert!(r.passed());
}

#[test]
fn byte_flips_in_good_vectors_never_verify() {
    // Flipping any byte inside a token breaks a signature, a digest, the base64 or the JSON.
    let (j, n, t) = (jwks(), nonce(), now());
    let eat = read("good_1gpu.json");
    let quotes: Vec<usize> = eat
        .iter()
        .enumerate()
        .filter(|(_, b)| **b == b'"')
        .map(|(i, _)| i)
        .collect();
    for i in 0..eat.len() {
        if quotes.contains(&i) {
            continue;
        }
        let mut m = eat.clone();
        m[i] = if m[i] == b'A' { b'B' } else { b'A' };
        let r = verify_eat(&m, &j, &n, Some(1), t);
        assert!(!r.passed(), "flip at {i} still verifies");
    }
}
