//! Key binding: does the TDX REPORTDATA name the key that signs the replies?
//!
//! io.net puts only the nonce in REPORTDATA (`nonce ‖ 32 zero bytes`): its `signing_address`
//! is not bound to the hardware evidence, so anyone relaying a client's nonce to genuine
//! hardware could substitute a key of their own. Other confidential-inference providers on the
//! same hardware bind the key, with the nonce in the second half:
//!
//! | layout | REPORTDATA[0..32] | REPORTDATA[32..64] | used by |
//! |---|---|---|---|
//! | `unbound` | the nonce | zeros | io.net |
//! | `address` | the 20-byte signing address, then 12 zero bytes | the nonce | dstack-based gateways (NEAR AI Cloud, Phala's vllm-proxy) |
//! | `address_tls` | SHA-256(address ‖ 32-byte TLS certificate fingerprint) | the nonce | NEAR AI Cloud gateways that also bind their TLS certificate (`tls_cert_fingerprint` in the attestation) |
//!
//! [`appraise`] reads REPORTDATA (only once the quote it comes from verified does the result
//! mean anything; `report.key_binding` says so) and decides: bound to the attested address
//! (pass), bound to another key (fail: a relay substituted the key in the JSON), or not bound
//! (io.net's layout: warn, or fail when the policy requires a binding).

use sha2::{Digest, Sha256};

use crate::eth::Address;

/// What REPORTDATA binds, for a given nonce and claimed signing address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Binding {
    /// io.net's layout: the nonce, then zeros. No key is bound.
    Unbound,
    /// The `address` layout naming `0`.
    Address([u8; 20]),
    /// The `address_tls` layout, matching the claimed address and this TLS fingerprint.
    AddressTls([u8; 32]),
    /// The nonce is in the second half, but the first half is neither layout for the claimed
    /// address: it binds something ccverify cannot identify (hex of the 32 bytes).
    Other([u8; 32]),
    /// The nonce is in neither place: freshness fails, nothing is bound.
    NoNonce,
}

impl Binding {
    /// Whether the nonce sits in the second half (a binding layout), so that
    /// `tdx.report_data` should expect it there.
    pub fn nonce_second(&self) -> bool {
        !matches!(self, Binding::Unbound | Binding::NoNonce)
    }

    /// The stable layout name: `unbound`, `address`, `address_tls`, `unknown`, `none`.
    pub fn layout(&self) -> &'static str {
        match self {
            Binding::Unbound => "unbound",
            Binding::Address(_) => "address",
            Binding::AddressTls(_) => "address_tls",
            Binding::Other(_) => "unknown",
            Binding::NoNonce => "none",
        }
    }
}

/// Reads REPORTDATA for `nonce`, trying the layouts above for the `claimed` address (and the
/// attestation's `tls_cert_fingerprint`, when it gave one).
pub fn appraise(
    report_data: &[u8; 64],
    nonce: &[u8; 32],
    claimed: Option<&Address>,
    tls_fingerprint: Option<&[u8; 32]>,
) -> Binding {
    let (first, second) = report_data.split_at(32);
    if first == nonce && second.iter().all(|b| *b == 0) {
        return Binding::Unbound;
    }
    if second != nonce {
        return Binding::NoNonce;
    }
    if first[20..].iter().all(|b| *b == 0) {
        let mut a = [0u8; 20];
        a.copy_from_slice(&first[..20]);
        return Binding::Address(a);
    }
    if let (Some(addr), Some(fp)) = (claimed, tls_fingerprint) {
        let mut h = Sha256::new();
        h.update(addr.0);
        h.update(fp);
        if h.finalize()[..] == *first {
            return Binding::AddressTls(*fp);
        }
    }
    let mut other = [0u8; 32];
    other.copy_from_slice(first);
    Binding::Other(other)
}

#[cfg(test)]
mod tests {
    use super::*;

    const NONCE: [u8; 32] = [7; 32];

    fn rd(first: &[u8], second: &[u8]) -> [u8; 64] {
        let mut r = [0u8; 64];
        r[..first.len()].copy_from_slice(first);
        r[32..32 + second.len()].copy_from_slice(second);
        r
    }

    #[test]
    fn layouts() {
        let me = Address([0xaa; 20]);
        let other = Address([0xbb; 20]);
        assert_eq!(
            appraise(&rd(&NONCE, &[]), &NONCE, Some(&me), None),
            Binding::Unbound
        );
        assert_eq!(
            appraise(&rd(&me.0, &NONCE), &NONCE, Some(&me), None),
            Binding::Address(me.0)
        );
        assert_eq!(
            appraise(&rd(&other.0, &NONCE), &NONCE, Some(&me), None),
            Binding::Address(other.0)
        );
        let fp = [3u8; 32];
        let mut h = Sha256::new();
        h.update(me.0);
        h.update(fp);
        let bound: [u8; 32] = h.finalize().into();
        assert_eq!(
            appraise(&rd(&bound, &NONCE), &NONCE, Some(&me), Some(&fp)),
            Binding::AddressTls(fp)
        );
        // The same bytes for another claimed address are some other binding.
        assert_eq!(
            appraise(&rd(&bound, &NONCE), &NONCE, Some(&other), Some(&fp)),
            Binding::Other(bound)
        );
        assert_eq!(
            appraise(&rd(&[1; 32], &[2; 32]), &NONCE, Some(&me), None),
            Binding::NoNonce
        );
        // Nonce first but a non-zero second half: not io.net's layout, not a binding one.
        assert_eq!(
            appraise(&rd(&NONCE, &[1]), &NONCE, Some(&me), None),
            Binding::NoNonce
        );
    }
}
