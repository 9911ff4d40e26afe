//! tests/vectors/options/cases.json: every options case gives the same outcome through the
//! document form (`Options::from_value`, what C, Go, Kotlin and Swift hand over as JSON) and
//! through the camelCase form (`Options::from_camel`, what Node hands over), each passed on to
//! the verification entry point with placeholder evidence as every language does.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use ccverify::bundle::BundleOptions;
use ccverify::gpu::GpuOptions;
use ccverify::options::to_camel;
use ccverify::policy::Policy;
use ccverify::report::ReportOptions;
use ccverify::tdx::TdxOptions;
use ccverify::{Error, Options};
use serde_json::Value;

fn vectors() -> Value {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/vectors");
    serde_json::from_str(&std::fs::read_to_string(format!("{dir}/options/cases.json")).unwrap())
        .unwrap()
}

fn bundle() -> Vec<u8> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/vectors");
    std::fs::read(format!("{dir}/report/bundle-real.json")).unwrap()
}

/// Reads the options with `read` and runs the schema's entry point on placeholder evidence.
fn run(schema: &str, nonce: &str, read: &dyn Fn(&str) -> Result<Run, Error>) -> Result<(), Error> {
    match read(schema)? {
        Run::Gpu(o) => ccverify::gpu::verify_gpu(b"{}", nonce, &o).map(drop),
        Run::Tdx(o) => ccverify::tdx::verify_tdx_with(b"00", b"{}", &o).map(drop),
        Run::Report(o) => ccverify::report::verify_report(b"{}", &o).map(drop),
        Run::Bundle(o) => ccverify::bundle::verify_bundle(&bundle(), &o).map(drop),
        Run::Policy(p) => p.validate(),
    }
}

enum Run {
    Gpu(GpuOptions),
    Tdx(TdxOptions),
    Report(ReportOptions),
    Bundle(BundleOptions),
    Policy(Policy),
}

fn read_with(schema: &str, value: Value, camel: bool) -> Result<Run, Error> {
    fn get<T: Options>(value: Value, camel: bool) -> Result<T, Error> {
        if camel {
            T::from_camel(to_camel(value))
        } else {
            T::from_value(value)
        }
    }
    Ok(match schema {
        "gpu" => Run::Gpu(get(value, camel)?),
        "tdx" => Run::Tdx(get(value, camel)?),
        "report" => Run::Report(get(value, camel)?),
        "bundle" => Run::Bundle(get(value, camel)?),
        "policy" => Run::Policy(Policy::parse(&value.to_string())?),
        other => panic!("unknown schema {other}"),
    })
}

#[test]
fn every_options_case_gives_its_error_code_in_both_spellings() {
    let doc = vectors();
    let nonce = doc["gpu_nonce"].as_str().unwrap();
    let cases = doc["cases"].as_array().unwrap();
    assert!(cases.len() >= 50, "the full options case set");
    for c in cases {
        let name = c["name"].as_str().unwrap();
        let schema = c["schema"].as_str().unwrap();
        let want = c["error"].as_str();
        for camel in [false, true] {
            let options = c["options"].clone();
            let got = run(schema, nonce, &|s| read_with(s, options.clone(), camel));
            assert_eq!(
                got.as_ref().err().map(|e| e.kind().as_str()),
                want,
                "{name} (camelCase: {camel}): {got:?}"
            );
        }
    }
}

#[test]
fn the_json_text_form_agrees() {
    let doc = vectors();
    let nonce = doc["gpu_nonce"].as_str().unwrap();
    for c in doc["cases"].as_array().unwrap() {
        let text = c["options"].to_string();
        let read = |schema: &str| -> Result<Run, Error> {
            Ok(match schema {
                "gpu" => Run::Gpu(GpuOptions::from_json(&text)?),
                "tdx" => Run::Tdx(TdxOptions::from_json(&text)?),
                "report" => Run::Report(ReportOptions::from_json(&text)?),
                "bundle" => Run::Bundle(BundleOptions::from_json(&text)?),
                _ => Run::Policy(Policy::from_json(&text)?),
            })
        };
        let got = run(c["schema"].as_str().unwrap(), nonce, &read);
        assert_eq!(
            got.as_ref().err().map(|e| e.kind().as_str()),
            c["error"].as_str(),
            "{}: {got:?}",
            c["name"]
        );
    }
}
