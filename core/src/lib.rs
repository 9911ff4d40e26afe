//! # ccverify
//!
//! Verification of io.net Confidential Inference, as one audited core shared by every language
//! binding. Without features this crate is pure and synchronous: bytes (and, for time-dependent
//! checks, the verification time) in, a [`Verdict`] out; it never touches the network. The
//! feature `net` adds the modules that fetch inputs (RIMs, OCSP, NRAS, Intel collateral) and the
//! io.net client, and `sandbox` a loopback gateway for tests; both sit on top of the pure
//! modules, which never call them.
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

pub mod bundle;
pub mod checks;
pub mod crypto;
pub mod error;
pub mod eth;
pub mod exchange;
pub mod gpu;
pub mod limits;
#[cfg(feature = "net")]
pub mod net;
pub mod nonce;
pub mod options;
pub mod policy;
pub mod pyjson;
pub mod report;
#[cfg(feature = "sandbox")]
pub mod sandbox;
pub mod services;
pub mod tdx;
pub mod time;
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
