//! # ccverify
//!
//! Verification of io.net Confidential Inference, as one audited core shared by every language
//! binding. This crate is pure and synchronous: bytes, policy and the verification time in, a
//! [`Verdict`] out. It has no HTTP stack and never touches the network; the only files it reads
//! are the RIM and OCSP directories a caller names in the options (`rim_dir`, `ocsp_dir`).
//! Fetching inputs (RIMs, OCSP, NRAS, Intel collateral) and the io.net session live in the
//! crate `ccverify-net`, the loopback gateway for tests in `ccverify-sandbox`; both depend on
//! this crate, never the other way round.
//!
//! What it verifies today:
//!
//! * **Signed exchanges** ([`exchange`]): that a completion — plain or streamed — was signed by
//!   the attested key *and* is the answer to exactly the request the client sent, by
//!   recomputing both hashes of the signed `text` with the agent's byte-exact rules.
//! * **Nonces** ([`nonce`]): fresh 32-byte nonces and the agent's normalisation of caller
//!   nonces, which the hardware evidence must contain.
//! * **Ethereum primitives** ([`eth`]): Keccak-256, EIP-191, signer recovery, EIP-55.
//!
//! Every outcome is a table of [`Check`]s with stable ids (see [`CHECKS`]); a
//! verdict is `verified` only when no check failed or was skipped.
#![forbid(unsafe_code)]

pub mod audit;
pub mod binding;
pub mod bundle;
pub mod checks;
pub mod crypto;
pub mod der;
pub mod error;
pub mod eth;
pub mod exchange;
pub mod gpu;
pub mod limits;
pub mod nonce;
pub mod options;
mod par;
pub mod policy;
pub mod pyjson;
pub mod report;
pub mod services;
pub mod tdx;
pub mod time;
pub mod trust;
pub mod verdict;
pub mod x509;
pub mod xml;

pub use checks::CHECKS;
pub use error::{Error, ErrorKind};
pub use eth::Address;
pub use exchange::{
    ResponseItem, StreamVerifier, request_streams, verify_response, verify_responses_batch,
    verify_stream,
};
pub use nonce::Nonce;
pub use options::Options;
pub use verdict::{Check, CheckStatus, Verdict};

/// Forgets every process-wide cache of verified cryptography: certificate links and RIMs (GPU)
/// and P-256 signatures (TDX). Verdicts never depend on the caches — every time-dependent check
/// runs at each call — so this only frees memory or makes the next verification "cold".
pub fn clear_caches() {
    gpu::clear_caches();
    tdx::clear_caches();
}
