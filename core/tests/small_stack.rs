//! No input may overflow a small stack. UniFFI and the C ABI run the core on the caller's
//! thread (a JVM thread has 1 MiB, an Android or a green thread often less), so every parser of
//! untrusted bytes is run here, at and beyond its nesting limit, on a thread with a 256 KiB stack
//! — in the debug build the test suite uses, whose frames are the largest.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "support/mod.rs"]
mod support;

use ccverify::Address;
use ccverify::Options as _;

const STACK: usize = 256 * 1024;

/// Runs `f` on a fresh thread with a 256 KiB stack; an overflow aborts the test binary.
fn on_small_stack(name: &str, f: impl FnOnce() + Send + 'static) {
    std::thread::Builder::new()
        .name(name.into())
        .stack_size(STACK)
        .spawn(f)
        .unwrap()
        .join()
        .unwrap_or_else(|_| panic!("{name} panicked"));
}

/// `[[[…1…]]]` nested `depth` deep.
fn arrays(depth: usize) -> String {
    "[".repeat(depth) + "1" + &"]".repeat(depth)
}

/// `{"a":{"a":…1…}}` nested `depth` deep.
fn objects(depth: usize) -> String {
    "{\"a\":".repeat(depth) + "1" + &"}".repeat(depth)
}

/// Depths around every limit, and far beyond.
const DEPTHS: &[usize] = &[
    16, 64, 100, 127, 128, 129, 200, 256, 511, 512, 513, 1_000, 100_000,
];

#[test]
fn python_json_reader_and_writer() {
    on_small_stack("pyjson", || {
        for &d in DEPTHS {
            for text in [arrays(d), objects(d)] {
                if let Ok(v) = ccverify::pyjson::parse(text.as_bytes()) {
                    let mut out = Vec::new();
                    ccverify::pyjson::write_compact(&mut out, &v);
                    ccverify::pyjson::write_default(&mut out, &v);
                    drop(v);
                }
                let _ = ccverify::pyjson::validate(text.as_bytes());
            }
        }
    });
}

