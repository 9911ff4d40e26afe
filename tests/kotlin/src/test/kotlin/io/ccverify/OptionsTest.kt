package io.ccverify

import org.json.JSONObject
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertNotNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.DynamicTest
import org.junit.jupiter.api.TestFactory
import org.junit.jupiter.api.assertThrows
import org.junit.jupiter.api.fail
import java.io.File

/**
 * Options conformance: every case of tests/vectors/options/cases.json through the JSON-options
 * entry points (`verifyGpuJson`, `verifyTdxJson`, `verifyReportJson`, `verifyBundleJson`,
 * `loadPolicy`), so that typos and out-of-range values run for real: the shared error code, or
 * a verdict when the options are accepted.
 */
class OptionsTest {
    private val root = File(System.getProperty("ccverify.root") ?: "..")
    private val vectors = File(root, "tests/vectors")
    private val doc = JSONObject(File(vectors, "options/cases.json").readText())
    private val bundle = File(vectors, "report/bundle-real.json").readBytes()

    private fun run(case: JSONObject): Any {
        val json = case.getJSONObject("options").toString()
        return when (val schema = case.getString("schema")) {
            "gpu" -> verifyGpuJson("{}".toByteArray(), doc.getString("gpu_nonce"), json)
            "tdx" -> verifyTdxJson("00".toByteArray(), "{}".toByteArray(), json)
            "report" -> verifyReportJson("{}".toByteArray(), json)
            "bundle" -> verifyBundleJson(bundle, json)
            "policy" -> loadPolicy(json)
            else -> fail("unknown schema $schema")
        }
    }

    @TestFactory
    fun sharedOptionsCases(): List<DynamicTest> {
        val cases = doc.getJSONArray("cases")
        assertTrue(cases.length() >= 50, "expected the full options case set")
        return (0 until cases.length()).map { cases.getJSONObject(it) }.map { case ->
            val name = case.getString("name")
            DynamicTest.dynamicTest(name) {
                if (case.isNull("error")) {
                    assertNotNull(run(case), name)
                } else {
                    val e = assertThrows<CcverifyException>(name) { run(case) }
                    assertEquals(case.getString("error"), e.code, "$name: ${e.message}")
                }
            }
        }
    }
}
