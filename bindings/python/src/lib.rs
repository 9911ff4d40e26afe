//! # ccverify-python
//!
//! The `ccverify._native` extension module: a thin PyO3 layer over the [`ccverify`] core. All
//! verification logic lives in the core; this crate only converts arguments, releases the GIL
//! around the work and maps results to Python objects and errors. Users import the public
//! package `ccverify` (see `python/ccverify/__init__.py`), never this module directly.
//!
//! Modules mirror the core's: [`error`] ↔ `ccverify::error`, [`verdict`] ↔ `ccverify::verdict`,
//! [`exchange`] ↔ `ccverify::exchange`, [`eth`] ↔ `ccverify::eth`, [`nonce`] ↔
//! `ccverify::nonce`, [`gpu`] ↔ `ccverify::gpu`, [`tdx`] ↔ `ccverify::tdx`, [`report`] ↔
//! `ccverify::report`, `ccverify::bundle` and `ccverify::policy`, [`client`] ↔
//! `ccverify_net::client` (the io.net client: `Session`, `list_models`), [`audit`] ↔
//! `ccverify::audit` (`Auditor`, `Results`, `audit_jsonl`); [`input`] holds the
//! argument conversions they share.

use pyo3::prelude::*;

mod audit;
mod client;
mod error;
mod eth;
mod exchange;
mod gpu;
mod input;
mod nonce;
mod report;
mod tdx;
mod verdict;

/// Native core of the `ccverify` package (io.net Confidential Inference verification).
///
/// Import the public API from `ccverify`; this module is an implementation detail.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    error::register(m)?;
    verdict::register(m)?;
    exchange::register(m)?;
    gpu::register(m)?;
    tdx::register(m)?;
    report::register(m)?;
    eth::register(m)?;
    nonce::register(m)?;
    client::register(m)?;
    audit::register(m)?;
    // PyO3 lists everything added in `__all__`; keep the private names (`__version__`, the
    // test hook) out of it.
    let public: Vec<String> = m
        .index()?
        .iter()
        .map(|name| name.extract::<String>())
        .collect::<PyResult<Vec<_>>>()?
        .into_iter()
        .filter(|name| !name.starts_with('_'))
        .collect();
    m.setattr("__all__", public)?;
    Ok(())
}
