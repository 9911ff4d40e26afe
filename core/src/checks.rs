//! The check registry: every check id any verifier can emit, gathered from each verifier's
//! `ids` module, with what a `pass` proves. It sits above the verifiers (and `verdict`, which
//! imports none of them), so dependencies point one way.

use crate::audit::ids as audit;
use crate::bundle::ids as bundle;
use crate::gpu::ids as gpu;
use crate::report::ids as report;
use crate::tdx::ids as tdx;
use crate::verdict::ids;

/// A reply of an attested session carries this row: whether the attestation that pinned the
/// signing key verified.
pub const SESSION_ATTESTATION: &str = "session.attestation";

/// Every check id with a one-line description of what a `pass` proves. This is the table the
/// README documents; ids are never renamed or reused.
pub const CHECKS: &[(&str, &str)] = &[
    (
        ids::STREAM_SIGNATURE_BLOCK,
        "the stream carries exactly one `event: signature` block (wherever it was spliced) whose data is a JSON object; none or two is a failure, never \"unsigned but OK\"",
    ),
    (
        ids::STREAM_COVERAGE,
        "read as a standard SSE consumer reads it (WHATWG rules: CR, LF or CRLF line ends, `data:` with or without a space, fields without a colon, `event` lines), every event the stream dispatches is exactly one data line the agent hashed, in order, and no `event` field but the signature block's appears; comments, `id` and `retry` lines are ignored as consumers ignore them. A fail quotes the first offending line",
    ),
    (
        ids::SIGNING_ALGO,
        "the declared `signing_algo` is `ecdsa` (warn when absent; the signature format decides what the signature is)",
    ),
    (
        ids::SIGNATURE_FORMAT,
        "`signature` is 65 bytes r‖s‖v hex (optional `0x`, v ∈ {0, 1, 27, 28}, low-s) and `text` is `<64 hex>:<64 hex>`; the legacy 64-byte r‖s form of the first agent version and high-s twins are refused",
    ),
    (
        ids::SIGNATURE,
        "a secp256k1 public key is recoverable from the EIP-191 signature over `text`",
    ),
    (
        ids::SIGNER,
        "the recovered signer equals the expected (attested) address; skipped — so not verified — when you give no address",
    ),
    (
        ids::HEADER_ADDRESS,
        "the declared `signing_address` (header, or stream event field) equals the recovered signer and the expected address (warn when absent)",
    ),
    (
        ids::REQUEST_HASH,
        "the first half of `text` is SHA-256 of the agent-side form of the exact request you sent",
    ),
    (
        ids::RESPONSE_HASH,
        "the second half of `text` is SHA-256 of the exact bytes you received (plain: whitespace outside strings ignored; streams: the agent's data-line rule after cutting out the signature block)",
    ),
    (
        gpu::EVIDENCE_FORMAT,
        "the `gpu` object has io.net's shape (not the agent's `{error}`/`{status}`), its `nonce` echo equals the expected nonce, and per GPU the report and PEM chain decode (standard base64)",
    ),
    (
        gpu::REPORT_PARSE,
        "the report is a strict SPDM 1.1 GET_MEASUREMENTS + MEASUREMENTS message: exact lengths, DMTF measurement blocks with unique indices, well-formed opaque TLVs (unknown types kept, duplicates refused), nothing after the 96-byte signature",
    ),
    (
        gpu::NONCE,
        "the requester nonce inside the signed report (bytes 4..36) equals your nonce",
    ),
    (
        gpu::REPORT_SIGNATURE,
        "ECDSA P-384 (raw r‖s) over the report minus its last 96 bytes verifies with the leaf (attestation key) certificate",
    ),
    (
        gpu::CERT_CHAIN,
        "the device chain leads to the pinned NVIDIA Device Identity CA at the verification time (names, CA flags, key usage, P-384 signatures); the evidence's own root is never trusted",
    ),
    (
        gpu::FWID,
        "the report's firmware ID (TLV 20) equals the FWID in the leaf certificate's TCG DICE extension (warn when the report has none)",
    ),
    (
        gpu::OCSP,
        "no certificate of the device chain or of either RIM signer chain is revoked, by OCSP responses verified to NVIDIA's roots and fresh at the verification time; skipped — so not verified — when no response is available, unless the policy relaxes it to a warning",
    ),
    (
        gpu::DRIVER_RIM,
        "the driver RIM for the report's driver version is well-formed, XML-DSig signed (C14N 1.1, ECDSA P-384) by a chain to the pinned NVIDIA RIM root that is valid at the verification time, and is for this driver version",
    ),
    (
        gpu::VBIOS_RIM,
        "the same for the VBIOS RIM selected by project, SKU, chip SKU and VBIOS version",
    ),
    (
        gpu::MEASUREMENTS,
        "every active golden measurement of both RIMs matches the report (alternatives allowed, no index active in both RIMs, index 35 skipped only when NVDEC0 is disabled): NVIDIA's `measres` = success",
    ),
    (
        gpu::ARCH,
        "the declared `arch` is the policy's (HOPPER) and every device certificate names a GH100 chip",
    ),
    (
        gpu::COUNT,
        "the number of attested GPUs equals the policy's expected count (warn when the policy sets none: io.net silently drops GPUs whose evidence it could not collect)",
    ),
    (
        gpu::MODE,
        "the GPUs do not mix single-GPU (SPT) and multi-GPU (MPT) protected modes",
    ),
    (
        gpu::NRAS,
        "remote mode only: NVIDIA NRAS's detached EAT verifies (ES384 against the NRAS JWKS, issuer, exp/nbf at the verification time, `eat_nonce`, submodule digests) and reports success, secure boot and debug disabled for every GPU",
    ),
    (
        tdx::QUOTE_PARSE,
        "the quote is a well-formed Intel TDX quote (v4 or v5, TD 1.0/1.5 body, ECDSA P-256 attestation key), given as io.net's hex or raw bytes, with nothing but zero padding after the signature data; the agent's error strings are refused as such",
    ),
    (
        tdx::COLLATERAL,
        "the collateral (TCB Info, QE Identity, Root CA and PCK CRLs, their signer chains) is signed under Intel's root and current at the verification time, is for this platform, and is no older than the policy's maximum age",
    ),
    (
        tdx::QUOTE_SIGNATURE,
        "the quote's certification data is exactly the PCK leaf, its (platform or processor) CA and a byte-identical copy of Intel's SGX Root CA, each well-formed, and that chain verifies (CRLs checked; no substitute chain from the collateral); the QE is the policy's vendor's (default Intel), its report is PCK-signed, matches the QE Identity and binds the attestation key, and the attestation key signed header and TD report",
    ),
    (
        tdx::TCB_STATUS,
        "a TCB level of the collateral matches the platform (no mode turns matching off: without one this fails, naming the FMSPC and the closest level) and its converged status is accepted by the policy (default UpToDate only; SWHardeningNeeded, ConfigurationNeeded, OutOfDate… opt-in; Revoked never), no rejected advisory applies, the TCB evaluation data number is high enough, and the FMSPC and TEE_TCB_SVN meet the policy's allowlist and minimum",
    ),
    (
        tdx::TD_ATTRIBUTES,
        "no debug or profiling, SEPT_VE_DISABLE set (warn when the policy does not require it), not migratable, no SERVTD_EXT or service TD, MRSIGNERSEAM and SEAMATTRIBUTES in the policy's allowlists (default zero: Intel's own TDX module), TDATTRIBUTES equal to the pinned value if any",
    ),
    (
        tdx::MEASUREMENTS,
        "MRTD, RTMR0–3, MRSEAM, XFAM, MRCONFIGID, MROWNER and MROWNERCONFIG are in the policy's allowlists (warn when none is given: the TD's code identity is then reported in `facts`, not proven)",
    ),
    (
        tdx::REPORT_DATA,
        "REPORTDATA is your nonce followed by 32 zero bytes (io.net's rule) or the exact 64 bytes you expect; skipped — so not verified — when nothing is expected",
    ),
    (
        report::FORMAT,
        "the attestation document is a JSON object (an HTML error page or anything else fails every check)",
    ),
    (
        report::NONCE,
        "the `nonce` echo is exactly the normalised nonce you sent (the docs' `startswith` test accepts a longer value); an echo only — freshness comes from `gpu.nonce` and `tdx.report_data`",
    ),
    (
        report::IMAGE_DIGEST,
        "`image_digest` is `sha256:<64 hex>` and in your allowlist (warn when none is configured, fail when the policy requires one); operator-declared, not measured",
    ),
    (
        report::SIGNING_ADDRESS,
        "`signing_address` is a well-formed EIP-55 address, returned as the verdict's `signer`: the key to pin (warn when valid but not checksummed; fail when null or missing)",
    ),
    (
        report::KEY_BINDING,
        "the verified TDX quote binds the attested `signing_address`: REPORTDATA = address ‖ 12 zero bytes ‖ nonce (dstack layout) or SHA-256(address ‖ `tls_cert_fingerprint`) ‖ nonce; fails when a bound layout names another key (a relay substituted it), and passes only in a TD whose code is pinned (an MRTD allowlist; measurements, attributes and TCB passing), warning otherwise. io.net binds only your nonce (nonce ‖ zeros), so this warns by default and fails under a policy that requires a binding",
    ),
    (
        SESSION_ATTESTATION,
        "(client replies only) the attestation that pinned the signing key verified; fails on a session used with `allow_unverified`",
    ),
    (
        crate::trust::ids::ANCHORS,
        "(only under `trust = \"test\"` or an anchor file; always `warn`) names the roots that replaced NVIDIA's and Intel's — the TEST roots (the verdict proves nothing about real hardware; its summary opens with \"TEST ROOTS\") or the caller's anchor file (it proves only what those roots vouch for; \"CALLER'S TRUST ANCHORS\")",
    ),
    (
        audit::SIGNER_SOURCE,
        "(audits of recorded exchanges only) where the key an exchange is held to came from: passes for the signing address of a bundle that verified with nothing relaxed about its key; warns when that bundle's key rests on a `report.key_binding`, `bundle.inputs` or `trust.anchors` warning (io.net bundles: the key is not bound into hardware evidence) and for an address the record merely names (nothing attests it); fails when the record's bundle gave no key",
    ),
    (
        bundle::INPUTS,
        "(bundles only) the policy and time applied are the caller's — the `default` preset and the current time unless given — never values the bundle supplied; warns when the caller asked for the bundle's recorded policy or time (`--policy recorded`, `--at recorded`)",
    ),
];
