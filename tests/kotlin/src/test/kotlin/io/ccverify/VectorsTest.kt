package io.ccverify

import org.json.JSONObject
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.DynamicTest
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestFactory
import org.junit.jupiter.api.assertThrows
import java.io.File
import java.util.Base64

/** Runs the shared vectors in tests/vectors/ through the generated Kotlin bindings. */
class VectorsTest {
    private val root = File(System.getProperty("ccverify.root") ?: "..")
    private val attested = "0x2c7536E3605D9C16a7a3D7b1898e529396a65c23"

    private fun b64(s: String): ByteArray = Base64.getDecoder().decode(s)

    private fun optString(o: JSONObject, key: String): String? = if (o.isNull(key)) null else o.getString(key)

    private fun statusWord(s: CheckStatus) = s.name.lowercase()

    @TestFactory
    fun exchangeVectors(): List<DynamicTest> {
        val files = File(root, "tests/vectors/exchange").listFiles { f -> f.name.endsWith(".json") }!!.sorted()
        assertTrue(files.size >= 40, "found ${files.size} vectors")
        return files.map { file ->
            DynamicTest.dynamicTest(file.nameWithoutExtension) {
                val case = JSONObject(file.readText())
                val expected = optString(case, "expected_address")
                val request = b64(case.getString("request_b64"))
                val verdict = if (case.getString("kind") == "response") {
                    val h = case.getJSONObject("headers")
                    val headers = h.keySet().associateWith { h.getString(it) }
                    verifyResponse(request, b64(case.getString("response_b64")), headers, expected)
                } else {
                    val stream = b64(case.getString("stream_b64"))
                    val whole = verifyStream(request, stream, expected)
                    StreamVerifier(request, expected).use { sv ->
                        val delivered = java.io.ByteArrayOutputStream()
                        stream.toList().chunked(7).forEach { delivered.write(sv.update(it.toByteArray())) }
                        assertEquals(whole, sv.finish(), "chunked verdict differs")
                        delivered.write(sv.tail())
                        // What is handed on is the vector's canonical events, never the relayed bytes.
                        val want = b64(case.getJSONObject("expect").getString("delivered_b64"))
                        assertEquals(want.decodeToString(), delivered.toByteArray().decodeToString(), "delivered bytes")
                    }
                    whole
                }
                val expect = case.getJSONObject("expect")
                assertEquals(expect.getBoolean("verified"), verdict.verified, "verified")
                assertEquals(optString(expect, "signer"), verdict.signer, "signer")
                val checks = expect.getJSONObject("checks")
                assertEquals(checks.length(), verdict.checks.size, "check count")
                for (c in verdict.checks) {
                    assertEquals(checks.getString(c.id), statusWord(c.status), "${c.id}: ${c.detail}")
                }
                for (fact in listOf("request_hash", "response_hash")) {
                    assertEquals(optString(expect, fact), verdict.facts[fact], fact)
                }
            }
        }
    }

    @Test
    fun nonceVectors() {
        val cases = JSONObject(File(root, "tests/vectors/nonce.json").readText()).getJSONArray("cases")
        for (i in 0 until cases.length()) {
            val c = cases.getJSONObject(i)
            val want = optString(c, "normalized")
            if (want != null && want.any { it != '0' }) {
                assertEquals(want, normalizeNonce(c.getString("input")))
            } else {
                val e = assertThrows<CcverifyException> { normalizeNonce(c.getString("input")) }
                assertEquals("invalid_nonce", e.code)
            }
        }
    }

    @Test
    fun ethAddressVectors() {
        val cases = JSONObject(File(root, "tests/vectors/eth.json").readText()).getJSONArray("addresses")
        assertTrue(cases.length() > 10)
        for (i in 0 until cases.length()) {
            val c = cases.getJSONObject(i)
            val input = c.getString("input")
            if (c.getBoolean("valid")) {
                verifyStream(ByteArray(0), ByteArray(0), input)
            } else {
                val e = assertThrows<CcverifyException>(input) { verifyStream(ByteArray(0), ByteArray(0), input) }
                assertEquals("invalid_address", e.code, input)
            }
        }
    }

    @Test
    fun errorsAndHelpers() {
        val e = assertThrows<CcverifyException.InvalidAddress> {
            verifyStream(ByteArray(0), ByteArray(0), "0x2c7536E3605D9C16a7a3D7b1898e529396a65C23")
        }
        assertEquals("invalid_address", e.code)
        val sv = StreamVerifier("{}".toByteArray(), null)
        sv.finish()
        assertEquals("invalid_state", assertThrows<CcverifyException> { sv.update(ByteArray(1)) }.code)
        sv.close()
        assertEquals(64, generateNonce().length)
        // The agent's own stream rule, not a reply header.
        assertTrue(requestStreams("""{"messages":[],"stream":1}""".toByteArray()))
        assertFalse(requestStreams("""{"messages":[]}""".toByteArray()))
        assertFalse(requestStreams("not json".toByteArray()))
        val dir = File(root, "examples/exchanges/01-n1_plain")
        val headers = JSONObject(File(dir, "headers.json").readText())
        assertEquals(attested, recoverAddress(headers.getString("text").toByteArray(), headers.getString("signature")))
    }
}
