//! NVIDIA Hopper (H100/H200) GPU evidence: the `gpu` object of an io.net attestation.
//!
//! Offline and pure: evidence bytes, the expected nonce, a policy, RIM and OCSP sources and the
//! verification time in; a [`crate::Verdict`] out.
pub mod crypto;
pub mod nras;
pub mod ocsp;
pub mod pki;
pub mod rim;
pub mod roots;
pub mod xml;
