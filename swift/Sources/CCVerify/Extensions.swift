// Hand-written (not generated): what UniFFI cannot declare — a session's fixed facts as
// properties, the shared error `code`, and `Codable` verdicts.

import Foundation

extension Session {
    /// The attestation verdict, with its plain-language `summary` fact; its `signer` is the
    /// pinned address.
    public var verdict: Verdict { getVerdict() }
    /// Whether the attestation verified.
    public var attested: Bool { getAttested() }
    /// The pinned signing address (EIP-55), when the attestation gave a well-formed one.
    public var signingAddress: String? { getSigningAddress() }
    /// The model attested.
    public var modelId: String { getModelId() }
    /// The nonce sent with the attestation request (normalised: 64 hex digits).
    public var nonce: String { getNonce() }
}

extension CcverifyError {
    /// The stable error code shared with every ccverify binding (C `CCVERIFY_STATUS_*` names,
    /// Python, Node and Kotlin `code`), e.g. `"invalid_address"`.
    public var code: String {
        switch self {
        case .InvalidArgument: return "invalid_argument"
        case .InvalidNonce: return "invalid_nonce"
        case .InvalidAddress: return "invalid_address"
        case .InvalidSignature: return "invalid_signature"
        case .LimitExceeded: return "limit_exceeded"
        case .InvalidState: return "invalid_state"
        case .Rng: return "rng"
        case .Network: return "network"
        case .AttestationFailed: return "attestation_failed"
        case .UnverifiedResponse: return "unverified_response"
        case .Cancelled: return "cancelled"
        case .Internal: return "internal"
        }
    }
}

/// Encoded as its shared name: `"pass"`, `"fail"`, `"skip"` or `"warn"`.
extension CheckStatus: Codable {
    public init(from decoder: Decoder) throws {
        let name = try decoder.singleValueContainer().decode(String.self)
        switch name {
        case "pass": self = .pass
        case "fail": self = .fail
        case "skip": self = .skip
        case "warn": self = .warn
        default:
            throw DecodingError.dataCorrupted(DecodingError.Context(
                codingPath: decoder.codingPath,
                debugDescription: "unknown check status \(name)"))
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .pass: try container.encode("pass")
        case .fail: try container.encode("fail")
        case .skip: try container.encode("skip")
        case .warn: try container.encode("warn")
        }
    }
}

/// The shared JSON form of a check: `id`, `status`, `detail`, and `subject` when there is one.
extension Check: Codable {
    private enum CodingKeys: String, CodingKey {
        case id, status, detail, subject
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            id: try c.decode(String.self, forKey: .id),
            status: try c.decode(CheckStatus.self, forKey: .status),
            detail: try c.decode(String.self, forKey: .detail),
            subject: try c.decodeIfPresent(String.self, forKey: .subject))
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(status, forKey: .status)
        try c.encode(detail, forKey: .detail)
        try c.encodeIfPresent(subject, forKey: .subject)
    }
}

/// The shared JSON form of a verdict (as `json` holds it and the CLI's `--json` prints it):
/// `verified`, `checks`, `signer` (`null` when there is none) and `facts`. Decoding goes through
/// the core (`verdictFromJson`): a decoded verdict is untrusted text, and one whose `verified`
/// flag its checks contradict is refused.
extension Verdict: Codable {
    private struct Wire: Codable {
        let verified: Bool
        let checks: [Check]
        let signer: String?
        let facts: [String: String]

        private enum CodingKeys: String, CodingKey {
            case verified, checks, signer, facts
        }

        init(verified: Bool, checks: [Check], signer: String?, facts: [String: String]) {
            self.verified = verified
            self.checks = checks
            self.signer = signer
            self.facts = facts
        }

        init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            verified = try c.decode(Bool.self, forKey: .verified)
            checks = try c.decode([Check].self, forKey: .checks)
            signer = try c.decodeIfPresent(String.self, forKey: .signer)
            facts = try c.decodeIfPresent([String: String].self, forKey: .facts) ?? [:]
        }

        func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(verified, forKey: .verified)
            try c.encode(checks, forKey: .checks)
            try c.encode(signer, forKey: .signer)
            try c.encode(facts, forKey: .facts)
        }
    }

    public init(from decoder: Decoder) throws {
        let wire = try Wire(from: decoder)
        let text = String(decoding: try JSONEncoder().encode(wire), as: UTF8.self)
        do {
            self = try verdictFromJson(json: text)
        } catch {
            throw DecodingError.dataCorrupted(DecodingError.Context(
                codingPath: decoder.codingPath, debugDescription: "\(error)", underlyingError: error))
        }
    }

    public func encode(to encoder: Encoder) throws {
        try Wire(verified: verified, checks: checks, signer: signer, facts: facts).encode(to: encoder)
    }
}
