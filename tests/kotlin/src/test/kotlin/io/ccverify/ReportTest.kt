package io.ccverify

import org.json.JSONObject
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNotEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.DynamicTest
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestFactory
import org.junit.jupiter.api.assertThrows
import org.junit.jupiter.api.fail
import java.io.File
import java.time.Instant

/**
 * Whole io.net attestations and evidence bundles: the shared cases in
 * tests/vectors/report/cases.json, run as core/tests/report_vectors.rs runs them, then the
 * Kotlin surface of verifyReport, verifyBundle, loadPolicy and policyPresets.
 */
class ReportTest {
    private val root = File(System.getProperty("ccverify.root") ?: "..")
    private val reportDir = File(root, "tests/vectors/report")
    private val cases: List<JSONObject> by lazy {
        val array = JSONObject(File(reportDir, "cases.json").readText()).getJSONArray("cases")
        (0 until array.length()).map { array.getJSONObject(it) }
    }

    private fun case(name: String): JSONObject =
        cases.firstOrNull { it.getString("name") == name } ?: fail("no report case $name")

    private fun optString(o: JSONObject, key: String): String? = if (o.isNull(key)) null else o.getString(key)

    /** `at` as the JSON forms take it: RFC 3339 text or Unix seconds. */
    private fun instant(o: JSONObject, key: String): Instant = when (val v = o.get(key)) {
        is String -> Instant.parse(v)
        is Number -> Instant.ofEpochSecond(v.toLong())
        else -> fail("$key is neither RFC 3339 text nor a number: $v")
    }

    /** A policy as the records take it: text (a preset name, JSON or TOML) or an object as JSON. */
    private fun policyText(o: JSONObject, key: String): String = when (val v = o.get(key)) {
        is String -> v
        is JSONObject -> v.toString()
        else -> fail("$key is neither text nor an object: $v")
    }

    /** The option keys of the JSON forms that the records carry. */
    private val recordKeys = mapOf(
        "report" to setOf("nonce", "policy", "rim_dir", "ocsp_dir", "collateral", "at"),
        "bundle" to setOf("at", "policy"),
    )

    /** The case's `options` as a ReportOptions record, plus `rim_dir` and the text of
     *  `collateral_file` (both relative to tests/vectors/report). */
    private fun reportOptions(case: JSONObject): ReportOptions {
        val o = case.getJSONObject("options")
        var options = ReportOptions(nonce = o.getString("nonce"))
        for (key in o.keySet().filter { !o.isNull(it) }) {
            options = when (key) {
                "nonce" -> options
                "policy" -> options.copy(policy = loadPolicy(policyText(o, key)))
                "rim_dir" -> options.copy(rimDir = o.getString(key))
                "ocsp_dir" -> options.copy(ocspDir = o.getString(key))
                "collateral" -> options.copy(collateral = o.get(key).let { if (it is String) it else it.toString() })
                "at" -> options.copy(at = instant(o, key))
                else -> fail("unknown option $key")
            }
        }
        optString(case, "rim_dir")?.let { options = options.copy(rimDir = File(reportDir, it).path) }
        optString(case, "collateral_file")?.let { options = options.copy(collateral = File(reportDir, it).readText()) }
        return options
    }

    /** The case's `options` as a BundleOptions record. */
    private fun bundleOptions(case: JSONObject): BundleOptions {
        val o = case.getJSONObject("options")
        var options = BundleOptions()
        for (key in o.keySet().filter { !o.isNull(it) }) {
            options = when (key) {
                "at" -> if (o.optString(key) == "recorded") {
                    options.copy(atRecorded = true)
                } else {
                    options.copy(at = instant(o, key))
                }
                "policy" -> when (val text = policyText(o, key)) {
                    "recorded" -> options.copy(policyRecorded = true)
                    else -> options.copy(policy = loadPolicy(text))
                }
                else -> fail("unknown option $key")
            }
        }
        return options
    }

    private fun run(case: JSONObject): Verdict = when (val kind = case.getString("kind")) {
        "report" -> verifyReport(case.getString("report").toByteArray(), reportOptions(case))
        "bundle" -> verifyBundle(File(reportDir, case.getString("bundle_file")).readBytes(), bundleOptions(case))
        else -> fail("unknown kind $kind")
    }

    /** The check with this id and subject (null: a check about the whole attestation). */
    private fun Verdict.check(id: String, subject: String? = null): Check =
        checks.firstOrNull { it.id == id && it.subject == subject } ?: fail("no check $id for $subject: $json")

    private fun Verdict.status(id: String, subject: String? = null): CheckStatus = check(id, subject).status

    private fun statusWord(s: CheckStatus) = s.name.lowercase()

