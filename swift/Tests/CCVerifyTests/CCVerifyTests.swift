// Runs the shared exchange vectors from tests/vectors/ (macOS or Linux with a Swift
// toolchain; the project's CI has none and checks syntax only).
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

    func testInvalidAddressThrows() {
        XCTAssertThrowsError(try verifyStream(request: Data(), stream: Data(),
                                              expectedAddress: "0x2c7536E3605D9C16a7a3D7b1898e529396a65C23")) { error in
            guard case CcverifyError.InvalidAddress = error else { return XCTFail("\(error)") }
        }
    }
}
