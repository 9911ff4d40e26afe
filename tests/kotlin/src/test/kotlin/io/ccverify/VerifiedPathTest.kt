package io.ccverify

import kotlinx.coroutines.runBlocking
import org.json.JSONObject
import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestInstance
import org.junit.jupiter.api.Timeout
import java.io.ByteArrayOutputStream
import java.time.Duration
import java.util.Collections

/**
 * The verified path end to end: a session against `ccverify sandbox --evidence test` with
 * `Trust.Test` verifies (attestation, pinned key, plain and streamed replies, the bundle
 * re-verified offline), and each fault on that path flips the verdict with its check id. The
 * test PKI's keys are public: every verdict says "TEST ROOTS", and the same evidence never
 * verifies under the production roots.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(120)
class VerifiedPathTest {
    private fun start(vararg args: String) = ClientTest.Sandbox("--evidence", "test", *args)

    private val bound = start("--gpus", "2", "--bind-key")
    private val unbound = start()

    @AfterAll
    fun stop() {
        bound.close()
        unbound.close()
    }

    private fun strict(sb: ClientTest.Sandbox) = loadPolicy("strict").let {
        it.copy(
            imageDigests = listOf(sb.info.getString("image_digest")),
            tdx = it.tdx.copy(mrtd = listOf(sb.info.getString("mrtd"))),
            trust = Trust.Test,
        )
    }

    private fun testRoots() = loadPolicy("default").copy(trust = Trust.Test)

    private fun config(sb: ClientTest.Sandbox, policy: Policy, fault: String = ""): ClientConfig {
        val prefix = if (fault.isEmpty()) "" else "/fault/$fault"
        return ClientConfig(
            baseUrl = sb.baseUrl + prefix,
            apiKey = "",
            policy = policy,
            retries = 0,
            backoff = Duration.ofMillis(1),
            rimUrl = sb.info.getString("rim_url") + prefix,
            ocspUrl = sb.info.getString("ocsp_url"),
            pccsUrl = sb.info.getString("pccs_url") + prefix,
            recordExchanges = true,
            allowUnverified = true,
            strict = false,
        )
    }

    private fun body(sb: ClientTest.Sandbox, content: String, stream: Boolean = false): ByteArray =
        JSONObject()
            .put("model", sb.model)
            .put("messages", listOf(mapOf("role" to "user", "content" to content)))
            .apply { if (stream) put("stream", true) }
            .toString().toByteArray()

    private fun Verdict.blocking(): Set<String> =
        checks.filter { it.status == CheckStatus.FAIL || it.status == CheckStatus.SKIP }.map { it.id }.toSet()

    private fun Verdict.status(id: String): CheckStatus? = checks.firstOrNull { it.id == id && it.subject == null }?.status

    private class Chunks : ChunkListener {
        val chunks: MutableList<ByteArray> = Collections.synchronizedList(mutableListOf())
        override fun onChunk(chunk: ByteArray) {
            chunks += chunk
        }
        fun joined(): String = ByteArrayOutputStream().apply { synchronized(chunks) { chunks.forEach { write(it) } } }.toString(Charsets.UTF_8)
    }

    @Test
    fun aWholeSessionVerifiesEndToEnd() = runBlocking<Unit> {
        val session = attest(bound.modelId, config(bound, strict(bound)))
        val verdict = session.verdict
        assertTrue(verdict.verified, verdict.blocking().toString())
        assertTrue(session.attested)
        assertEquals(bound.info.getString("signing_address"), session.signingAddress)
        assertEquals(CheckStatus.WARN, verdict.status("trust.anchors"))
        assertEquals(CheckStatus.PASS, verdict.status("report.key_binding"))
        assertTrue(verdict.facts["summary"]!!.startsWith("TEST ROOTS — proves nothing about real hardware."))

        val reply = session.chat(body(bound, "hello"))
        assertTrue(reply.verified, reply.verdict.blocking().toString())
        val chunks = Chunks()
        val streamed = session.chatStream(body(bound, "one two three", stream = true), false, chunks)
        assertTrue(streamed.verified, streamed.verdict.blocking().toString())
        assertTrue(chunks.joined().endsWith("data: [DONE]\n\n"))

        val bundle = session.bundle().toByteArray()
        val again = verifyBundle(bundle, BundleOptions(policy = strict(bound)))
        assertTrue(again.verified, again.blocking().toString())
        assertFalse(verifyBundle(bundle, BundleOptions()).verified)
        val recorded = verifyBundle(bundle, BundleOptions(policyRecorded = true))
        assertFalse(recorded.verified)
        assertEquals(null, recorded.status("trust.anchors"))
    }

    @Test
    fun testEvidenceNeverVerifiesUnderTheProductionRoots() = runBlocking<Unit> {
        val verdict = attest(unbound.modelId, config(unbound, loadPolicy("default"))).verdict
        assertFalse(verdict.verified)
        assertTrue(verdict.blocking().containsAll(listOf("gpu.cert_chain", "gpu.driver_rim", "tdx.collateral")), verdict.blocking().toString())
    }

    @Test
    fun eachFaultFlipsTheVerdictWithItsCheck() = runBlocking<Unit> {
        val cases = listOf(
            Triple(unbound, "gpu-wrong-nonce", "gpu.nonce"),
            Triple(unbound, "tampered-rim", "gpu.driver_rim"),
            Triple(unbound, "debug-td", "tdx.td_attributes"),
            Triple(unbound, "stale-collateral", "tdx.collateral"),
            Triple(bound, "relay-key", "report.key_binding"),
        )
        for ((sb, fault, check) in cases) {
            val verdict = attest(sb.modelId, config(sb, testRoots(), fault)).verdict
            assertFalse(verdict.verified, fault)
            assertTrue(check in verdict.blocking(), "$fault: ${verdict.blocking()}")
        }
        for (sb in listOf(bound, unbound)) {
            val verdict = attest(sb.modelId, config(sb, strict(sb), "relay-key")).verdict
            assertTrue("report.key_binding" in verdict.blocking(), verdict.blocking().toString())
        }
        // io.net's unbound layout: a relay is only warned about.
        val relayed = attest(unbound.modelId, config(unbound, testRoots(), "relay-key"))
        assertTrue(relayed.verdict.verified)
        assertEquals(CheckStatus.WARN, relayed.verdict.status("report.key_binding"))
        assertTrue(relayed.chat(body(unbound, "hi")).verified)
    }
}
