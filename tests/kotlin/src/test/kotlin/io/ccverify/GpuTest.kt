package io.ccverify

import org.json.JSONObject
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNotNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.DynamicTest
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestFactory
import org.junit.jupiter.api.assertThrows
import org.junit.jupiter.api.fail
import java.io.File
import java.time.Instant

/**
 * GPU evidence: the shared cases in tests/vectors/gpu/cases.json, run exactly as
 * core/tests/gpu_vectors.rs runs them, then verifyGpu's Kotlin surface (options record,
 * errors).
 */
class GpuTest {
    private val root = File(System.getProperty("ccverify.root") ?: "..")
    private val gpuDir = File(root, "tests/vectors/gpu")
    private val cases: List<JSONObject> by lazy {
        val array = JSONObject(File(gpuDir, "cases.json").readText()).getJSONArray("cases")
        (0 until array.length()).map { array.getJSONObject(it) }
    }

    private fun case(name: String): JSONObject =
        cases.firstOrNull { it.getString("name") == name } ?: fail("no GPU case $name")

    private fun optString(o: JSONObject, key: String): String? = if (o.isNull(key)) null else o.getString(key)

    /** The case's `policy` object plus `at` and `rim_dir` (relative to tests/vectors/gpu/). */
    private fun caseOptions(case: JSONObject): GpuOptions {
        var policy = GpuPolicy()
        val document = case.getJSONObject("policy")
        for (key in document.keySet()) {
            policy = when (key) {
                "expected_count" -> policy.copy(expectedCount = document.getInt(key))
                "expected_arch" -> policy.copy(expectedArch = document.getString(key))
                "require_revocation" -> policy.copy(requireRevocation = document.getBoolean(key))
                "require_rims" -> policy.copy(requireRims = document.getBoolean(key))
                "allow_expired_rims" -> policy.copy(allowExpiredRims = document.getBoolean(key))
                "allow_hold_for_rims" -> policy.copy(allowHoldForRims = document.getBoolean(key))
                else -> fail("unknown policy key $key")
            }
        }
        return GpuOptions(
            at = Instant.parse(case.getString("at")),
            rimDir = optString(case, "rim_dir")?.let { File(gpuDir, it).path },
            policy = policy,
        )
    }