#[test]
fn requests_responses_and_streams() {
    on_small_stack("exchange", || {
        let expected = Address::parse(support::TEST_ADDRESS).unwrap();
        for &d in DEPTHS {
            let nested = arrays(d);
            let request = format!(
                r#"{{"messages":[{{"role":"user","content":{nested}}}],"stream":true,"x":{nested}}}"#
            );
            let _ = ccverify::exchange::canonicalize_request(request.as_bytes());
            let body = format!(r#"{{"choices":{nested}}}"#);
            let _ = ccverify::verify_response(
                request.as_bytes(),
                body.as_bytes(),
                &[("text", "a:b")],
                Some(&expected),
            );
            let stream =
                format!("data: {nested}\n\nevent: signature\ndata: {{\"text\":{nested}}}\n\n");
            let _ = ccverify::verify_stream(request.as_bytes(), stream.as_bytes(), Some(&expected));
        }
    });
}

#[test]
fn attestation_bundle_policy_and_options_documents() {
    on_small_stack("documents", || {
        for &d in DEPTHS {
            for nested in [arrays(d), objects(d)] {
                let report = format!(
                    r#"{{"nonce":"01","gpu":{nested},"cpu":{{"quote":{nested}}},"signing_address":{nested},"x":{nested}}}"#
                );
                let options = ccverify::report::ReportOptions {
                    nonce: "01".into(),
                    at: Some(ccverify::time::Time::from_unix(1_750_400_000)),
                    ..Default::default()
                };
                let _ = ccverify::report::verify_report(report.as_bytes(), &options);
                let _ = ccverify::gpu::GpuVerifier::default().verify_json(
                    nested.as_bytes(),
                    &[1; 32],
                    0,
                );
                let bundle = format!(
                    r#"{{"format":"ccverify-bundle/1","at":0,"nonce":"01","attestation":{nested},"collateral":{nested},"verdict":{nested}}}"#
                );
                let _ = ccverify::bundle::verify_bundle(
                    bundle.as_bytes(),
                    &ccverify::bundle::BundleOptions {
                        at: ccverify::bundle::BundleTime::At(ccverify::time::Time::from_unix(0)),
                        ..Default::default()
                    },
                );
                let _ = ccverify::policy::Policy::parse(&format!(r#"{{"gpu":{nested}}}"#));
                let toml = format!("a = {}", arrays(d));
                let _ = ccverify::policy::Policy::parse(&toml);
                let toml = format!("[x]\n{}b = 1\nc = 1", "a.".repeat(d));
                let _ = ccverify::policy::Policy::parse(&toml);
                let _ = ccverify::report::ReportOptions::from_json(&format!(
                    r#"{{"nonce":"01","policy":{nested}}}"#
                ));
                let _ = ccverify::bundle::BundleOptions::from_json(&format!(
                    r#"{{"policy":{nested}}}"#
                ));
                let _ = ccverify::tdx::TdxOptions::from_json(&format!(r#"{{"mrtd":{nested}}}"#));
                let _ = ccverify::gpu::GpuOptions::from_json(&format!(r#"{{"x":{nested}}}"#));
                let quote = include_str!("../../examples/tdx/quote.hex");
                let _ = ccverify::tdx::verify_tdx(
                    quote.as_bytes(),
                    nested.as_bytes(),
                    &ccverify::tdx::ExpectedReportData::Unspecified,
                    &ccverify::tdx::TdxPolicy::default(),
                    1_750_400_000,
                );
            }
        }
    });
}

#[test]
fn xml_and_rims() {
    on_small_stack("xml", || {
        for d in [16, 63, 64, 65, 1_000, 50_000] {
            let doc = "<a>".repeat(d) + &"</a>".repeat(d);
            if let Ok(parsed) = ccverify::xml::parse(doc.as_bytes()) {
                let _ = ccverify::xml::canonicalize(&parsed, None);
            }
            let anchors = ccverify::gpu::roots::TrustAnchors::nvidia().unwrap();
            let _ = ccverify::gpu::rim::verify_rim(doc.as_bytes(), &anchors.rim, 0);
        }
    });
}

/// DER nested `depth` SEQUENCEs deep (long-form lengths).
fn der_sequences(depth: usize) -> Vec<u8> {
    let mut out = vec![0x05, 0x00];
    for _ in 0..depth {
        let len = out.len();
        let mut wrapped = vec![0x30, 0x83, (len >> 16) as u8, (len >> 8) as u8, len as u8];
        wrapped.extend_from_slice(&out);
        out = wrapped;
    }
    out
}

#[test]
fn der_certificates_and_ocsp_responses() {
    on_small_stack("der", || {
        for d in [8, 64, 1_000, 20_000] {
            let der = der_sequences(d);
            let _ = ccverify::x509::Certificate::from_der(&der);
            let _ = ccverify::gpu::ocsp::parse_response(&der);
            let pem = format!(
                "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n",
                base64::Engine::encode(&base64::engine::general_purpose::STANDARD, &der)
            );
            let _ = ccverify::x509::Certificate::from_pem_bundle(pem.as_bytes());
        }
    });
}

#[test]
fn nras_tokens_and_keys() {
    on_small_stack("nras", || {
        for &d in DEPTHS {
            let nested = arrays(d);
            let jwks =
                ccverify::gpu::nras::Jwks::from_json(format!(r#"{{"keys":{nested}}}"#).as_bytes());
            let keys = ccverify::gpu::nras::Jwks::from_json(include_bytes!(
                "../../tests/vectors/gpu/nras/jwks.json"
            ))
            .unwrap();
            let _ = jwks;
            let _ = ccverify::gpu::nras::verify_eat(nested.as_bytes(), &keys, &[0; 32], None, 0);
            let b64 = |t: &str| {
                base64::Engine::encode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, t)
            };
            let jwt = format!(
                "{}.{}.sig",
                b64(&format!(r#"{{"alg":{nested}}}"#)),
                b64(&nested)
            );
            let eat = format!(r#"[["JWT","{jwt}"],{{"GPU-0":"{jwt}"}}]"#);
            let _ = ccverify::gpu::nras::verify_eat(eat.as_bytes(), &keys, &[0; 32], None, 0);
        }
    });
}
