package io.ccverify

import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.async
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.cancelAndJoin
import kotlinx.coroutines.launch
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.runBlocking
import org.json.JSONObject
import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNotNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestInstance
import org.junit.jupiter.api.Timeout
import org.junit.jupiter.api.assertThrows
import org.junit.jupiter.api.fail
import java.io.ByteArrayOutputStream
import java.io.File
import java.time.Duration
import java.net.URI
import java.util.Collections

/**
 * The io.net client (attest, Session.chat / chatStream, listModels) against a REAL gateway
 * process: `ccverify sandbox --port 0 --json` (the CLI; CCVERIFY_BIN overrides its path). The
 * sandbox serves real evidence whose nonces are fixed, so no attestation verifies; the policy
 * is `offline`, so nothing leaves the machine.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(120)
class ClientTest {
    /** A running `ccverify sandbox` and the first line it printed. */
    class Sandbox(vararg args: String) : AutoCloseable {
        private val log = File.createTempFile("ccverify-sandbox", ".log")
        private val process: Process
        val baseUrl: String
        val signingAddress: String
        val model: String
        val modelId: String
        /** The whole JSON line (`rim_url`, `ocsp_url`, `pccs_url`, `mrtd`, … too). */
        val info: JSONObject

        init {
            val bin = System.getenv("CCVERIFY_BIN")?.takeIf { it.isNotEmpty() }
                ?: System.getProperty("ccverify.bin")
                ?: File(System.getProperty("ccverify.root") ?: "..", "target/debug/ccverify").path
            process = ProcessBuilder(listOf(bin, "sandbox", "--port", "0", "--json") + args)
                .redirectError(log)
                .start()
            val line = process.inputStream.bufferedReader().readLine()
            if (line == null) {
                process.waitFor()
                fail("$bin sandbox exited (${process.exitValue()}) before printing: ${log.readText()}")
            }
            info = JSONObject(line)
            baseUrl = info.getString("base_url")
            signingAddress = info.getString("signing_address")
            model = info.getString("model")
            modelId = info.getString("model_id")
        }

        override fun close() {
            process.destroy()
            process.waitFor()
            log.delete()
        }
    }

    private val sandboxes = mutableListOf<Sandbox>()

    private fun start(vararg args: String): Sandbox = Sandbox(*args).also { sandboxes += it }

    @AfterAll
    fun stopSandboxes() = sandboxes.forEach { it.close() }

    private val sandbox by lazy { start() }

    private fun config(sb: Sandbox = sandbox) = ClientConfig(
        baseUrl = sb.baseUrl,
        apiKey = "",  // never $IO_API_KEY
        policy = loadPolicy("offline"),
        retries = 0,
        backoff = Duration.ofMillis(1),
    )

    private fun body(content: String = "hello", stream: Boolean = false): ByteArray =
        JSONObject()
            .put("model", sandbox.model)
            .put("messages", listOf(mapOf("role" to "user", "content" to content)))
            .apply { if (stream) put("stream", true) }
            .toString().toByteArray()

    /** A session on the sandbox that chats although its attestation did not verify. */
    private val unverified: Session by lazy {
        runBlocking { attest(sandbox.modelId, config().copy(allowUnverified = true)) }
    }

    private fun Verdict.check(id: String, subject: String? = null): Check =
        checks.firstOrNull { it.id == id && it.subject == subject } ?: fail("no check $id for $subject: $json")

    private fun Verdict.status(id: String, subject: String? = null): CheckStatus = check(id, subject).status

    /** Collects the chunks a stream hands out, from whichever thread calls it. */
    private class Chunks : ChunkListener {
        val chunks: MutableList<ByteArray> = Collections.synchronizedList(mutableListOf())
        override fun onChunk(chunk: ByteArray) {
            chunks += chunk
        }
        fun joined(): ByteArray = ByteArrayOutputStream().apply { synchronized(chunks) { chunks.forEach { write(it) } } }.toByteArray()
    }

    @Test
    fun attestationOfTheSandboxDoesNotVerifyAndSaysWhy() = runBlocking<Unit> {
        val session = attest(sandbox.modelId, config())
        val verdict = session.verdict
        assertFalse(verdict.verified, verdict.json)
        assertFalse(session.attested)
        // The JSON echoes the fresh nonce, but the canned GPU and TDX evidence cannot hold it.
        assertEquals(CheckStatus.PASS, verdict.status("report.nonce"))
        assertEquals(CheckStatus.FAIL, verdict.status("gpu.nonce", "gpu0"))
        assertEquals(CheckStatus.FAIL, verdict.status("tdx.report_data"))
        // Offline, without collateral: skipped, never passed.
        assertEquals(CheckStatus.SKIP, verdict.status("tdx.collateral"))
        assertEquals(sandbox.signingAddress, session.signingAddress)
        assertEquals(sandbox.signingAddress, verdict.signer)
        val summary = verdict.facts["summary"] ?: fail("no summary: ${verdict.json}")
        assertTrue(summary.startsWith("NOT VERIFIED"), summary)
        assertTrue("gpu.nonce" in summary, summary)
        assertEquals(sandbox.modelId, session.modelId)
        assertTrue(Regex("[0-9a-f]{64}").matches(session.nonce), session.nonce)
        // Every attestation has a fresh nonce.
        assertTrue(session.nonce != attest(sandbox.modelId, config()).nonce)
    }

    @Test
    fun anUnverifiedSessionRefusesToChat() = runBlocking<Unit> {
        val session = attest(sandbox.modelId, config())
        val e = assertThrows<CcverifyException.AttestationFailed> { runBlocking { session.chat(body()) } }
        assertEquals("attestation_failed", e.code)
        assertTrue("NOT VERIFIED" in e.message, e.message)
        val chunks = Chunks()
        assertThrows<CcverifyException.AttestationFailed> {
            runBlocking { session.chatStream(body(stream = true), false, chunks) }
        }
        assertTrue(chunks.chunks.isEmpty())
    }

    @Test
    fun allowedUnverifiedUseMarksRepliesUnverified() = runBlocking<Unit> {
        val request = body("café hello")
        val response = unverified.chat(request)
        assertEquals(200, response.status)
        assertFalse(response.verified)
        assertFalse(response.attested)
        assertFalse(response.stream)
        for (id in listOf("response.signature", "response.signer", "response.request_hash", "response.response_hash")) {
            assertEquals(CheckStatus.PASS, response.verdict.status(id), id)
        }
        assertEquals(CheckStatus.FAIL, response.verdict.status("session.attestation"))
        assertEquals(sandbox.signingAddress, response.verdict.signer)
        val text = response.body.decodeToString()
        assertTrue("Echo: " in text, text)
        // The headers are what verifyResponse needs to re-verify the exchange by itself.
        assertNotNull(response.headers["signature"], response.headers.toString())
        val again = verifyResponse(request, response.body, response.headers, unverified.signingAddress)
        assertTrue(again.verified, again.json)
    }

    @Test
    fun streamsHandOutChunksAsTheyArriveAndVerifyAtTheEnd() = runBlocking<Unit> {
        val chunks = Chunks()
        val response = unverified.chatStream(body("one two three four", stream = true), false, chunks)
        assertTrue(chunks.chunks.size > 1, "chunks as they arrive: ${chunks.chunks.size}")
        assertTrue(chunks.joined().contentEquals(response.body))
        assertTrue(response.stream)
        assertEquals(CheckStatus.PASS, response.verdict.status("stream.signature_block"))
        assertEquals(CheckStatus.PASS, response.verdict.status("stream.coverage"))
        assertEquals(CheckStatus.PASS, response.verdict.status("response.response_hash"))
        assertFalse(response.verified, "the session is not attested")
        // Handed out: the verified events re-serialised, no signature block, no [DONE].
        val text = response.body.decodeToString()
        assertTrue(text.startsWith("data: {") && "event: signature" !in text && "[DONE]" !in text, text)
        // Held output is released only once the stream verified: never, on this session.
        val held = Chunks()
        val heldResponse = unverified.chatStream(body("one two", stream = true), true, held)
        assertTrue(held.chunks.isEmpty(), "${held.chunks.size} chunks released")
        assertTrue(heldResponse.body.isNotEmpty())
    }

    @Test
    fun aListenerThatThrowsAbortsTheStream() = runBlocking<Unit> {
        val throwing = object : ChunkListener {
            override fun onChunk(chunk: ByteArray) = throw IllegalStateException("listener gave up")
        }
        val e = assertThrows<CcverifyException.Internal> {
            runBlocking { unverified.chatStream(body(stream = true), false, throwing) }
        }
        assertTrue("IllegalStateException: listener gave up" in e.message, e.message)
        // A ccverify exception comes back as itself.
        val stopping = object : ChunkListener {
            override fun onChunk(chunk: ByteArray) = throw CcverifyException.InvalidState("enough")
        }
        val stopped = assertThrows<CcverifyException.InvalidState> {
            runBlocking { unverified.chatStream(body(stream = true), false, stopping) }
        }
        assertEquals("enough", stopped.reason)
        // The session is still usable.
        assertEquals(200, unverified.chat(body()).status)
    }

    @Test
    fun tamperingIsDetected() = runBlocking<Unit> {
        val session = attest(
            sandbox.modelId,
            config().copy(allowUnverified = true, headers = mapOf("x-sandbox-fault" to "tamper-response")),
        )
        val response = session.chat(body())
        assertEquals(CheckStatus.FAIL, response.verdict.status("response.response_hash"))
        assertEquals(CheckStatus.PASS, response.verdict.status("response.signer"))
        assertFalse(response.verified)
    }

    @Test
    fun recordedExchangesReverifyOfflineFromTheBundle() = runBlocking<Unit> {
        val session = attest(sandbox.modelId, config().copy(allowUnverified = true, recordExchanges = true))
        session.chat(body("first"))
        session.chatStream(body("second", stream = true), false, Chunks())
        val bundle = session.bundle()
        assertEquals("ccverify-bundle/1", JSONObject(bundle).getString("format"))
        val verdict = verifyBundle(bundle.toByteArray())
        assertFalse(verdict.verified, "the attestation inside does not verify")
        assertEquals(CheckStatus.PASS, verdict.status("response.signer", "exchange0"))
        assertEquals(CheckStatus.PASS, verdict.status("response.signer", "exchange1"))
        assertEquals(CheckStatus.FAIL, verdict.status("gpu.nonce", "gpu0"))
        assertEquals(sandbox.signingAddress, verdict.signer)
        // Without recordExchanges the bundle holds the attestation only.
        val plain = attest(sandbox.modelId, config().copy(allowUnverified = true))
        plain.chat(body())
        assertTrue(verifyBundle(plain.bundle().toByteArray()).checks.none { it.subject == "exchange0" })
    }

    @Test
    fun aWrongApiKeyIsANetworkErrorSaying401() = runBlocking<Unit> {
        val guarded = start("--api-key", "k1")
        val e = assertThrows<CcverifyException.Network> {
            runBlocking { attest(guarded.modelId, config(guarded).copy(apiKey = "wrong")) }
        }
        assertEquals("network", e.code)
        assertTrue("401" in e.message, e.message)
        assertThrows<CcverifyException.Network> { runBlocking { attest(guarded.modelId, config(guarded)) } }
        assertEquals(guarded.signingAddress, attest(guarded.modelId, config(guarded).copy(apiKey = "k1")).signingAddress)
    }

    @Test
    fun transientFailuresAreRetried() = runBlocking<Unit> {
        val flaky = start("--transient-failures", "2")
        val session = attest(flaky.modelId, config(flaky).copy(allowUnverified = true, retries = 3, backoff = Duration.ofMillis(1)))
        val response = session.chat(body())
        assertEquals(200, response.status)
        assertTrue("Echo: " in response.body.decodeToString())
    }

    @Test
    fun unreachableGatewaysAndBadConfigsThrow() = runBlocking<Unit> {
        assertThrows<CcverifyException.InvalidArgument> {
            runBlocking { attest(sandbox.modelId, config().copy(retries = -1)) }
        }
        val closed = config().copy(baseUrl = "http://127.0.0.1:1", timeout = Duration.ofSeconds(5))
        val e = assertThrows<CcverifyException.Network> { runBlocking { attest(sandbox.modelId, closed) } }
        assertEquals("network", e.code)
        assertThrows<CcverifyException.Network> { runBlocking { listModels(closed) } }
        assertThrows<CcverifyException.InvalidArgument> {
            runBlocking { attest(sandbox.modelId, config().copy(policy = Policy(preset = "lenient"))) }
        }
        assertThrows<CcverifyException.InvalidArgument> {
            runBlocking { attest(sandbox.modelId, config().copy(headers = mapOf("x-a" to "v\r\nx-b: injected"))) }
        }
    }

    @Test
    fun listModelsReturnsTheSandboxModel() = runBlocking<Unit> {
        val models = listModels(config())
        assertEquals(listOf(Model(sandbox.model, sandbox.modelId, true)), models)
    }

    @Test
    fun callsOverlapOnOneSession() = runBlocking<Unit> {
        // Each call runs on its own thread: four chats in flight at once from one coroutine.
        val replies = (1..4).map { n -> async { unverified.chat(body("message $n")) } }.awaitAll()
        for ((i, reply) in replies.withIndex()) {
            assertTrue("Echo: message ${i + 1}" in reply.body.decodeToString())
            assertEquals(CheckStatus.PASS, reply.verdict.status("response.signer"))
        }
    }

    /** One counter of the sandbox's GET /v1/sandbox/stats. */
    private fun Sandbox.stat(key: String): Int =
        JSONObject(URI("$baseUrl/v1/sandbox/stats").toURL().readText()).getInt(key)

    /** Waits until the sandbox counted at least [n] streams whose client went away. */
    private fun Sandbox.waitAborted(n: Int) {
        val deadline = System.nanoTime() + 10_000_000_000L
        while (stat("streams_aborted") < n) {
            assertTrue(System.nanoTime() < deadline, "the sandbox never saw the connection close")
            Thread.sleep(20)
        }
    }

    @Test
    fun strictSessionsThrowUnverifiedResponseWithTheReply() = runBlocking<Unit> {
        val strict = attest(sandbox.modelId, config().copy(allowUnverified = true, strict = true))
        val e = assertThrows<CcverifyException.UnverifiedResponse> { runBlocking { strict.chat(body()) } }
        assertEquals("unverified_response", e.code)
        val reply = e.response ?: fail("the error carries the reply")
        assertFalse(reply.verified)
        assertEquals(CheckStatus.FAIL, reply.verdict.status("session.attestation"))
        assertThrows<CcverifyException.UnverifiedResponse> {
            runBlocking { strict.chatStream(body("a b", stream = true), false, Chunks()) }
        }
        // allowUnverified alone: flagged, not thrown.
        assertFalse(unverified.chat(body()).verified)
    }

    @Test
    fun cancellingTheCoroutineAbortsTheStream() = runBlocking<Unit> {
        val slow = start()
        val session = attest(slow.modelId, config(slow).copy(
            allowUnverified = true,
            headers = mapOf("x-sandbox-fault" to "slow"),
        ))
        val first = CompletableDeferred<Unit>()
        val job = launch {
            session.chatStream(body(List(60) { "word" }.joinToString(" "), stream = true), false, object : ChunkListener {
                override fun onChunk(chunk: ByteArray) {
                    first.complete(Unit)
                }
            })
            fail("the slow stream ended before the cancel")
        }
        first.await()
        val started = System.nanoTime()
        job.cancelAndJoin()
        assertTrue(System.nanoTime() - started < 5_000_000_000L)
        slow.waitAborted(1)
    }

    @Test
    fun chatStreamFlowEmitsVerifiedEventsAndAbortsWhenCollectionStops() = runBlocking<Unit> {
        val events = unverified.chatStreamFlow(body("one two three", stream = true)).toList()
        assertTrue(events.size > 1, "events as they arrive: ${events.size}")
        assertTrue(events.all { it.decodeToString().startsWith("data: ") })
        assertFalse(events.last().decodeToString().contains("[DONE]"), "an unverified session never ends in [DONE]")
        val slow = start()
        val session = attest(slow.modelId, config(slow).copy(
            allowUnverified = true,
            headers = mapOf("x-sandbox-fault" to "slow"),
        ))
        val first = session.chatStreamFlow(body(List(60) { "word" }.joinToString(" "), stream = true)).first()
        assertTrue(first.decodeToString().startsWith("data: "))
        slow.waitAborted(1)
    }

    @Test
    fun recordDefaults() {
        assertEquals(
            ClientConfig(null, null, null, null, null, Policy(), false, null, null, null, null, null, null, null, null, false, emptyMap()),
            ClientConfig(),
        )
    }
}