    private fun assertMatches(case: JSONObject, verdict: Verdict) {
        val name = case.getString("name")
        val expect = case.getJSONObject("expect")
        assertEquals(expect.getBoolean("verified"), verdict.verified, "$name: verified: ${verdict.json}")
        val checks = expect.getJSONArray("checks")
        for (i in 0 until checks.length()) {
            val want = checks.getJSONObject(i)
            val got = verdict.check(want.getString("id"), optString(want, "subject"))
            assertEquals(want.getString("status"), statusWord(got.status), "$name: ${got.id} ${got.subject}: ${got.detail}")
        }
        val facts = expect.getJSONObject("facts")
        for (fact in facts.keySet()) {
            assertEquals(facts.getString(fact), verdict.facts[fact], "$name: fact $fact")
        }
        // Every verdict carries the plain-language summary.
        assertTrue(!verdict.facts["summary"].isNullOrEmpty(), "$name: no summary fact")
    }

    @TestFactory
    fun sharedReportAndBundleCases(): List<DynamicTest> {
        assertTrue(cases.size >= 28, "expected the full report case set, found ${cases.size}")
        assertEquals(cases.size, cases.map { it.getString("name") }.toSet().size, "case names are unique")
        assertEquals(setOf("report", "bundle"), cases.map { it.getString("kind") }.toSet())
        return cases.map { case ->
            DynamicTest.dynamicTest(case.getString("name")) {
                val name = case.getString("name")
                val expectedError = optString(case.getJSONObject("expect"), "error")
                val unknown = case.getJSONObject("options").keySet() - recordKeys.getValue(case.getString("kind"))
                if (unknown.isNotEmpty()) {
                    // A misspelt option has no field in the typed records; the JSON entry
                    // points read the same options as text and must refuse it with the code.
                    val json = case.getJSONObject("options").toString()
                    val e = assertThrows<CcverifyException>(name) {
                        when (case.getString("kind")) {
                            "report" -> verifyReportJson(case.getString("report").toByteArray(), json)
                            else -> verifyBundleJson(File(reportDir, case.getString("bundle_file")).readBytes(), json)
                        }
                    }
                    assertEquals(expectedError, e.code, "$name: options $unknown: ${e.message}")
                    return@dynamicTest
                }
                if (expectedError != null) {
                    val e = assertThrows<CcverifyException>(name) { run(case) }
                    assertEquals(expectedError, e.code, "$name: ${e.message}")
                } else {
                    assertMatches(case, run(case))
                }
            }
        }
    }

    // The real GPU report and TDX quote, for the GPU report's own nonce.
    private val real by lazy { case("real_evidence_report_nonce") }
    private val report by lazy { real.getString("report").toByteArray() }
    private val options by lazy { reportOptions(real) }
    private val attested = "0x2c7536E3605D9C16a7a3D7b1898e529396a65c23"
    private val bundle by lazy { File(reportDir, "bundle-real.json").readBytes() }

    @Test
    fun summaryAndSignerSayWhatIsProven() {
        val verdict = verifyReport(report, options)
        assertMatches(real, verdict)
        val summary = verdict.facts["summary"] ?: fail("no summary")
        assertTrue(summary.startsWith("NOT VERIFIED: "), summary)
        assertTrue("tdx.report_data" in summary, summary)
        assertTrue("the GPU reports are signed by genuine NVIDIA devices" in summary, summary)
        assertTrue("io.net does not bind it" in summary, summary)
        // The signer is the attested signing address: the key to pin for the completions.
        assertEquals(attested, verdict.signer)
        assertEquals(CheckStatus.PASS, verdict.status("report.signing_address"))
        assertEquals(CheckStatus.WARN, verdict.status("report.key_binding"))
        val json = JSONObject(verdict.json)
        assertEquals(verdict.checks.size, json.getJSONArray("checks").length())
        assertTrue(verdict.checks.size > 20, verdict.json)
    }

    @Test
    fun verdictsReadBackFromTheirJson() {
        val verdict = verifyReport(report, options)
        assertEquals(verdict, verdictFromJson(verdict.json))
        // Untrusted text: a verdict that claims more than its checks show is refused.
        val lie = """{"verified":true,"checks":[{"id":"a","status":"fail","detail":""}],"signer":null,"facts":{}}"""
        assertEquals("invalid_argument", assertThrows<CcverifyException.InvalidArgument> { verdictFromJson(lie) }.code)
    }

