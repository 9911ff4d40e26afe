package io.ccverify

import org.json.JSONObject
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.DynamicTest
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestFactory
import org.junit.jupiter.api.assertThrows
import org.junit.jupiter.api.fail
import java.io.File
import java.time.Duration
import java.time.Instant

/**
 * Intel TDX quotes: the shared cases in tests/vectors/tdx/cases.json, run exactly as
 * core/tests/tdx_vectors.rs runs them, then verifyTdx's Kotlin surface (options record, errors).
 */
class TdxTest {
    private val root = File(System.getProperty("ccverify.root") ?: "..")
    private val tdxDir = File(root, "tests/vectors/tdx")
    private val cases: List<JSONObject> by lazy {
        val array = JSONObject(File(tdxDir, "cases.json").readText()).getJSONArray("cases")
        (0 until array.length()).map { array.getJSONObject(it) }
    }

    private fun case(name: String): JSONObject =
        cases.firstOrNull { it.getString("name") == name } ?: fail("no TDX case $name")

    private fun collateralOf(case: JSONObject): ByteArray = File(tdxDir, case.getString("collateral")).readBytes()

    private fun strings(o: JSONObject, key: String): List<String> {
        val array = o.getJSONArray(key)
        return (0 until array.length()).map { array.getString(it) }
    }

    /** The case's `policy` object plus `at`, the trust option (`trust`, or `trust_file` as a
     *  `Trust.AnchorFile`) and the expected REPORTDATA (`{nonce}`,
     *  `{report_data}` or null): the options core/tests/tdx_vectors.rs builds. */
    private fun caseOptions(case: JSONObject): TdxOptions {
        var options = TdxOptions(at = Instant.parse(case.getString("at")))
        if (!case.isNull("expected_report_data")) {
            val expected = case.getJSONObject("expected_report_data")
            options = when {
                expected.has("nonce") -> options.copy(nonce = expected.getString("nonce"))
                else -> options.copy(reportData = expected.getString("report_data"))
            }
        }
        var policy = TdxPolicy()
        val document = case.getJSONObject("policy")
        for (key in document.keySet()) {
            policy = when (key) {
                "accepted_tcb_statuses" -> policy.copy(acceptedTcbStatuses = strings(document, key))
                "rejected_advisories" -> policy.copy(rejectedAdvisories = strings(document, key))
                "allow_debug" -> policy.copy(allowDebug = document.getBoolean(key))
                "td_attributes" -> policy.copy(tdAttributes = document.getString(key))
                "mrtd" -> policy.copy(mrtd = strings(document, key))
                "rtmr0" -> policy.copy(rtmr0 = strings(document, key))
                "rtmr1" -> policy.copy(rtmr1 = strings(document, key))
                "rtmr2" -> policy.copy(rtmr2 = strings(document, key))
                "rtmr3" -> policy.copy(rtmr3 = strings(document, key))
                "mrseam" -> policy.copy(mrseam = strings(document, key))
                "xfam" -> policy.copy(xfam = strings(document, key))
                "max_collateral_age_secs" -> policy.copy(maxCollateralAge = Duration.ofSeconds(document.getLong(key)))
                "min_tcb_eval_data_number" -> policy.copy(minTcbEvalDataNumber = document.getInt(key))
                "mrconfigid" -> policy.copy(mrconfigid = strings(document, key))
                "mrowner" -> policy.copy(mrowner = strings(document, key))
                "mrownerconfig" -> policy.copy(mrownerconfig = strings(document, key))
                "mrsignerseam" -> policy.copy(mrsignerseam = strings(document, key))
                "seam_attributes" -> policy.copy(seamAttributes = strings(document, key))
                "fmspc" -> policy.copy(fmspc = strings(document, key))
                "min_tee_tcb_svn" -> policy.copy(minTeeTcbSvn = document.getString(key))
                "qe_vendor_id" -> policy.copy(qeVendorId = document.getString(key))
                "require_sept_ve_disable" -> policy.copy(requireSeptVeDisable = document.getBoolean(key))
                else -> fail("unknown policy key $key")
            }
        }
        val trust = when {
            case.has("trust") -> when (val name = case.getString("trust")) {
                "test" -> Trust.Test
                "production" -> Trust.Production
                else -> fail("unknown trust $name")
            }
            case.has("trust_file") -> Trust.AnchorFile(File(tdxDir, case.getString("trust_file")).path)
            else -> null
        }
        return options.copy(policy = policy, trust = trust)
    }

