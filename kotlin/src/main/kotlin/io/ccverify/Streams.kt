package io.ccverify

import kotlinx.coroutines.channels.awaitClose
import kotlinx.coroutines.channels.trySendBlocking
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.buffer
import kotlinx.coroutines.flow.callbackFlow

/**
 * A streamed completion as a cold [Flow] of its verified events (each one data line the agent
 * hashed, re-serialised; `data: [DONE]` last only when the whole stream and the session
 * verified). Collecting it sends the request; cancelling the collector aborts the request
 * itself (the gateway sees the connection close). In a strict session (the default) a stream
 * that did not verify ends the flow with [CcverifyException.UnverifiedResponse], whose
 * `response` has the verdict; with [hold] nothing is emitted until the stream verified.
 *
 * ```kotlin
 * session.chatStreamFlow(body).collect { print(it.decodeToString()) }
 * ```
 */
fun Session.chatStreamFlow(body: ByteArray, hold: Boolean = false): Flow<ByteArray> = callbackFlow {
    chatStream(body, hold, object : ChunkListener {
        override fun onChunk(chunk: ByteArray) {
            // On a ccverify thread: wait for room (back-pressure); a closed flow stops the stream.
            trySendBlocking(chunk).getOrThrow()
        }
    })
    close()
    awaitClose()
}.buffer(16)
