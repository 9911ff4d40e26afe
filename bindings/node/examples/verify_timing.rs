//! Median wall time of one `ccverify::verify_response` call, measured the same way as
//! `node/bench/verify_timing.mjs` measures the Node binding, so the two medians show the
//! binding's overhead. Usage (from the repository root):
//!
//! ```text
//! cargo run --release -p ccverify-node --example verify_timing -- [DIR] [CALLS]
//! ```
//!
//! `DIR` holds `request.json`, `response.json`, `headers.json` and, optionally,
//! `expected_address.txt` (default: `examples/exchanges/01-n1_plain`).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let dir = PathBuf::from(
        args.next()
            .unwrap_or_else(|| "examples/exchanges/01-n1_plain".into()),
    );
    let calls: usize = args.next().map_or(Ok(20_000), |n| n.parse())?;
    let request = std::fs::read(dir.join("request.json"))?;
    let response = std::fs::read(dir.join("response.json"))?;
    let headers: BTreeMap<String, String> =
        serde_json::from_slice(&std::fs::read(dir.join("headers.json"))?)?;
    let headers: Vec<(String, String)> = headers.into_iter().collect();
    let expected = match std::fs::read_to_string(dir.join("expected_address.txt")) {
        Ok(text) => text.trim().to_string(),
        Err(_) => "0x2c7536E3605D9C16a7a3D7b1898e529396a65c23".to_string(),
    };
    // The address is parsed on every call, as the binding does.
    let once = || {
        let address = ccverify::Address::parse(&expected)?;
        let verdict = ccverify::verify_response(&request, &response, &headers, Some(&address));
        Ok::<_, ccverify::Error>(verdict)
    };
    if !once()?.verified {
        return Err("the inputs do not verify".into());
    }
    for _ in 0..calls / 10 {
        std::hint::black_box(once()?);
    }
    let mut times = Vec::with_capacity(calls);
    for _ in 0..calls {
        let start = Instant::now();
        std::hint::black_box(once()?);
        times.push(start.elapsed().as_nanos() as f64 / 1000.0);
    }
    times.sort_by(f64::total_cmp);
    let pct = |p: f64| times[((times.len() - 1) as f64 * p) as usize];
    println!(
        "rust verify_response {}: {} calls, median {:.2} us (p10 {:.2}, p90 {:.2})",
        dir.display(),
        calls,
        pct(0.5),
        pct(0.1),
        pct(0.9)
    );
    Ok(())
}
