//! Node.js binding of [`ccverify`]: a thin napi-rs layer over the core crate, packaged as the
//! `@ccverify/ccverify` npm module in `node/`.
//!
//! All logic lives in `ccverify`; this crate only converts JavaScript values in and out, with
//! one module per core module (`exchange`, `nonce`, `eth`, `gpu`, `tdx`, `report`, `audit`, `client`,
//! `verdict`, `error`; `input` reads JavaScript arguments).
//! Conventions every export follows:
//!
//! * `#[napi(catch_unwind)]` on every export (functions, the constructor and the methods): a
//!   panic that escapes a plain `#[napi]` function aborts the whole Node process. Inside, each
//!   body also runs under `guard`, which turns a panic into an `internal` error so callers
//!   see one error convention.
//! * Thrown errors are JS `Error`s whose `code` is the core [`ErrorKind`] name
//!   (`invalid_address`, `invalid_nonce`, `invalid_state`, …) and whose `message` is the core
//!   error's text. A JS value of the wrong type is `invalid_argument`.
//! * Bad evidence never throws: it is a failed check in the returned [`Verdict`].
//! * The verifications never fetch. They run synchronously; the heavy ones also have `…Async`
//!   variants (`verifyReportAsync`, `verifyBundleAsync`, `verifyGpuAsync`, `verifyTdxAsync`)
//!   that run as `AsyncTask`s on the libuv thread pool — CPU work, the pool's job. The io.net
//!   client ([`client`]: `Session`, `listModels`) waits on the network on ccverify-net's own
//!   threads instead, never holding a libuv thread; its promises reject with the same `Error`s.
//!
//! The workspace denies `unsafe_code`; the code napi-derive generates is not linted, and the
//! three hand-written `unsafe` blocks (`js_bytes`, `js_headers`, `gpu::GpuOptions::from_js`)
//! are allowed locally: they turn an argument whose JS type was just checked into a typed napi
//! view (`Unknown::cast`). `tdx` needs none: an object or array coerces to itself
//! (`coerce_to_object`).

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
pub use audit::{
    AuditOptions, AuditReport, AuditSummary, ExchangeRecord, ExchangeResult, audit_jsonl,
    verify_exchanges,
};
pub use client::{ChatResponse, ChatStreamOptions, ClientConfig, Model, Session, list_models};
pub use error::*;
pub use eth::*;
pub use exchange::*;
pub use gpu::{GpuOptions, verify_gpu, verify_gpu_async};
pub use nonce::*;
pub use report::{
    BundleOptions, GpuPolicy, POLICY_PRESETS, Policy, ReportOptions, TdxPolicy, load_policy,
    verify_bundle, verify_bundle_async, verify_report, verify_report_async,
};
pub use tdx::{TdxOptions, verify_tdx, verify_tdx_async};
pub use verdict::*;
