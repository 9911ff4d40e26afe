// Package ccverify verifies io.net Confidential Inference: the attestation of the Intel TDX VM
// and NVIDIA Hopper GPUs that serve a model, and the signature on every reply, proving it was
// produced by the attested key over exactly the bytes sent and received.
//
// It is the Go face of the ccverify Rust core: every check runs in the same audited library
// that the Python, Node, Kotlin, Swift and C users run, reached through its C ABI (the C SDK:
// ccverify.h and libccverify, found with pkg-config). Verdicts are therefore identical in every
// language; the shared conformance vectors prove it.
//
// # Installing
//
// The package needs the C SDK at build time and its shared library at run time. Unpack the SDK
// tarball (ccverify-c-<version>-linux-x86_64.tar.gz) into a prefix and point pkg-config at it:
//
//	tar -xzf ccverify-c-0.1.0-linux-x86_64.tar.gz -C $HOME/.local --strip-components=1
//	export PKG_CONFIG_PATH=$HOME/.local/lib/pkgconfig
//	export LD_LIBRARY_PATH=$HOME/.local/lib   # or unpack under /usr/local and run ldconfig
//	go get github.com/ccverify/ccverify/go
//
// Until the module is published, use the unpacked module tarball with a replace directive:
//
//	require github.com/ccverify/ccverify/go v0.1.0
//	replace github.com/ccverify/ccverify/go => /path/to/ccverify-go-0.1.0
//
// # Verifying replies
//
// [VerifyResponse] (plain JSON replies) and [VerifyStream] or [NewVerifyingWriter] (server-sent
// event streams) check a reply against the exact request bytes you sent and the signing
// address you attested. A [Verdict] lists every [Check] with its status ("pass", "fail",
// "skip" or "warn") and a reason; Verdict.Verified is true only when every required check
// passed. Forward only what a verifier hands back ([StreamVerifier.Update] re-serialises the
// verified events), never the raw bytes.
//
// # Verifying evidence
//
// [VerifyGPU] checks the NVIDIA GPU evidence (SPDM reports, certificate chains, RIM
// measurements), [VerifyTDX] the Intel TDX quote against its collateral, [VerifyReport] a whole
// attestation report and [VerifyBundle] a saved session bundle, offline. Options are typed
// structs ([GPUOptions], [TDXOptions], [ReportOptions], [BundleOptions]); the *JSON variants take
// the same options as JSON text. Time is an input: pass At to verify as of a moment.
//
// # The client
//
// [Attest] fetches and verifies a fresh attestation for a model and returns a [Session] whose
// [Session.Chat], [Session.ChatStream] and [Session.Stream] verify every reply before handing it
// over. Sessions are strict by default: a reply that did not verify is an [*UnverifiedError].
//
// # Errors
//
// Failures to run a verification at all (a malformed argument, an exceeded limit) are [*Error]
// values with a stable Code shared by every binding; match them with errors.Is and the Err*
// sentinels. A verification that ran and failed is not an error: it is a Verdict whose
// Verified is false.
package ccverify