    private fun Verdict.check(id: String): Check = checks.firstOrNull { it.id == id } ?: fail("no check $id")

    private fun Verdict.status(id: String): CheckStatus = check(id).status

    private fun statusWord(s: CheckStatus) = s.name.lowercase()

    private fun assertMatches(case: JSONObject, verdict: Verdict) {
        val name = case.getString("name")
        val expect = case.getJSONObject("expect")
        assertEquals(expect.getBoolean("verified"), verdict.verified, "$name: verified: ${verdict.json}")
        val checks = expect.getJSONArray("checks")
        for (i in 0 until checks.length()) {
            val want = checks.getJSONObject(i)
            val got = verdict.check(want.getString("id"))
            assertEquals(want.getString("status"), statusWord(got.status), "$name: ${got.id}: ${got.detail}")
        }
    }

    @TestFactory
    fun sharedTdxCases(): List<DynamicTest> {
        assertTrue(cases.size >= 20, "expected the full TDX case set, found ${cases.size}")
        assertEquals(cases.size, cases.map { it.getString("name") }.toSet().size, "case names are unique")
        return cases.map { case ->
            DynamicTest.dynamicTest(case.getString("name")) {
                val verdict = verifyTdx(case.getString("quote").toByteArray(), collateralOf(case), caseOptions(case))
                assertMatches(case, verdict)
            }
        }
    }

    // The real v4 quote inside its collateral window, bound to its exact REPORTDATA.
    private val v4 by lazy { case("v4_uptodate") }
    private val quote by lazy { v4.getString("quote").toByteArray() }
    private val collateral by lazy { collateralOf(v4) }
    private val reportData by lazy { v4.getJSONObject("expected_report_data").getString("report_data") }
    private val at = Instant.parse("2025-06-20T06:13:20Z")

    private fun run(options: TdxOptions = TdxOptions()): Verdict =
        verifyTdx(quote, collateral, options.copy(at = at, reportData = options.reportData ?: reportData))

    private fun run(policy: TdxPolicy): Verdict = run(TdxOptions(policy = policy))

    @Test
    fun defaultOptionsAreTheStrictPolicy() {
        assertEquals(
            TdxOptions(
                nonce = null,
                reportData = null,
                at = null,
                policy = TdxPolicy(
                acceptedTcbStatuses = null,
                rejectedAdvisories = listOf(),
                allowDebug = false,
                tdAttributes = null,
                mrtd = listOf(),
                rtmr0 = listOf(),
                rtmr1 = listOf(),
                rtmr2 = listOf(),
                rtmr3 = listOf(),
                mrseam = listOf(),
                xfam = listOf(),
                maxCollateralAge = null,
                minTcbEvalDataNumber = null,
                ),
            ),
            TdxOptions(),
        )
        val strict = run()
        assertMatches(v4, strict)
        assertEquals(CheckStatus.WARN, strict.status("tdx.measurements"))
        assertEquals(strict, run(TdxPolicy(acceptedTcbStatuses = listOf("UpToDate"))))
        // Without nonce or report data freshness is not proven.
        val unbound = verifyTdx(quote, collateral, TdxOptions(at = at))
        assertEquals(CheckStatus.SKIP, unbound.status("tdx.report_data"))
        assertFalse(unbound.verified)
    }

