// The io.net client against a real `ccverify sandbox --port 0 --json` process, as Kotlin's
// ClientTest runs it (macOS or Linux with a Swift toolchain and a built CLI; CCVERIFY_BIN
// overrides its path; the project's CI has none and checks syntax only). The sandbox's canned
// evidence never verifies a fresh nonce; the policy is `offline`, so nothing leaves the machine.
import CCVerify
import Foundation
import XCTest

/// A running `ccverify sandbox` and the JSON line it printed first.
final class SandboxProcess {
    let process = Process()
    let baseUrl: String
    let signingAddress: String
    let model: String
    let modelId: String

    init(_ args: [String] = [], root: URL) throws {
        let bin = ProcessInfo.processInfo.environment["CCVERIFY_BIN"]
            ?? root.appendingPathComponent("target/debug/ccverify").path
        let stdout = Pipe()
        process.executableURL = URL(fileURLWithPath: bin)
        process.arguments = ["sandbox", "--port", "0", "--json"] + args
        process.standardOutput = stdout
        process.standardError = FileHandle.nullDevice
        try process.run()
        var line = Data()
        while true {
            let byte = stdout.fileHandleForReading.readData(ofLength: 1)
            if byte.isEmpty || byte == Data("\n".utf8) { break }
            line.append(byte)
        }
        guard let info = try JSONSerialization.jsonObject(with: line) as? [String: Any] else {
            throw CcverifyError.Internal(reason: "\(bin) sandbox printed no JSON line")
        }
        baseUrl = info["base_url"] as! String
        signingAddress = info["signing_address"] as! String
        model = info["model"] as! String
        modelId = info["model_id"] as! String
    }

    deinit {
        process.terminate()
        process.waitUntilExit()
    }
}

/// Collects the chunks of a stream, from whichever thread hands them out.
final class Chunks: ChunkListener, @unchecked Sendable {
    private let lock = NSLock()
    private var received: [Data] = []

    func onChunk(chunk: Data) throws {
        lock.lock()
        defer { lock.unlock() }
        received.append(chunk)
    }

    var all: [Data] {
        lock.lock()
        defer { lock.unlock() }
        return received
    }
}

final class ClientTests: XCTestCase {
    let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    func config(_ sandbox: SandboxProcess) -> ClientConfig {
        ClientConfig(baseUrl: sandbox.baseUrl, apiKey: "", retries: 0, backoff: 0.001,
                     policy: try! loadPolicy(text: "offline"))
    }

    func body(_ sandbox: SandboxProcess, _ content: String = "hello", stream: Bool = false) throws -> Data {
        var request: [String: Any] = ["model": sandbox.model, "messages": [["role": "user", "content": content]]]
        if stream { request["stream"] = true }
        return try JSONSerialization.data(withJSONObject: request)
    }

    func status(_ verdict: Verdict, _ id: String, _ subject: String? = nil) -> CheckStatus? {
        verdict.checks.first(where: { $0.id == id && $0.subject == subject })?.status
    }

    func testAttestationOfTheSandboxDoesNotVerify() async throws {
        let sandbox = try SandboxProcess(root: root)
        let session = try await attest(modelId: sandbox.modelId, config: config(sandbox))
        let verdict = session.verdict
        XCTAssertFalse(verdict.verified)
        XCTAssertFalse(session.attested)
        XCTAssertEqual(status(verdict, "report.nonce"), .pass)
        XCTAssertEqual(status(verdict, "gpu.nonce", "gpu0"), .fail)
        XCTAssertEqual(status(verdict, "tdx.report_data"), .fail)
        XCTAssertEqual(session.signingAddress, sandbox.signingAddress)
        XCTAssertFalse((verdict.facts["summary"] ?? "").isEmpty)
        XCTAssertEqual(session.modelId, sandbox.modelId)
        do {
            _ = try await session.chat(body: body(sandbox))
            XCTFail("an unverified session must refuse to chat")
        } catch CcverifyError.AttestationFailed {
        }
    }

    func testUnverifiedUseChatsStreamsAndKeepsABundle() async throws {
        let sandbox = try SandboxProcess(root: root)
        var options = config(sandbox)
        options.allowUnverified = true
        options.recordExchanges = true
        let session = try await attest(modelId: sandbox.modelId, config: options)

        let reply = try await session.chat(body: body(sandbox))
        XCTAssertEqual(reply.status, 200)
        XCTAssertFalse(reply.verified)
        for id in ["response.signature", "response.signer", "response.request_hash", "response.response_hash"] {
            XCTAssertEqual(status(reply.verdict, id), .pass, id)
        }
        XCTAssertEqual(status(reply.verdict, "session.attestation"), .fail)
        XCTAssertTrue(String(decoding: reply.body, as: UTF8.self).contains("Echo: "))

        let chunks = Chunks()
        let streamed = try await session.chatStream(
            body: body(sandbox, "one two three four", stream: true), hold: false, listener: chunks)
        XCTAssertGreaterThan(chunks.all.count, 1)
        XCTAssertEqual(chunks.all.reduce(Data(), +), streamed.body)
        XCTAssertEqual(status(streamed.verdict, "stream.signature_block"), .pass)
        let held = Chunks()
        _ = try await session.chatStream(body: body(sandbox, stream: true), hold: true, listener: held)
        XCTAssertTrue(held.all.isEmpty)

        let bundle = try verifyBundle(bundle: Data(session.bundle().utf8))
        XCTAssertEqual(status(bundle, "response.signer", "exchange0"), .pass)
        XCTAssertEqual(status(bundle, "response.signer", "exchange1"), .pass)
    }

    func testTamperingIsDetected() async throws {
        let sandbox = try SandboxProcess(root: root)
        var options = config(sandbox)
        options.allowUnverified = true
        options.headers = ["x-sandbox-fault": "tamper-response"]
        let session = try await attest(modelId: sandbox.modelId, config: options)
        let reply = try await session.chat(body: body(sandbox))
        XCTAssertEqual(status(reply.verdict, "response.response_hash"), .fail)
    }

    func testAWrongApiKeyIsANetworkError() async throws {
        let sandbox = try SandboxProcess(["--api-key", "k1"], root: root)
        var options = config(sandbox)
        options.apiKey = "wrong"
        do {
            _ = try await attest(modelId: sandbox.modelId, config: options)
            XCTFail("a wrong API key must be refused")
        } catch let CcverifyError.Network(reason) {
            XCTAssertTrue(reason.contains("401"), reason)
        }
    }

    func testTransientFailuresAreRetriedAndModelsListed() async throws {
        let sandbox = try SandboxProcess(["--transient-failures", "2"], root: root)
        var options = config(sandbox)
        options.allowUnverified = true
        options.retries = 3
        let session = try await attest(modelId: sandbox.modelId, config: options)
        let reply = try await session.chat(body: body(sandbox))
        XCTAssertEqual(reply.status, 200)
        let models = try await listModels(config: options)
        XCTAssertEqual(models, [Model(name: sandbox.model, modelId: sandbox.modelId, supportsAttestation: true)])
    }
}
