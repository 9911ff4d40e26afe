package io.ccverify

import org.json.JSONObject
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import java.io.File
import java.time.Instant

/**
 * auditJsonl on the shared audit vectors (tests/vectors/audit): every exchange gets the verdict
 * the generator expects, under the policy that lets the bundle verify and under the default one
 * that does not; the bad lines are reported by number.
 */
class AuditTest {
    private val root = File(System.getProperty("ccverify.root") ?: "..")
    private val dir = File(root, "tests/vectors/audit")
    private val expected = JSONObject(File(dir, "expected.json").readText())
    private val log = File(dir, "exchanges.jsonl").readBytes()

    private fun check(mode: String, policy: Policy?) {
        val at = Instant.parse(expected.getString("at"))
        val report = auditJsonl(
            log,
            AuditOptions(bundles = BundleOptions(at = at, policy = policy), bundleDir = dir.absolutePath),
        )
        val cases = expected.getJSONObject("exchanges")
        assertEquals(cases.length(), report.results.size)
        for (row in report.results) {
            val want = cases.getJSONObject(row.id!!).getJSONObject(mode)
            val failed = want.getJSONArray("failed").map { it as String }
            assertEquals(want.getBoolean("verified"), row.verified, "${row.id}")
            assertEquals(failed, row.failed.sorted(), "${row.id}")
        }
        val bad = expected.getJSONArray("bad_lines").map { (it as Number).toLong() }
        assertEquals(bad, report.summary.badLines.map { it.line.toLong() })
        assertEquals(report.results.count { it.verified }.toULong(), report.summary.verified)
    }

    @Test
    fun testPolicyVectors() =
        check("test_policy", loadPolicy(File(dir, expected.getString("policy")).readText()))

    @Test
    fun defaultPolicyVectors() = check("default_policy", null)

    @Test
    fun bothAtAndAtRecordedIsRefused() {
        assertThrows<CcverifyException.InvalidArgument> {
            auditJsonl(log, AuditOptions(bundles = BundleOptions(at = Instant.EPOCH, atRecorded = true)))
        }
        val none = auditJsonl(ByteArray(0), AuditOptions(bundles = BundleOptions()))
        assertEquals(0UL, none.summary.exchanges)
        assertFalse(none.results.isNotEmpty())
    }
}