    @Test
    fun badNonceThrowsInvalidNonce() {
        for (bad in listOf("", "0x", "not-a-nonce", "00".repeat(32), "abc", "ab".repeat(33))) {
            val e = assertThrows<CcverifyException.InvalidNonce>(bad) { verifyReport(report, options.copy(nonce = bad)) }
            assertEquals("invalid_nonce", e.code, bad)
        }
        // The agent's normalisation: 0x and upper case are the same nonce.
        val upper = verifyReport(report, options.copy(nonce = "0x" + options.nonce.uppercase()))
        assertEquals(verifyReport(report, options), upper)
    }

    @Test
    fun recordDefaults() {
        assertEquals(ReportOptions("ab", Policy(), null, null, null, null), ReportOptions(nonce = "ab"))
        assertEquals(BundleOptions(null, false, null, false), BundleOptions())
        val pinned = BundleOptions(at = Instant.parse("2025-06-20T06:13:20Z"))
        assertEquals(verifyBundle(bundle, pinned), verifyBundle(bundle, pinned.copy(policy = loadPolicy("default"))))
        // `Policy()` is the default preset (its TCB statuses, TDX module and QE pins unset: the
        // core's defaults, which loadPolicy writes out).
        val default = loadPolicy("default")
        val unset = default.tdx.copy(acceptedTcbStatuses = null, mrsignerseam = null, seamAttributes = null, qeVendorId = null)
        assertEquals(Policy(), default.copy(tdx = unset))
        assertEquals(listOf("00".repeat(48)), default.tdx.mrsignerseam)
        assertEquals("939a7233f79c4ca9940a0db3957f0607", default.tdx.qeVendorId)
        assertEquals(listOf("UpToDate"), default.tdx.acceptedTcbStatuses)
        assertEquals(verifyReport(report, options.copy(policy = Policy())), verifyReport(report, options.copy(policy = default)))
    }

    @Test
    fun withoutAtTheSystemClockIsUsed() {
        val before = Instant.now().epochSecond
        val verdict = verifyReport(report, options.copy(at = null))
        val after = Instant.now().epochSecond
        val same = (before..after).map { verifyReport(report, options.copy(at = Instant.ofEpochSecond(it))) }
        assertTrue(verdict in same, verdict.json)
        // The sample collateral expired in July 2025.
        assertEquals(CheckStatus.FAIL, verdict.status("tdx.collateral"))
        assertEquals(CheckStatus.PASS, verifyReport(report, options).status("tdx.collateral"))
    }

    @Test
    fun policiesLoadFromTextIntoTheTypedRecord() {
        assertEquals(listOf("default", "offline", "strict"), policyPresets())
        for (preset in policyPresets()) {
            val policy = loadPolicy(preset)
            assertEquals(preset, policy.preset)
            assertEquals(policy, loadPolicy(" $preset\n"))
        }
        assertTrue(loadPolicy("offline").offline)
        assertFalse(loadPolicy("offline").gpu.requireRevocation)
        assertTrue(loadPolicy("strict").requireKeyBinding)
        val toml = loadPolicy("preset = \"offline\"\nrequire_key_binding = true\n\n[gpu]\nexpected_count = 8\n")
        assertEquals("offline", toml.preset)
        assertTrue(toml.offline)
        assertTrue(toml.requireKeyBinding)
        assertEquals(8, toml.gpu.expectedCount)
        assertEquals(toml, loadPolicy("""{"preset": "offline", "require_key_binding": true, "gpu": {"expected_count": 8}}"""))
        // The same policy built in Kotlin applies exactly like the text.
        val offline = loadPolicy("offline")
        val built = offline.copy(requireKeyBinding = true, gpu = offline.gpu.copy(expectedCount = 8))
        assertEquals(toml, built)
        val keyBound = verifyReport(report, options.copy(policy = built))
        assertEquals(keyBound, verifyReport(report, options.copy(policy = toml)))
        assertEquals(CheckStatus.FAIL, keyBound.status("report.key_binding"))
        assertEquals(CheckStatus.FAIL, keyBound.status("gpu.count"))
        assertNotEquals(loadPolicy("default"), toml)
        // Hex values come back normalised (lowercase, no 0x).
        val pinned = loadPolicy("""{"tdx": {"mrtd": ["0x${"AB".repeat(48)}"]}}""")
        assertEquals(listOf("ab".repeat(48)), pinned.tdx.mrtd)
    }

