// Runs the shared exchange vectors, GPU, TDX and report/bundle cases from tests/vectors/ (macOS or
// Linux with a Swift toolchain; the project's CI has none and checks syntax only).
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
                let stream = Data(base64Encoded: case_["stream_b64"] as! String)!
                verdict = try verifyStream(request: request, stream: stream, expectedAddress: expected)
                // Fed in 7-byte chunks, the verifier hands on exactly the vector's canonical
                // events (never the relayed bytes).
                let sv = try StreamVerifier(request: request, expectedAddress: expected)
                var delivered = Data()
                var at = 0
                while at < stream.count {
                    let end = min(at + 7, stream.count)
                    delivered.append(try sv.update(chunk: stream.subdata(in: at..<end)))
                    at = end
                }
                XCTAssertEqual(try sv.finish(), verdict, file.lastPathComponent)
                delivered.append(try sv.tail())
                let want = (case_["expect"] as! [String: Any])["delivered_b64"] as! String
                XCTAssertEqual(delivered, Data(base64Encoded: want)!, file.lastPathComponent)
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
            options.at = rfc3339.date(from: case_["at"] as! String)!
            if let rimDir = case_["rim_dir"] as? String {
                options.rimDir = gpuDir.appendingPathComponent(rimDir).path
            }
            for (key, value) in case_["policy"] as! [String: Any] {
                switch key {
                case "expected_count": options.policy.expectedCount = Int32(value as! Int)
                case "expected_arch": options.policy.expectedArch = value as! String
                case "require_revocation": options.policy.requireRevocation = value as! Bool
                case "require_rims": options.policy.requireRims = value as! Bool
                case "allow_expired_rims": options.policy.allowExpiredRims = value as! Bool
                case "allow_hold_for_rims": options.policy.allowHoldForRims = value as! Bool
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

    /// The shared TDX cases, run as core/tests/tdx_vectors.rs and Kotlin's TdxTest.sharedTdxCases
    /// run them: quote = the case's hex text as bytes, collateral = the file relative to
    /// tests/vectors/tdx, options = the case's policy plus `at` and the expected REPORTDATA.
    func testTdxCases() throws {
        let tdxDir = root.appendingPathComponent("tests/vectors/tdx")
        let doc = try JSONSerialization.jsonObject(
            with: Data(contentsOf: tdxDir.appendingPathComponent("cases.json"))) as! [String: Any]
        let cases = doc["cases"] as! [[String: Any]]
        XCTAssertGreaterThanOrEqual(cases.count, 20)
        let rfc3339 = ISO8601DateFormatter()
        for case_ in cases {
            let name = case_["name"] as! String
            var options = TdxOptions()
            options.at = rfc3339.date(from: case_["at"] as! String)!
            if let expected = case_["expected_report_data"] as? [String: String] {  // JSON null: none
                options.nonce = expected["nonce"]
                options.reportData = expected["report_data"]
            }
            for (key, value) in case_["policy"] as! [String: Any] {
                switch key {
                case "accepted_tcb_statuses": options.policy.acceptedTcbStatuses = (value as! [String])
                case "rejected_advisories": options.policy.rejectedAdvisories = value as! [String]
                case "allow_debug": options.policy.allowDebug = value as! Bool
                case "td_attributes": options.policy.tdAttributes = (value as! String)
                case "mrtd": options.policy.mrtd = value as! [String]
                case "rtmr0": options.policy.rtmr0 = value as! [String]
                case "rtmr1": options.policy.rtmr1 = value as! [String]
                case "rtmr2": options.policy.rtmr2 = value as! [String]
                case "rtmr3": options.policy.rtmr3 = value as! [String]
                case "mrseam": options.policy.mrseam = value as! [String]
                case "xfam": options.policy.xfam = value as! [String]
                case "max_collateral_age_secs": options.policy.maxCollateralAge = TimeInterval(value as! Int)
                case "min_tcb_eval_data_number": options.policy.minTcbEvalDataNumber = Int32(value as! Int)
                default: XCTFail("\(name): unknown policy key \(key)")
                }
            }
            let collateral = try Data(contentsOf: tdxDir.appendingPathComponent(case_["collateral"] as! String))
            let verdict = try verifyTdx(
                quote: Data((case_["quote"] as! String).utf8), collateral: collateral, options: options)
            let expect = case_["expect"] as! [String: Any]
            XCTAssertEqual(verdict.verified, expect["verified"] as! Bool, name)
            for want in expect["checks"] as! [[String: Any]] {
                let id = want["id"] as! String
                guard let got = verdict.checks.first(where: { $0.id == id }) else {
                    XCTFail("\(name): no check \(id)")
                    continue
                }
                XCTAssertEqual(String(describing: got.status).lowercased(), want["status"] as? String,
                               "\(name): \(id): \(got.detail)")
            }
        }
    }

    func testTdxDefaultsAndErrors() {
        XCTAssertEqual(TdxOptions(), TdxOptions(
            nonce: nil, reportData: nil, at: nil, policy: TdxPolicy(
                acceptedTcbStatuses: nil, rejectedAdvisories: [], allowDebug: false, tdAttributes: nil,
                mrtd: [], rtmr0: [], rtmr1: [], rtmr2: [], rtmr3: [], mrseam: [], xfam: [],
                maxCollateralAge: nil, minTcbEvalDataNumber: nil)))
        // Bad evidence is a failed check, not an error.
        XCTAssertFalse(try verifyTdx(quote: Data("zz".utf8), collateral: Data("{}".utf8)).verified)
        XCTAssertThrowsError(try verifyTdx(quote: Data(), collateral: Data(), options: TdxOptions(nonce: ""))) { error in
            guard case CcverifyError.InvalidNonce = error else { return XCTFail("\(error)") }
        }
        for options in [
            TdxOptions(nonce: "ab", reportData: String(repeating: "00", count: 64)),
            TdxOptions(reportData: "00"),
            TdxOptions(policy: TdxPolicy(mrtd: ["zz"])),
            TdxOptions(policy: TdxPolicy(xfam: [String(repeating: "00", count: 48)])),
            TdxOptions(policy: TdxPolicy(acceptedTcbStatuses: ["Revoked"])),
        ] {
            XCTAssertThrowsError(try verifyTdx(quote: Data(), collateral: Data(), options: options)) { error in
                guard case CcverifyError.InvalidArgument = error else { return XCTFail("\(error)") }
            }
        }
    }

    /// The stable code of an error, as every binding names it (Kotlin: `CcverifyException.code`).
    /// The shared code of a ccverify error (`CcverifyError.code`, hand-written beside the
    /// generated code).
    func code(of error: Error) -> String {
        guard let e = error as? CcverifyError else { return "not a CcverifyError: \(error)" }
        return e.code
    }

    /// An RFC 3339 text or Unix seconds as a `Date`.
    func date(_ value: Any) -> Date {
        if let text = value as? String {
            return ISO8601DateFormatter().date(from: text)!
        }
        return Date(timeIntervalSince1970: (value as! NSNumber).doubleValue)
    }

    /// A policy or collateral as the records take it: text as is, an object as its JSON text.
    func optionText(_ value: Any) throws -> String {
        if let text = value as? String { return text }
        return String(decoding: try JSONSerialization.data(withJSONObject: value), as: UTF8.self)
    }

    /// The shared whole-attestation and bundle cases, run as core/tests/report_vectors.rs and
    /// Kotlin's ReportTest.sharedReportAndBundleCases run them. kind=report: the case's options
    /// as a ReportOptions record plus `rim_dir` and the text of `collateral_file` (relative to
    /// tests/vectors/report); kind=bundle: `bundle_file` with the options as BundleOptions.
    func testReportAndBundleCases() throws {
        let reportDir = root.appendingPathComponent("tests/vectors/report")
        let doc = try JSONSerialization.jsonObject(
            with: Data(contentsOf: reportDir.appendingPathComponent("cases.json"))) as! [String: Any]
        let cases = doc["cases"] as! [[String: Any]]
        XCTAssertGreaterThanOrEqual(cases.count, 28)
        for case_ in cases {
            let name = case_["name"] as! String
            let kind = case_["kind"] as! String
            let expect = case_["expect"] as! [String: Any]
            let expectedError = expect["error"] as? String  // JSON null: the call must succeed
            let given = (case_["options"] as! [String: Any]).filter { !($0.value is NSNull) }
            let carried: Set<String> = kind == "report"
                ? ["nonce", "policy", "rim_dir", "ocsp_dir", "collateral", "at"] : ["at", "policy"]
            let unknown = Set(given.keys).subtracting(carried)
            if !unknown.isEmpty {
                // A misspelt option has no field in the typed records; the JSON entry points read
                // the same options as text and must refuse it with the code.
                let json = String(decoding: try JSONSerialization.data(withJSONObject: case_["options"]!), as: UTF8.self)
                let bundleFile = case_["bundle_file"] as? String
                XCTAssertThrowsError(try kind == "report"
                    ? verifyReportJson(report: Data((case_["report"] as! String).utf8), optionsJson: json)
                    : verifyBundleJson(bundle: try Data(contentsOf: reportDir.appendingPathComponent(bundleFile!)), optionsJson: json),
                    name) { error in
                    XCTAssertEqual(self.code(of: error), expectedError, "\(name): options \(unknown): \(error)")
                }
                continue
            }
            let call: () throws -> Verdict
            if kind == "report" {
                var options = ReportOptions(nonce: given["nonce"] as! String)
                if let policy = given["policy"] { options.policy = try loadPolicy(text: try optionText(policy)) }
                if let rimDir = given["rim_dir"] as? String { options.rimDir = rimDir }
                if let ocspDir = given["ocsp_dir"] as? String { options.ocspDir = ocspDir }
                if let collateral = given["collateral"] { options.collateral = try optionText(collateral) }
                if let at = given["at"] { options.at = date(at) }
                if let rimDir = case_["rim_dir"] as? String {
                    options.rimDir = reportDir.appendingPathComponent(rimDir).path
                }
                if let file = case_["collateral_file"] as? String {
                    options.collateral = try String(contentsOf: reportDir.appendingPathComponent(file), encoding: .utf8)
                }
                let report = Data((case_["report"] as! String).utf8)
                call = { try verifyReport(report: report, options: options) }
            } else {
                var options = BundleOptions()
                if let policy = given["policy"] {
                    let text = try optionText(policy)
                    if text == "recorded" { options.policyRecorded = true } else { options.policy = try loadPolicy(text: text) }
                }
                if let at = given["at"] {
                    if at as? String == "recorded" { options.atRecorded = true } else { options.at = date(at) }
                }
                let bundle = try Data(contentsOf: reportDir.appendingPathComponent(case_["bundle_file"] as! String))
                call = { try verifyBundle(bundle: bundle, options: options) }
            }
            if let expectedError = expectedError {
                XCTAssertThrowsError(try call(), name) { error in
                    XCTAssertEqual(self.code(of: error), expectedError, "\(name): \(error)")
                }
                continue
            }
            let verdict = try call()
            XCTAssertEqual(verdict.verified, expect["verified"] as! Bool, name)
            for want in expect["checks"] as! [[String: Any]] {
                let id = want["id"] as! String
                let subject = want["subject"] as? String  // JSON null: a check about the whole
                guard let got = verdict.checks.first(where: { $0.id == id && $0.subject == subject }) else {
                    XCTFail("\(name): no check \(id) for \(subject ?? "-")")
                    continue
                }
                XCTAssertEqual(String(describing: got.status).lowercased(), want["status"] as? String,
                               "\(name): \(id) \(subject ?? "-"): \(got.detail)")
            }
            for (fact, value) in expect["facts"] as! [String: String] {
                XCTAssertEqual(verdict.facts[fact], value, "\(name): fact \(fact)")
            }
            XCTAssertFalse((verdict.facts["summary"] ?? "").isEmpty, "\(name): no summary fact")
        }
    }

    /// Every case of tests/vectors/options/cases.json through the JSON-options entry points, as
    /// Kotlin's OptionsTest runs them: the shared error code, or a verdict when accepted.
    func testOptionsCases() throws {
        let vectors = root.appendingPathComponent("tests/vectors")
        let doc = try JSONSerialization.jsonObject(
            with: Data(contentsOf: vectors.appendingPathComponent("options/cases.json"))) as! [String: Any]
        let bundle = try Data(contentsOf: vectors.appendingPathComponent("report/bundle-real.json"))
        let nonce = doc["gpu_nonce"] as! String
        let cases = doc["cases"] as! [[String: Any]]
        XCTAssertGreaterThanOrEqual(cases.count, 50)
        for case_ in cases {
            let name = case_["name"] as! String
            let json = String(decoding: try JSONSerialization.data(withJSONObject: case_["options"]!), as: UTF8.self)
            let call: () throws -> Any
            switch case_["schema"] as! String {
            case "gpu": call = { try verifyGpuJson(gpuJson: Data("{}".utf8), nonce: nonce, optionsJson: json) }
            case "tdx": call = { try verifyTdxJson(quote: Data("00".utf8), collateral: Data("{}".utf8), optionsJson: json) }
            case "report": call = { try verifyReportJson(report: Data("{}".utf8), optionsJson: json) }
            case "bundle": call = { try verifyBundleJson(bundle: bundle, optionsJson: json) }
            default: call = { try loadPolicy(text: json) }
            }
            if let expected = case_["error"] as? String {
                XCTAssertThrowsError(try call(), name) { error in
                    XCTAssertEqual(self.code(of: error), expected, "\(name): \(error)")
                }
            } else {
                XCTAssertNoThrow(try call(), name)
            }
        }
    }

    func testReportSurface() throws {
        XCTAssertEqual(ReportOptions(nonce: "ab"), ReportOptions(
            nonce: "ab", policy: Policy(), rimDir: nil, ocspDir: nil, collateral: nil, at: nil))
        XCTAssertEqual(BundleOptions(), BundleOptions(at: nil, atRecorded: false, policy: nil, policyRecorded: false))
        XCTAssertEqual(policyPresets(), ["default", "offline", "strict"])
        for preset in policyPresets() {
            let policy = try loadPolicy(text: preset)
            XCTAssertEqual(policy.preset, preset)
        }
        var strict = try loadPolicy(text: "offline")
        strict.requireKeyBinding = true
        strict.gpu.expectedCount = 8
        XCTAssertEqual(strict, try loadPolicy(text: "preset = \"offline\"\nrequire_key_binding = true\n[gpu]\nexpected_count = 8\n"))
        // Bad evidence is a failed check with a summary, not an error.
        let verdict = try verifyReport(report: Data("not json".utf8), options: ReportOptions(nonce: "01"))
        XCTAssertFalse(verdict.verified)
        XCTAssertNotNil(verdict.facts["summary"])
        XCTAssertThrowsError(try verifyReport(report: Data("{}".utf8), options: ReportOptions(nonce: ""))) { error in
            guard case CcverifyError.InvalidNonce = error else { return XCTFail("\(error)") }
        }
        for bad in ["lenient", "{\"offlne\": true}", "offline = 1"] {
            XCTAssertThrowsError(try loadPolicy(text: bad)) { error in
                guard case CcverifyError.InvalidArgument = error else { return XCTFail("\(error)") }
            }
        }
        for bad in [Policy(preset: "lenient"), Policy(gpu: GpuPolicy(expectedCount: -1)),
                    Policy(tdx: TdxPolicy(mrtd: ["00"]))] {
            XCTAssertThrowsError(try verifyReport(report: Data(), options: ReportOptions(nonce: "01", policy: bad))) { error in
                XCTAssertEqual(self.code(of: error), "invalid_argument", "\(bad)")
            }
        }
        XCTAssertThrowsError(try verifyBundle(bundle: Data("{}".utf8))) { error in
            guard case CcverifyError.InvalidArgument = error else { return XCTFail("\(error)") }
        }
    }

    func testVerdictsAreCodableInTheSharedJsonForm() throws {
        let verdict = try verifyReport(report: Data("not json".utf8), options: ReportOptions(nonce: "01"))
        let json = try JSONEncoder().encode(verdict)
        XCTAssertEqual(try JSONDecoder().decode(Verdict.self, from: json), verdict)
        let object = try JSONSerialization.jsonObject(with: json) as! [String: Any]
        XCTAssertEqual(Set(object.keys), ["verified", "checks", "signer", "facts"])
        // A verdict that claims more than its checks show does not decode.
        let lie = Data(#"{"verified":true,"checks":[{"id":"a","status":"fail","detail":""}],"signer":null,"facts":{}}"#.utf8)
        XCTAssertThrowsError(try JSONDecoder().decode(Verdict.self, from: lie))
        let check = (object["checks"] as! [[String: Any]])[0]
        XCTAssertEqual(check["status"] as? String, "fail")
        XCTAssertThrowsError(try JSONDecoder().decode(CheckStatus.self, from: Data("[\"maybe\"]".utf8)))
    }

    func testInvalidAddressThrows() {
        XCTAssertThrowsError(try verifyStream(request: Data(), stream: Data(),
                                              expectedAddress: "0x2c7536E3605D9C16a7a3D7b1898e529396a65C23")) { error in
            guard case CcverifyError.InvalidAddress = error else { return XCTFail("\(error)") }
        }
    }
}