    @Test
    fun quoteAsHexTextOrBinary() {
        val binary = File(tdxDir, "dcap-qvl/tdx_quote").readBytes()
        val whole = run()
        val options = TdxOptions(at = at, reportData = reportData)
        assertEquals(whole, verifyTdx(binary, collateral, options))
        assertEquals(whole, verifyTdx("0x${v4.getString("quote")}\n".toByteArray(), collateral, options))
    }

    @Test
    fun withoutOptionsTheSystemClockIsUsed() {
        for (options in listOf<TdxOptions?>(null, TdxOptions())) {
            val before = Instant.now().epochSecond
            val verdict = if (options == null) verifyTdx(quote, collateral) else verifyTdx(quote, collateral, options)
            val after = Instant.now().epochSecond
            // The same verdict as at one of the seconds the call spanned.
            val same = (before..after).map { verifyTdx(quote, collateral, TdxOptions(at = Instant.ofEpochSecond(it))) }
            assertTrue(verdict in same, verdict.json)
            // The sample collateral expired in July 2025.
            assertEquals(CheckStatus.FAIL, verdict.status("tdx.collateral"))
        }
    }

    @Test
    fun theVerificationTimeIsUsed() {
        val inside = run()
        assertTrue("2025-06-20T06:13:20Z" in inside.check("tdx.collateral").detail, inside.check("tdx.collateral").detail)
        for (t in listOf(Instant.parse("2025-06-15T00:00:00Z"), Instant.parse("2025-07-19T10:00:36Z"))) {
            val options = TdxOptions(at = t, reportData = reportData)
            assertEquals(CheckStatus.FAIL, verifyTdx(quote, collateral, options).status("tdx.collateral"), t.toString())
        }
    }