    @Test
    fun badPoliciesAndDirectoriesThrowInvalidArgument() {
        val badPolicies = listOf(
            "lenient",
            """{"offlne": true}""",
            """{"gpu": {"expected_count": -1}}""",
            """{"image_digests": ["sha256:XYZ"]}""",
            "{",
            "offline = 1",
        )
        for (bad in badPolicies) {
            val e = assertThrows<CcverifyException.InvalidArgument>(bad) { loadPolicy(bad) }
            assertEquals("invalid_argument", e.code, bad)
        }
        // Typed records the core refuses, wherever a policy is taken.
        val badRecords = listOf(
            Policy(preset = "lenient"),
            Policy(gpu = GpuPolicy(expectedCount = -1)),
            Policy(imageDigests = listOf("sha256:XYZ")),
            Policy(tdx = TdxPolicy(mrtd = listOf("00"))),
            Policy(tdx = TdxPolicy(acceptedTcbStatuses = listOf("Revoked"))),
        )
        for (bad in badRecords) {
            for (call in listOf<() -> Any>(
                { verifyReport(report, options.copy(policy = bad)) },
                { verifyBundle(bundle, BundleOptions(policy = bad)) },
            )) {
                val e = assertThrows<CcverifyException.InvalidArgument>(bad.toString()) { call() }
                assertEquals("invalid_argument", e.code, bad.toString())
            }
        }
        val missing = File(root, "target/no-such-directory").path
        assertThrows<CcverifyException.InvalidArgument> { verifyReport(report, options.copy(rimDir = missing)) }
        assertThrows<CcverifyException.InvalidArgument> { verifyReport(report, options.copy(ocspDir = missing)) }
        for (notABundle in listOf("", "{}", "[]", "not json", """{"format":"ccverify-bundle/0"}""")) {
            assertThrows<CcverifyException.InvalidArgument>(notABundle) { verifyBundle(notABundle.toByteArray()) }
        }
    }

    @Test
    fun badEvidenceIsAFailedCheckNotAnException() {
        for (bad in listOf("", "{}", "[]", "not json", report.decodeToString().take(200))) {
            val verdict = verifyReport(bad.toByteArray(), options)
            assertFalse(verdict.verified, bad)
            assertTrue(verdict.checks.any { it.status == CheckStatus.FAIL }, bad)
            assertTrue(!verdict.facts["summary"].isNullOrEmpty(), bad)
        }
        assertEquals(CheckStatus.FAIL, verifyReport("not json".toByteArray(), options).status("report.format"))
    }

    @Test
    fun bundlesAreVerifiedNowUnderTheCallersPolicyUnlessAsked() {
        // By default: now, under the default preset — never what the bundle records.
        val now = verifyBundle(bundle)
        assertEquals("clock", now.facts["bundle.time_source"])
        assertEquals("caller", now.facts["policy.source"])
        assertEquals(CheckStatus.PASS, now.status("bundle.inputs"))
        val at = Instant.parse("2025-06-20T06:13:20Z")
        val own = verifyBundle(bundle, BundleOptions(at = at))
        assertMatches(case("bundle_real"), own)
        assertEquals(attested, own.signer)
        assertEquals(CheckStatus.PASS, own.status("response.signer", "exchange0"))
        val recorded = verifyBundle(bundle, BundleOptions(atRecorded = true, policyRecorded = true))
        assertMatches(case("bundle_recorded"), recorded)
        assertEquals(CheckStatus.WARN, recorded.status("bundle.inputs"))
        assertEquals(
            "invalid_argument",
            assertThrows<CcverifyException> { verifyBundle(bundle, BundleOptions(at = at, atRecorded = true)) }.code,
        )
        assertEquals(
            "invalid_argument",
            assertThrows<CcverifyException> {
                verifyBundle(bundle, BundleOptions(policy = Policy(), policyRecorded = true))
            }.code,
        )
        val later = verifyBundle(bundle, BundleOptions(at = Instant.parse("2030-01-01T00:00:00Z")))
        assertMatches(case("bundle_later_time"), later)
        assertNotEquals(own, later)
        assertEquals(CheckStatus.FAIL, verifyBundle(bundle, BundleOptions(policy = loadPolicy("strict"))).status("report.key_binding"))
    }

    @Test
    fun everyErrorCodeHasItsName() {
        val all = listOf(
            CcverifyException.InvalidArgument("r") to "invalid_argument",
            CcverifyException.InvalidNonce("r") to "invalid_nonce",
            CcverifyException.InvalidAddress("r") to "invalid_address",
            CcverifyException.InvalidSignature("r") to "invalid_signature",
            CcverifyException.LimitExceeded("r") to "limit_exceeded",
            CcverifyException.InvalidState("r") to "invalid_state",
            CcverifyException.Rng("r") to "rng",
            CcverifyException.Network("r") to "network",
            CcverifyException.AttestationFailed("r") to "attestation_failed",
            CcverifyException.UnverifiedResponse("r", null) to "unverified_response",
            CcverifyException.Cancelled("r") to "cancelled",
            CcverifyException.Internal("r") to "internal",
        )
        for ((e, code) in all) assertEquals(code, e.code)
        assertEquals(all.size, all.map { it.second }.toSet().size)
    }
}
