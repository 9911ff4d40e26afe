// Runs the shared exchange vectors and GPU cases from tests/vectors/ (macOS or Linux with a
// Swift toolchain; the project's CI has none and checks syntax only).
import CCVerify
import Foundation
import XCTest

final class CCVerifyTests: XCTestCase {
    let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    func testExchangeVectors() throws {
        let dir = root.appendingPathComponent("tests/vectors/exchange")
        let files = try FileManager.default.contentsOfDirectory(at: dir, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "json" }
        XCTAssertGreaterThanOrEqual(files.count, 40)
        for file in files {
            let case_ = try JSONSerialization.jsonObject(with: Data(contentsOf: file)) as! [String: Any]
            let expected = case_["expected_address"] as? String
            let request = Data(base64Encoded: case_["request_b64"] as! String)!
            let verdict: Verdict
            if case_["kind"] as! String == "response" {
                verdict = try verifyResponse(
                    request: request, response: Data(base64Encoded: case_["response_b64"] as! String)!,
                    headers: case_["headers"] as! [String: String], expectedAddress: expected)
            } else {
                verdict = try verifyStream(
                    request: request, stream: Data(base64Encoded: case_["stream_b64"] as! String)!,
                    expectedAddress: expected)
            }
            let expect = case_["expect"] as! [String: Any]
            XCTAssertEqual(verdict.verified, expect["verified"] as! Bool, file.lastPathComponent)
            let checks = expect["checks"] as! [String: String]
            for check in verdict.checks {
                XCTAssertEqual(String(describing: check.status).lowercased(), checks[check.id], check.id)
            }
        }
    }

    /// The shared GPU cases, run as core/tests/gpu_vectors.rs and Kotlin's GpuTest.sharedGpuCases
    /// run them: options = the case's policy plus `at` and `rim_dir` (relative to tests/vectors/gpu).
    func testGpuCases() throws {
        let gpuDir = root.appendingPathComponent("tests/vectors/gpu")
        let doc = try JSONSerialization.jsonObject(
            with: Data(contentsOf: gpuDir.appendingPathComponent("cases.json"))) as! [String: Any]
        let cases = doc["cases"] as! [[String: Any]]
        XCTAssertGreaterThanOrEqual(cases.count, 30)
        let rfc3339 = ISO8601DateFormatter()
        for case_ in cases {
            let name = case_["name"] as! String
            var options = GpuOptions()
            options.atUnixSeconds = Int64(rfc3339.date(from: case_["at"] as! String)!.timeIntervalSince1970)
            if let rimDir = case_["rim_dir"] as? String {
                options.rimDir = gpuDir.appendingPathComponent(rimDir).path
            }
            for (key, value) in case_["policy"] as! [String: Any] {
                switch key {
                case "expected_count": options.expectedCount = UInt32(value as! Int)
                case "expected_arch": options.expectedArch = value as! String
                case "require_revocation": options.requireRevocation = value as! Bool
                case "require_rims": options.requireRims = value as! Bool
                case "allow_expired_rims": options.allowExpiredRims = value as! Bool
                case "allow_hold_for_rims": options.allowHoldForRims = value as! Bool
                default: XCTFail("\(name): unknown policy key \(key)")
                }
            }
            let verdict = try verifyGpu(
                gpuJson: Data((case_["gpu"] as! String).utf8), nonce: case_["nonce"] as! String,
                options: options)
            let expect = case_["expect"] as! [String: Any]
            XCTAssertEqual(verdict.verified, expect["verified"] as! Bool, name)
            for want in expect["checks"] as! [[String: Any]] {
                let id = want["id"] as! String
                let subject = want["subject"] as? String  // JSON null: a check about the whole object
                guard let got = verdict.checks.first(where: { $0.id == id && $0.subject == subject }) else {
                    XCTFail("\(name): no check \(id) for \(subject ?? "-")")
                    continue
                }
                XCTAssertEqual(String(describing: got.status).lowercased(), want["status"] as? String,
                               "\(name): \(id) \(subject ?? "-"): \(got.detail)")
            }
        }
    }

    func testGpuInvalidNonceThrows() {
        XCTAssertThrowsError(try verifyGpu(gpuJson: Data("{}".utf8), nonce: "")) { error in
            guard case CcverifyError.InvalidNonce = error else { return XCTFail("\(error)") }
        }
    }

    func testInvalidAddressThrows() {
        XCTAssertThrowsError(try verifyStream(request: Data(), stream: Data(),
                                              expectedAddress: "0x2c7536E3605D9C16a7a3D7b1898e529396a65C23")) { error in
            guard case CcverifyError.InvalidAddress = error else { return XCTFail("\(error)") }
        }
    }
}