    @Test
    fun everyPolicyFieldReachesTheCore() {
        val facts = run().facts
        fun fact(name: String) = facts["tdx.$name"] ?: fail("no fact tdx.$name")
        val pinned = TdxPolicy(
            mrtd = listOf(fact("mrtd")),
            rtmr0 = listOf("00".repeat(48), fact("rtmr0")),
            rtmr1 = listOf(fact("rtmr1").uppercase()),
            rtmr2 = listOf("0x" + fact("rtmr2")),
            rtmr3 = listOf(fact("rtmr3")),
            mrseam = listOf(fact("mrseam")),
            xfam = listOf(fact("xfam")),
            mrconfigid = listOf(fact("mrconfigid")),
            mrowner = listOf(fact("mrowner")),
            mrownerconfig = listOf(fact("mrownerconfig")),
        )
        val all = run(pinned)
        assertEquals(CheckStatus.PASS, all.status("tdx.measurements"), all.check("tdx.measurements").detail)
        assertFalse("not pinned" in all.check("tdx.measurements").detail)
        val other48 = listOf("11".repeat(48))
        for ((name, options) in listOf(
            "mrtd" to TdxPolicy(mrtd = other48),
            "rtmr0" to TdxPolicy(rtmr0 = other48),
            "rtmr1" to TdxPolicy(rtmr1 = other48),
            "rtmr2" to TdxPolicy(rtmr2 = other48),
            "rtmr3" to TdxPolicy(rtmr3 = other48),
            "mrseam" to TdxPolicy(mrseam = other48),
            "xfam" to TdxPolicy(xfam = listOf("11".repeat(8))),
            "mrconfigid" to TdxPolicy(mrconfigid = other48),
            "mrowner" to TdxPolicy(mrowner = other48),
            "mrownerconfig" to TdxPolicy(mrownerconfig = other48),
        )) {
            val verdict = run(options)
            assertEquals(CheckStatus.FAIL, verdict.status("tdx.measurements"), name)
            assertTrue(name.uppercase() in verdict.check("tdx.measurements").detail, verdict.check("tdx.measurements").detail)
        }
        assertEquals(CheckStatus.PASS, run(TdxPolicy(tdAttributes = fact("td_attributes"))).status("tdx.td_attributes"))
        assertEquals(CheckStatus.FAIL, run(TdxPolicy(tdAttributes = "0000000000000000")).status("tdx.td_attributes"))
        assertEquals(CheckStatus.FAIL, run(TdxPolicy(acceptedTcbStatuses = listOf("OutOfDate"))).status("tdx.tcb_status"))
        assertEquals(CheckStatus.FAIL, run(TdxPolicy(acceptedTcbStatuses = listOf())).status("tdx.tcb_status"))
        // The sample platform is affected by no advisory.
        assertEquals(CheckStatus.PASS, run(TdxPolicy(rejectedAdvisories = listOf("INTEL-SA-00837"))).status("tdx.tcb_status"))
        assertEquals(CheckStatus.PASS, run(TdxPolicy(minTcbEvalDataNumber = 17)).status("tdx.tcb_status"))
        assertEquals(CheckStatus.FAIL, run(TdxPolicy(minTcbEvalDataNumber = 18)).status("tdx.tcb_status"))
        assertEquals(CheckStatus.FAIL, run(TdxPolicy(maxCollateralAge = Duration.ofHours(1))).status("tdx.collateral"))
        // The platform, TDX module and QE pins (the sample: FMSPC b0c06f000000, Intel's module
        // and QE, TEE_TCB_SVN 0601030000…).
        assertEquals(CheckStatus.PASS, run(TdxPolicy(fmspc = listOf("B0C06F000000"))).status("tdx.tcb_status"))
        assertEquals(CheckStatus.FAIL, run(TdxPolicy(fmspc = listOf("00906ed50000"))).status("tdx.tcb_status"))
        assertEquals(CheckStatus.PASS, run(TdxPolicy(minTeeTcbSvn = fact("tee_tcb_svn"))).status("tdx.tcb_status"))
        assertEquals(CheckStatus.FAIL, run(TdxPolicy(minTeeTcbSvn = "07" + "00".repeat(15))).status("tdx.tcb_status"))
        assertEquals(CheckStatus.FAIL, run(TdxPolicy(mrsignerseam = other48)).status("tdx.td_attributes"))
        assertEquals(CheckStatus.PASS, run(TdxPolicy(mrsignerseam = listOf())).status("tdx.td_attributes"))
        assertEquals(CheckStatus.FAIL, run(TdxPolicy(seamAttributes = listOf("01" + "00".repeat(7)))).status("tdx.td_attributes"))
        assertEquals(CheckStatus.FAIL, run(TdxPolicy(qeVendorId = "00".repeat(16))).status("tdx.quote_signature"))
        assertEquals(CheckStatus.PASS, run(TdxPolicy(requireSeptVeDisable = false)).status("tdx.td_attributes"))
        assertEquals(CheckStatus.PASS, run(TdxPolicy(maxCollateralAge = Duration.ofSeconds(Long.MAX_VALUE))).status("tdx.collateral"))
        // The sample is not a debug TD: allowing debug changes nothing.
        assertEquals(run(), run(TdxPolicy(allowDebug = true)))
    }