    /** The check with this id and subject (null: a check about the whole `gpu` object). */
    private fun Verdict.check(id: String, subject: String?): Check =
        checks.firstOrNull { it.id == id && it.subject == subject } ?: fail("no check $id for $subject")

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
    }

    @TestFactory
    fun sharedGpuCases(): List<DynamicTest> {
        assertTrue(cases.size >= 30, "expected the full GPU case set, found ${cases.size}")
        assertEquals(cases.size, cases.map { it.getString("name") }.toSet().size, "case names are unique")
        return cases.map { case ->
            DynamicTest.dynamicTest(case.getString("name")) {
                val verdict = verifyGpu(case.getString("gpu").toByteArray(), case.getString("nonce"), caseOptions(case))
                assertMatches(case, verdict)
            }
        }
    }

    // The NVIDIA sample, verified at 2024-06-01 without RIMs or OCSP.
    private val sample by lazy { case("sample_no_rims") }
    private val sampleGpu by lazy { sample.getString("gpu").toByteArray() }
    private val sampleNonce by lazy { sample.getString("nonce") }
    private val at2024 = Instant.ofEpochSecond(1_717_200_000L)

    @Test
    fun defaultOptionsAreTheStrictPolicy() {
        assertEquals(
            GpuOptions(
                rimDir = null,
                ocspDir = null,
                at = null,
                policy = GpuPolicy(
                    expectedCount = null,
                    expectedArch = "HOPPER",
                    requireRevocation = true,
                    requireRims = true,
                    allowExpiredRims = false,
                    allowHoldForRims = false,
                ),
            ),
            GpuOptions(),
        )
        val strict = verifyGpu(sampleGpu, sampleNonce, GpuOptions(at = at2024))
        assertFalse(strict.verified)
        assertEquals(CheckStatus.WARN, strict.check("gpu.count", null).status)
        assertEquals(CheckStatus.SKIP, strict.check("gpu.ocsp", "gpu0").status)
        assertEquals(CheckStatus.SKIP, strict.check("gpu.driver_rim", "gpu0").status)
    }

    @Test
    fun withoutOptionsTheSystemClockIsUsed() {
        val year = Instant.now().toString().take(4)
        for (verdict in listOf(verifyGpu(sampleGpu, sampleNonce), verifyGpu(sampleGpu, sampleNonce, GpuOptions()))) {
            // The device chain runs to 9999, so the sample verifies at any date after 2020.
            assertMatches(case("sample_at_real_clock"), verdict)
            val detail = verdict.check("gpu.cert_chain", "gpu0").detail
            assertTrue("$year-" in detail, detail)
        }
    }

    @Test
    fun theVerificationTimeIsUsed() {
        val at = verifyGpu(sampleGpu, sampleNonce, GpuOptions(at = at2024))
        val chain2024 = at.check("gpu.cert_chain", "gpu0")
        assertEquals(CheckStatus.PASS, chain2024.status)
        assertTrue("2024-06-01T00:00:00Z" in chain2024.detail, chain2024.detail)
        // In 2000 the device certificates were not yet valid.
        val y2000 = verifyGpu(sampleGpu, sampleNonce, GpuOptions(at = Instant.parse("2000-01-01T00:00:00Z")))
        assertEquals(CheckStatus.FAIL, y2000.check("gpu.cert_chain", "gpu0").status)
    }

    @Test
    fun everyPolicyFieldReachesTheCore() {
        fun run(options: GpuOptions) = verifyGpu(sampleGpu, sampleNonce, options.copy(at = at2024))
        fun run(policy: GpuPolicy) = run(GpuOptions(policy = policy))
        assertEquals(CheckStatus.PASS, run(GpuPolicy(expectedCount = 1)).check("gpu.count", null).status)
        assertEquals(CheckStatus.FAIL, run(GpuPolicy(expectedCount = 2)).check("gpu.count", null).status)
        assertEquals(CheckStatus.FAIL, run(GpuPolicy(expectedArch = "BLACKWELL")).check("gpu.arch", null).status)
        assertEquals(CheckStatus.WARN, run(GpuPolicy(requireRevocation = false)).check("gpu.ocsp", "gpu0").status)
        assertEquals(CheckStatus.WARN, run(GpuPolicy(requireRims = false)).check("gpu.driver_rim", "gpu0").status)
        assertTrue(run(GpuPolicy(expectedCount = 1, requireRevocation = false, requireRims = false)).verified)
        // Signed on Kotlin's surface: a negative count is refused, not wrapped around.
        assertThrows<CcverifyException.InvalidArgument> { run(GpuPolicy(expectedCount = -1)) }
        // Accepted (the NVIDIA sample has no RIM chain they would change).
        assertEquals(run(GpuOptions()), run(GpuPolicy(allowExpiredRims = true, allowHoldForRims = true)))
        val rims = File(gpuDir, "rimdirs/mismatched").path
        assertEquals(CheckStatus.FAIL, run(GpuOptions(rimDir = rims)).check("gpu.driver_rim", "gpu0").status)
        val ocsp = File(gpuDir, "ocsp/cache").path
        assertEquals(CheckStatus.SKIP, run(GpuOptions(ocspDir = ocsp)).check("gpu.ocsp", "gpu0").status)
    }

    @Test
    fun badEvidenceIsAFailedCheckNotAnException() {
        for (gpu in listOf("", "not json", "{}", "[]", "{\"error\":\"NVIDIA SDK not installed\"}")) {
            val verdict = verifyGpu(gpu.toByteArray(), sampleNonce, GpuOptions(at = at2024))
            assertFalse(verdict.verified, gpu)
            assertEquals(CheckStatus.FAIL, verdict.check("gpu.evidence_format", null).status, gpu)
        }
        val two = verifyGpu(case("one_bad_gpu_of_two").getString("gpu").toByteArray(), sampleNonce, GpuOptions(at = at2024))
        assertEquals(setOf(null, "gpu0", "gpu1"), two.checks.map { it.subject }.toSet())
        assertNotNull(JSONObject(two.json).getJSONArray("checks"))
    }

    @Test
    fun badNoncesThrowInvalidNonce() {
        val upper = verifyGpu(sampleGpu, "0x" + sampleNonce.uppercase(), GpuOptions(at = at2024))
        assertEquals(verifyGpu(sampleGpu, sampleNonce, GpuOptions(at = at2024)), upper)
        for (bad in listOf("", "0x", "00".repeat(32), "zz", "abc", "ab".repeat(33))) {
            val e = assertThrows<CcverifyException.InvalidNonce>(bad) { verifyGpu(sampleGpu, bad) }
            assertEquals("invalid_nonce", e.code, bad)
        }
    }

    @Test
    fun missingDirectoriesThrowInvalidArgument() {
        val missing = File(gpuDir, "no-such-directory").path
        for (options in listOf(GpuOptions(rimDir = missing), GpuOptions(ocspDir = missing))) {
            val e = assertThrows<CcverifyException.InvalidArgument> { verifyGpu(sampleGpu, sampleNonce, options) }
            assertEquals("invalid_argument", e.code)
        }
    }
}
