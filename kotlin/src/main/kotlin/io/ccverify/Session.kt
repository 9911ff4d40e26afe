package io.ccverify

// Hand-written (not generated): a session's fixed facts as properties. UniFFI exports
// functions only, so the core's accessors are exported as `get…()` and read here.

/** The attestation verdict, with its plain-language `summary` fact; its `signer` is the pinned address. */
val Session.verdict: Verdict get() = getVerdict()

/** Whether the attestation verified. */
val Session.attested: Boolean get() = getAttested()

/** The pinned signing address (EIP-55), when the attestation gave a well-formed one. */
val Session.signingAddress: String? get() = getSigningAddress()

/** The model attested. */
val Session.modelId: String get() = getModelId()

/** The nonce sent with the attestation request (normalised: 64 hex digits). */
val Session.nonce: String get() = getNonce()