    @Test
    fun nonceAndReportData() {
        val nonceCase = case("v4_nonce_rule")
        val nonce = nonceCase.getJSONObject("expected_report_data").getString("nonce")
        val options = TdxOptions(at = at, nonce = nonce)
        val byNonce = verifyTdx(quote, collateral, options)
        assertMatches(nonceCase, byNonce)
        assertEquals(byNonce, verifyTdx(quote, collateral, options.copy(nonce = "0x" + nonce.uppercase())))
        assertEquals(CheckStatus.FAIL, run(TdxOptions(reportData = "ab".repeat(64))).status("tdx.report_data"))
        for (bad in listOf("", "0x", "00".repeat(32), "zz", "abc", "ab".repeat(33))) {
            val e = assertThrows<CcverifyException.InvalidNonce>(bad) { verifyTdx(quote, collateral, options.copy(nonce = bad)) }
            assertEquals("invalid_nonce", e.code, bad)
        }
        for (bad in listOf("", "00", "zz".repeat(64), "ab".repeat(65))) {
            val e = assertThrows<CcverifyException.InvalidArgument>(bad) {
                verifyTdx(quote, collateral, TdxOptions(reportData = bad))
            }
            assertEquals("invalid_argument", e.code, bad)
        }
        // An anchor file that is missing (or named like a root set: still a file) is refused.
        for (path in listOf("/nonexistent/roots.pem", "test")) {
            val e = assertThrows<CcverifyException.InvalidArgument>(path) {
                verifyTdx(quote, collateral, TdxOptions(reportData = reportData, trust = Trust.AnchorFile(path)))
            }
            assertTrue("trust anchor file $path" in e.message, e.message)
        }
        val both = assertThrows<CcverifyException.InvalidArgument> {
            verifyTdx(quote, collateral, TdxOptions(nonce = nonce, reportData = reportData))
        }
        assertTrue("not both" in both.message, both.message)
    }

    @Test
    fun badPolicyValuesThrowInvalidArgument() {
        val hex48 = "00".repeat(48)
        for (options in listOf(
            TdxPolicy(mrtd = listOf("zz".repeat(48))),
            TdxPolicy(mrtd = listOf("00")),
            TdxPolicy(mrtd = listOf(hex48, "00".repeat(49))),
            TdxPolicy(rtmr0 = listOf("")),
            TdxPolicy(rtmr1 = listOf("0x")),
            TdxPolicy(rtmr2 = listOf(hex48 + "0")),
            TdxPolicy(rtmr3 = listOf("00".repeat(8))),
            TdxPolicy(mrseam = listOf("g".repeat(96))),
            TdxPolicy(xfam = listOf(hex48)),
            TdxPolicy(tdAttributes = ""),
            TdxPolicy(tdAttributes = "zz00000000000000"),
            TdxPolicy(acceptedTcbStatuses = listOf("Fine")),
            TdxPolicy(acceptedTcbStatuses = listOf("uptodate")),
            TdxPolicy(acceptedTcbStatuses = listOf("UpToDate", "Revoked")),
        )) {
            val e = assertThrows<CcverifyException.InvalidArgument>(options.toString()) { run(options) }
            assertEquals("invalid_argument", e.code)
        }
    }

    @Test
    fun badEvidenceIsAFailedCheckNotAnException() {
        val options = TdxOptions(at = at, reportData = reportData)
        for (q in listOf("", "zz", "0400", "Error: TDX Interface not found")) {
            val verdict = verifyTdx(q.toByteArray(), collateral, options)
            assertFalse(verdict.verified, q)
            assertEquals(CheckStatus.FAIL, verdict.status("tdx.quote_parse"), q)
        }
        for (c in listOf("", "not json", "{}", "[]")) {
            val verdict = verifyTdx(quote, c.toByteArray(), options)
            assertFalse(verdict.verified, c)
            assertEquals(CheckStatus.FAIL, verdict.status("tdx.collateral"), c)
            assertEquals(CheckStatus.SKIP, verdict.status("tdx.quote_signature"), c)
        }
        val verdict = run()
        assertNull(verdict.signer)
        assertEquals(
            listOf("tdx.quote_parse", "tdx.collateral", "tdx.quote_signature", "tdx.tcb_status",
                "tdx.td_attributes", "tdx.measurements", "tdx.report_data"),
            verdict.checks.map { it.id },
        )
        assertTrue(verdict.checks.all { it.subject == null })
        assertEquals("UpToDate", verdict.facts["tdx.tcb_status"])
        assertEquals(reportData, verdict.facts["tdx.report_data"])
        assertEquals(7, JSONObject(verdict.json).getJSONArray("checks").length())
    }
}
