// The io.net client — Session.attest, chat, chatStream, bundle, listModels — against a real
// sandbox gateway (`ccverify sandbox`, see sandbox.mjs) with the `offline` policy: nothing is
// fetched from the internet. The sandbox serves real but canned evidence whose nonces are
// fixed, so a fresh attestation never verifies; replies are genuinely signed by its key.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import { once, setMaxListeners } from 'node:events'
import { createRequire } from 'node:module'
import { startSandbox, chatBody, statusOf } from './sandbox.mjs'

const require = createRequire(import.meta.url)
const { Session, listModels, verifyResponse, verifyBundle, ErrorCode } =
  require('@ccverify/ccverify')

let sb
before(async () => {
  sb = await startSandbox()
})
after(async () => {
  await sb?.stop()
})

/** A client config for the shared sandbox. */
const config = (extra = {}) => ({ baseUrl: sb.base_url, policy: 'offline', ...extra })

/** A session that chats although its attestation does not verify. */
const unverifiedSession = (extra = {}) =>
  Session.attest(sb.model_id, config({ allowUnverified: true, ...extra }))

/** Asserts that a promise rejects with an `Error` of this code; returns the error. */
async function rejectsCode(promise, code) {
  let caught
  try {
    await promise
  } catch (err) {
    caught = err
  }
  assert.ok(caught instanceof Error, `expected a rejection with code ${code}, got ${caught}`)
  assert.equal(caught.code, code, caught.message)
  return caught
}

/** Asserts that `fn` throws an `Error` of this code synchronously. */
function throwsCode(fn, code) {
  assert.throws(fn, (err) => err instanceof Error && err.code === code)
}

test('attest: the sandbox attestation does not verify, and the verdict says why', async () => {
  const session = await Session.attest(sb.model_id, config())
  assert.ok(session instanceof Session)
  assert.equal(session.attested, false)
  const v = session.verdict
  assert.equal(v.verified, false)
  assert.equal(statusOf(v, 'report.nonce'), 'pass') // the JSON echoes our fresh nonce…
  assert.equal(statusOf(v, 'gpu.nonce', 'gpu0'), 'fail') // …the canned hardware evidence cannot
  assert.equal(statusOf(v, 'tdx.report_data'), 'fail')
  assert.equal(statusOf(v, 'report.signing_address'), 'pass')
  assert.match(v.facts.summary, /^NOT VERIFIED/)
  assert.equal(session.signingAddress, sb.signing_address)
  assert.equal(v.signer, sb.signing_address)
  assert.equal(session.modelId, sb.model_id)
  assert.match(session.nonce, /^[0-9a-f]{64}$/)
  const bundle = JSON.parse(session.bundle())
  assert.equal(bundle.format, 'ccverify-bundle/1')
  assert.equal(bundle.nonce, session.nonce)
  assert.equal(bundle.model_id, sb.model_id)
  assert.deepEqual(bundle.exchanges, [])
  // Every attestation uses a fresh nonce.
  const again = await Session.attest(sb.model_id, config())
  assert.notEqual(again.nonce, session.nonce)
})

test('chat on an unverified session without allowUnverified rejects with attestation_failed', async () => {
  const session = await Session.attest(sb.model_id, config())
  const err = await rejectsCode(session.chat(chatBody(sb, 'hi')), 'attestation_failed')
  assert.equal(err.code, ErrorCode.AttestationFailed)
  assert.match(err.message, /NOT VERIFIED/)
  let called = false
  await rejectsCode(
    session.chatStream(chatBody(sb, 'hi', { stream: true }), { onChunk: () => (called = true) }),
    'attestation_failed',
  )
  assert.equal(called, false)
})

test('chat with allowUnverified: the exchange verifies, the session row fails', async () => {
  const session = await unverifiedSession()
  const body = chatBody(sb, 'hello sandbox')
  const r = await session.chat(body)
  assert.equal(r.status, 200)
  assert.equal(r.stream, false)
  assert.ok(Buffer.isBuffer(r.body) && Buffer.isBuffer(r.request))
  assert.equal(r.request.toString('utf8'), JSON.stringify(body)) // an object is JSON.stringified
  assert.match(r.body.toString('utf8'), /Echo: hello sandbox/)
  for (const id of ['response.signature', 'response.signer', 'response.request_hash', 'response.response_hash']) {
    assert.equal(statusOf(r.verdict, id), 'pass', id)
  }
  assert.equal(statusOf(r.verdict, 'session.attestation'), 'fail')
  assert.equal(r.verdict.verified, false)
  assert.equal(r.verified, false)
  assert.equal(r.attested, false)
  assert.equal(r.verdict.signer, sb.signing_address)
  // Headers: [name, value] pairs, lower-case names; Object.fromEntries gives verifyResponse's form.
  assert.ok(r.headers.every((h) => Array.isArray(h) && h.length === 2 && h[0] === h[0].toLowerCase()))
  const headers = Object.fromEntries(r.headers)
  assert.equal(headers.signing_address, sb.signing_address)
  assert.equal(verifyResponse(r.request, r.body, headers, sb.signing_address).verified, true)

  // Strings and bytes are sent exactly as given.
  const text = `{"model":"${sb.model}","messages":[{"role":"user","content":"as text"}]}`
  const fromString = await session.chat(text)
  assert.equal(fromString.request.toString('utf8'), text)
  assert.match(fromString.body.toString('utf8'), /Echo: as text/)
  const bytes = new TextEncoder().encode(text.replace('as text', 'as bytes'))
  const fromBytes = await session.chat(bytes)
  assert.deepEqual(new Uint8Array(fromBytes.request), bytes)
  assert.equal(statusOf(fromBytes.verdict, 'response.response_hash'), 'pass')
})

test('chatStream: chunks arrive in order through onChunk before the promise resolves', async () => {
  const session = await unverifiedSession()
  const chunks = []
  const r = await session.chatStream(chatBody(sb, 'one two three four five six', { stream: true }), {
    onChunk: (chunk) => {
      assert.ok(Buffer.isBuffer(chunk))
      chunks.push(chunk)
    },
  })
  assert.ok(chunks.length > 1, `onChunk was called ${chunks.length} times`)
  assert.ok(Buffer.concat(chunks).equals(r.body), 'the chunks concatenate to the body')
  assert.equal(r.stream, true)
  assert.match(r.body.toString('utf8'), /^data: /)
  // The verified events re-serialised: no signature block, no [DONE] (the session is unverified).
  assert.doesNotMatch(r.body.toString('utf8'), /event: signature|\[DONE\]/)
  assert.equal(statusOf(r.verdict, 'stream.signature_block'), 'pass')
  assert.equal(statusOf(r.verdict, 'response.signature'), 'pass')
  assert.equal(statusOf(r.verdict, 'response.response_hash'), 'pass')
  assert.equal(statusOf(r.verdict, 'session.attestation'), 'fail')
  assert.equal(r.verified, false)
  // Every line handed on is a hashed data line or the blank line after it.
  for (const line of r.body.toString('utf8').split('\n')) assert.match(line, /^(data: \{.*\})?$/)

  // Without options the stream is only returned whole.
  const quiet = await session.chatStream(chatBody(sb, 'no callback', { stream: true }))
  assert.equal(statusOf(quiet.verdict, 'stream.signature_block'), 'pass')

  // hold: nothing is delivered unless the whole stream verified — never, on this session.
  let held = 0
  const h = await session.chatStream(chatBody(sb, 'held back', { stream: true }), {
    hold: true,
    onChunk: () => held++,
  })
  assert.equal(held, 0)
  assert.equal(h.verified, false)
  assert.match(h.body.toString('utf8'), /held/)
})

test('chatStream: an exception thrown by onChunk rejects the promise with it', async () => {
  const session = await unverifiedSession()
  const boom = new Error('boom')
  let calls = 0
  let caught
  try {
    await session.chatStream(chatBody(sb, 'a b c d e f g h', { stream: true }), {
      onChunk: () => {
        calls++
        throw boom
      },
    })
  } catch (err) {
    caught = err
  }
  assert.equal(caught, boom)
  assert.ok(calls >= 1)
  // The session is still usable.
  const r = await session.chat(chatBody(sb, 'after'))
  assert.equal(statusOf(r.verdict, 'response.signature'), 'pass')
})

test('a reply tampered on the wire fails response.response_hash', async () => {
  const session = await unverifiedSession({ headers: { 'x-sandbox-fault': 'tamper-response' } })
  const r = await session.chat(chatBody(sb, 'tamper me'))
  assert.equal(statusOf(r.verdict, 'response.response_hash'), 'fail')
  assert.equal(statusOf(r.verdict, 'response.signature'), 'pass')
  const s = await session.chatStream(chatBody(sb, 'tamper me too', { stream: true }), {})
  assert.equal(statusOf(s.verdict, 'response.response_hash'), 'fail')
})

test('recordExchanges: the bundle re-verifies offline with both exchanges', async () => {
  const session = await unverifiedSession({ recordExchanges: true })
  await session.chat(chatBody(sb, 'first'))
  await session.chatStream(chatBody(sb, 'second', { stream: true }), { onChunk: () => {} })
  const text = session.bundle()
  const bundle = JSON.parse(text)
  assert.equal(bundle.exchanges.length, 2)
  assert.equal(bundle.exchanges[1].stream, true)
  const v = verifyBundle(text)
  assert.equal(v.verified, false) // the attestation still does not verify
  assert.equal(statusOf(v, 'response.signer', 'exchange0'), 'pass')
  assert.equal(statusOf(v, 'response.signer', 'exchange1'), 'pass')
  assert.equal(statusOf(v, 'response.response_hash', 'exchange0'), 'pass')
  assert.equal(statusOf(v, 'response.response_hash', 'exchange1'), 'pass')
  assert.equal(v.signer, sb.signing_address)
})

test('a wrong API key rejects with network and the 401; the right one (or IO_API_KEY) works', async () => {
  const locked = await startSandbox(['--api-key', 'k1'])
  try {
    const cfg = (extra) => ({ baseUrl: locked.base_url, policy: 'offline', ...extra })
    const err = await rejectsCode(Session.attest(locked.model_id, cfg({ apiKey: 'wrong' })), 'network')
    assert.match(err.message, /401/)
    const ok = await Session.attest(locked.model_id, cfg({ apiKey: 'k1' }))
    assert.equal(ok.signingAddress, locked.signing_address)
    // Without apiKey the key comes from IO_API_KEY, read when the config is.
    const saved = process.env.IO_API_KEY
    process.env.IO_API_KEY = 'k1'
    let fromEnv
    try {
      fromEnv = Session.attest(locked.model_id, cfg())
    } finally {
      if (saved === undefined) delete process.env.IO_API_KEY
      else process.env.IO_API_KEY = saved
    }
    assert.equal((await fromEnv).signingAddress, locked.signing_address)
  } finally {
    await locked.stop()
  }
})

test('transient 503s are retried', async () => {
  const flaky = await startSandbox(['--transient-failures', '2'])
  try {
    const cfg = (extra) => ({
      baseUrl: flaky.base_url,
      policy: 'offline',
      allowUnverified: true,
      backoffMs: 1,
      ...extra,
    })
    // Too few retries: the second 503 is final.
    const impatient = await Session.attest(flaky.model_id, cfg({ retries: 1 }))
    const err = await rejectsCode(impatient.chat(chatBody(flaky, 'x')), 'network')
    assert.match(err.message, /503/)
    // The failures are used up by now, so start again with a fresh sandbox for the success.
  } finally {
    await flaky.stop()
  }
  const flaky2 = await startSandbox(['--transient-failures', '2'])
  try {
    const session = await Session.attest(flaky2.model_id, {
      baseUrl: flaky2.base_url,
      policy: 'offline',
      allowUnverified: true,
      retries: 3,
      backoffMs: 1,
    })
    const r = await session.chat(chatBody(flaky2, 'third time lucky'))
    assert.equal(r.status, 200)
    assert.match(r.body.toString('utf8'), /Echo: third time lucky/)
  } finally {
    await flaky2.stop()
  }
})

test('listModels', async () => {
  const models = await listModels(config())
  assert.deepEqual(models, [{ name: sb.model, modelId: sb.model_id, supportsAttestation: true }])
  await rejectsCode(listModels({ baseUrl: 'http://127.0.0.1:1', retries: 0 }), 'network')
})

test('the event loop keeps running while a session attests', async () => {
  // A proxy in this very process that holds the attestation back for a while: if attest blocked
  // the JavaScript thread, the proxy could never answer and the timers could never tick.
  const proxy = createServer(async (req, res) => {
    const chunks = []
    for await (const chunk of req) chunks.push(chunk)
    if (req.url === '/v1/private/attestation') await new Promise((r) => setTimeout(r, 200))
    const upstream = await fetch(sb.base_url + req.url, {
      method: req.method,
      headers: { 'content-type': 'application/json' },
      body: req.method === 'POST' ? Buffer.concat(chunks) : undefined,
    })
    res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') })
    res.end(Buffer.from(await upstream.arrayBuffer()))
  })
  proxy.listen(0, '127.0.0.1')
  await once(proxy, 'listening')
  try {
    let ticks = 0
    const timer = setInterval(() => ticks++, 5)
    try {
      const pending = Session.attest(sb.model_id, {
        ...config(),
        baseUrl: `http://127.0.0.1:${proxy.address().port}`,
        timeoutMs: 10000,
      })
      assert.ok(pending instanceof Promise)
      const session = await pending
      assert.equal(session.signingAddress, sb.signing_address)
    } finally {
      clearInterval(timer)
    }
    assert.ok(ticks >= 10, `the timer ticked ${ticks} times during attest`)
  } finally {
    proxy.close()
  }
})

test('config and argument errors throw invalid_argument synchronously', async () => {
  throwsCode(() => Session.attest(sb.model_id, { baseURL: sb.base_url }), 'invalid_argument')
  throwsCode(() => Session.attest(sb.model_id, { base_url: sb.base_url }), 'invalid_argument')
  throwsCode(() => Session.attest(sb.model_id, { retries: -1 }), 'invalid_argument')
  throwsCode(() => Session.attest(sb.model_id, { timeoutMs: '5' }), 'invalid_argument')
  throwsCode(() => Session.attest(sb.model_id, { allowUnverified: 1 }), 'invalid_argument')
  throwsCode(() => Session.attest(sb.model_id, { headers: { a: 1 } }), 'invalid_argument')
  throwsCode(() => Session.attest(sb.model_id, { policy: 'lenient' }), 'invalid_argument')
  throwsCode(() => Session.attest(sb.model_id, { policy: { gpu: { expected_count: 1 } } }), 'invalid_argument')
  throwsCode(() => Session.attest(sb.model_id, { at: true }), 'invalid_argument')
  throwsCode(() => Session.attest(sb.model_id, 'offline'), 'invalid_argument')
  throwsCode(() => Session.attest(42), 'invalid_argument')
  throwsCode(() => listModels({ nope: 1 }), 'invalid_argument')
  // null and undefined mean "the default".
  const session = await Session.attest(sb.model_id, {
    ...config({ allowUnverified: true }),
    apiKey: null,
    rimDir: undefined,
    at: null,
    policy: { preset: 'offline', gpu: { expectedCount: 1 } },
  })
  throwsCode(() => session.chat(42), 'invalid_argument')
  throwsCode(() => session.chat({ toJSON: () => undefined }), 'invalid_argument')
  const cyclic = {}
  cyclic.self = cyclic
  throwsCode(() => session.chat(cyclic), 'invalid_argument')
  throwsCode(() => session.chatStream('{}', { onChunk: 'no' }), 'invalid_argument')
  throwsCode(() => session.chatStream('{}', { hold: 'yes' }), 'invalid_argument')
  throwsCode(() => session.chatStream('{}', { onchunk: () => {} }), 'invalid_argument')
  // A body the gateway refuses: an error status is never signed, it rejects with network.
  const err = await rejectsCode(session.chat('not json'), 'network')
  assert.match(err.message, /422/)
  assert.throws(() => new Session())
})

// --- fail closed, AbortSignal --------------------------------------------------------------

/** One counter of the sandbox's GET /v1/sandbox/stats. */
async function sandboxStat(key) {
  const res = await fetch(`${sb.base_url}/v1/sandbox/stats`)
  return (await res.json())[key]
}

/** Waits until the sandbox counted at least `n` streams whose client went away. */
async function waitAborted(n) {
  const deadline = Date.now() + 10_000
  while ((await sandboxStat('streams_aborted')) < n) {
    assert.ok(Date.now() < deadline, 'the sandbox never saw the connection close')
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

const slowBody = () => chatBody(sb, Array(60).fill('word').join(' '), { stream: true })

test('strict sessions reject an unverified reply with unverified_response and carry it', async () => {
  const strict = await unverifiedSession({ strict: true })
  const err = await rejectsCode(strict.chat(chatBody(sb, 'hi')), 'unverified_response')
  assert.equal(err.code, ErrorCode.UnverifiedResponse)
  assert.equal(err.response.verified, false)
  assert.equal(statusOf(err.response.verdict, 'session.attestation'), 'fail')
  assert.match(err.message, /session\.attestation/)
  const chunks = []
  const streamErr = await rejectsCode(
    strict.chatStream(chatBody(sb, 'a b', { stream: true }), { onChunk: (c) => chunks.push(c) }),
    'unverified_response'
  )
  assert.equal(streamErr.response.stream, true)
  assert.ok(!Buffer.concat(chunks).toString().includes('[DONE]'))
  // allowUnverified alone: flagged, not rejected.
  const lenient = await unverifiedSession()
  assert.equal((await lenient.chat(chatBody(sb, 'hi'))).verified, false)
})

test('an AbortSignal aborts a stream at once, and the sandbox sees the connection close', async () => {
  const slow = await unverifiedSession({ headers: { 'x-sandbox-fault': 'slow' } })
  const before = await sandboxStat('streams_aborted')
  const controller = new AbortController()
  let chunks = 0
  const started = Date.now()
  const err = await rejectsCode(
    slow.chatStream(slowBody(), {
      onChunk: () => {
        if (++chunks === 1) controller.abort()
      },
      signal: controller.signal,
    }),
    'cancelled'
  )
  assert.equal(err.code, ErrorCode.Cancelled)
  assert.ok(Date.now() - started < 5000, `took ${Date.now() - started} ms`)
  await waitAborted(before + 1)
  // An aborted signal stops later calls before they start.
  await rejectsCode(slow.chat(chatBody(sb, 'hi'), { signal: controller.signal }), 'cancelled')
  await rejectsCode(
    Session.attest(sb.model_id, config({ allowUnverified: true }), { signal: AbortSignal.abort() }),
    'cancelled'
  )
  throwsCode(() => slow.chat(chatBody(sb, 'hi'), { signal: 'soon' }), 'invalid_argument')
  throwsCode(() => slow.chat(chatBody(sb, 'hi'), { timeout: 1 }), 'invalid_argument')
})

test('session.stream is an async iterable of verified events, then its response and verdict', async () => {
  const session = await unverifiedSession()
  // Returned at once (not a promise), while the request goes out.
  const stream = session.stream(chatBody(sb, 'one two three', { stream: true }))
  assert.equal(typeof stream.then, 'undefined')
  assert.equal(stream.response, null)
  const verdict = stream.verdict
  assert.ok(verdict instanceof Promise)
  // Pending until the end: a partial stream has no verdict.
  const early = await Promise.race([verdict.then(() => 'settled'), new Promise((r) => setImmediate(r, 'pending'))])
  assert.equal(early, 'pending')
  const chunks = []
  for await (const chunk of stream) chunks.push(chunk)
  assert.ok(chunks.length > 1)
  assert.ok(chunks.every((c) => Buffer.isBuffer(c) && c.toString().startsWith('data: ')))
  assert.deepEqual(Buffer.concat(chunks), stream.response.body)
  const v = await verdict
  assert.equal(statusOf(v, 'stream.signature_block'), 'pass')
  assert.equal(statusOf(v, 'session.attestation'), 'fail')
  assert.deepEqual(await stream.verdict, stream.response.verdict)
  assert.equal(await stream.nextChunk(), null) // ended streams stay ended
  // `await session.stream(...)` (the stream is not thenable) gives the stream itself.
  const awaited = await session.stream(chatBody(sb, 'four', { stream: true }))
  for await (const _ of awaited) void _
  assert.equal((await awaited.verdict).verified, false)
  throwsCode(() => session.stream(chatBody(sb, 'x', { stream: true }), { onChunk: () => {} }), 'invalid_argument')
  // Strict: the iteration rejects at the end, carrying the reply; the verdict still resolves.
  const strict = await unverifiedSession({ strict: true })
  const strictStream = strict.stream(chatBody(sb, 'a b', { stream: true }))
  const err = await rejectsCode(
    (async () => {
      for await (const _ of strictStream) void _
    })(),
    'unverified_response'
  )
  assert.equal(err.response.stream, true)
  assert.equal(statusOf(await strictStream.verdict, 'session.attestation'), 'fail')
})

test('a refused stream rejects at its first chunk, and its verdict with the same error', async () => {
  // An unverified attestation without allowUnverified: the session refuses to chat.
  const refusing = await Session.attest(sb.model_id, config())
  const stream = refusing.stream(chatBody(sb, 'no', { stream: true }))
  const verdict = stream.verdict
  const err = await rejectsCode(
    (async () => {
      for await (const _ of stream) void _
    })(),
    'attestation_failed'
  )
  assert.equal((await rejectsCode(verdict, 'attestation_failed')).message, err.message)
  assert.equal(stream.response, null)
})

test('breaking out of a stream, cancel() and an AbortSignal abort the request', async () => {
  const slow = await unverifiedSession({ headers: { 'x-sandbox-fault': 'slow' } })
  const before = await sandboxStat('streams_aborted')
  const stream = slow.stream(slowBody())
  for await (const chunk of stream) {
    assert.ok(chunk.length > 0)
    break
  }
  await rejectsCode(stream.verdict, 'cancelled')
  await waitAborted(before + 1)
  const cancelled = slow.stream(slowBody())
  assert.ok(await cancelled.nextChunk())
  const pending = cancelled.verdict
  cancelled.cancel()
  await rejectsCode(cancelled.nextChunk(), 'cancelled')
  await rejectsCode(pending, 'cancelled') // settles without anyone reading on
  await waitAborted(before + 2)
  const controller = new AbortController()
  const signalled = slow.stream(slowBody(), { signal: controller.signal })
  assert.ok(await signalled.nextChunk())
  controller.abort()
  await rejectsCode(signalled.nextChunk(), 'cancelled')
  await waitAborted(before + 3)
  // Cancelled before the first read: the verdict settles, no chunk is ever read.
  const unread = slow.stream(slowBody())
  unread.cancel()
  await rejectsCode(unread.verdict, 'cancelled')
  await rejectsCode(unread.nextChunk(), 'cancelled')
  // A signal aborted while nobody reads: the verdict settles and the connection closes.
  const idle = new AbortController()
  const idleStream = slow.stream(slowBody(), { signal: idle.signal })
  assert.ok(await idleStream.nextChunk())
  const idleVerdict = idleStream.verdict
  idle.abort()
  await rejectsCode(idleVerdict, 'cancelled')
  await waitAborted(before + 4)
})

test('nextChunk() calls that overlap are answered in the stream order', async () => {
  const session = await unverifiedSession()
  const stream = session.stream(chatBody(sb, 'alpha beta gamma delta epsilon zeta eta theta', { stream: true }))
  // Five reads at once, then the rest one by one: concatenated in call order they are exactly
  // the verified body, whatever order the reads ran in.
  const first = await Promise.all([1, 2, 3, 4, 5].map(() => stream.nextChunk()))
  assert.ok(first.every((c) => Buffer.isBuffer(c)), 'the stream has more than five events')
  const rest = []
  for await (const chunk of stream) rest.push(chunk)
  assert.deepEqual(Buffer.concat([...first, ...rest]), stream.response.body)
  assert.equal((await stream.verdict).checks.find((c) => c.id === 'stream.signature_block').status, 'pass')
})

test('waiting on the network never holds the libuv pool (fs keeps working)', { timeout: 120000 }, async () => {
  // A server that accepts and never answers: every call below waits until aborted. More calls
  // than the libuv pool has threads (4): were they waiting there, readFile could not run.
  const { createServer: createTcpServer } = await import('node:net')
  const { readFile } = await import('node:fs/promises')
  const sockets = new Set()
  const silent = createTcpServer((socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  silent.listen(0, '127.0.0.1')
  await once(silent, 'listening')
  const silentUrl = `http://127.0.0.1:${silent.address().port}`
  const session = await unverifiedSession()
  const controller = new AbortController()
  setMaxListeners(32, controller.signal) // one listener per call below, on purpose
  const lost = { baseUrl: silentUrl, policy: 'offline', retries: 0, timeoutMs: 600000 }
  // More waiting calls than the libuv pool has threads (UV_THREADPOOL_SIZE, default 4).
  const poolSize = Number(process.env.UV_THREADPOOL_SIZE) || 4
  const waiting = Array.from({ length: poolSize + 2 }, () =>
    Session.attest(sb.model_id, lost, { signal: controller.signal })
  )
  const listed = listModels({ ...lost, timeoutMs: 30000 })
  waiting.forEach((p) => p.catch(() => {}))
  listed.catch(() => {})
  const streams = Array.from({ length: 4 }, () =>
    session.stream(chatBody(sb, Array(400).fill('w').join(' '), { stream: true }), {
      signal: controller.signal,
    })
  )
  try {
    let timer
    const text = await Promise.race([
      readFile(new URL(import.meta.url)),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error('fs starved: the libuv pool is held')), 20000)
      }),
    ])
    clearTimeout(timer)
    assert.ok(text.length > 0)
    controller.abort()
    // The silent server keeps every connection open until the aborted calls have settled: closed
    // earlier, a call could see the closed connection before the abort and fail as `network`.
    for (const p of waiting) await rejectsCode(p, 'cancelled')
    for (const stream of streams) {
      const err = await (async () => {
        try {
          for await (const _ of stream) void _
        } catch (e) {
          return e
        }
      })()
      // Either aborted mid-way or (a fast machine) already complete before the abort.
      assert.ok(err === undefined || err.code === 'cancelled', String(err))
    }
    for (const socket of sockets) socket.destroy()
    await rejectsCode(listed, 'network') // its connection was closed by the server (or timed out)
  } finally {
    // Whatever failed above, leave nothing that keeps the test process alive.
    controller.abort()
    for (const socket of sockets) socket.destroy()
    silent.close()
  }
})

test('CcverifyError and UnverifiedError classify the errors ccverify raises', async () => {
  const { CcverifyError, UnverifiedError } = require('@ccverify/ccverify')
  const strict = await unverifiedSession({ strict: true })
  const err = await rejectsCode(strict.chat(chatBody(sb, 'hi')), 'unverified_response')
  assert.ok(err instanceof CcverifyError && err instanceof UnverifiedError && err instanceof Error)
  let other
  try {
    Session.attest(sb.model_id, config({ retries: -1 }))
  } catch (e) {
    other = e
  }
  assert.equal(other?.code, 'invalid_argument')
  assert.ok(other instanceof CcverifyError && !(other instanceof UnverifiedError))
  assert.ok(!(new Error('x') instanceof CcverifyError))
  assert.ok(!(Object.assign(new Error('x'), { code: 'ENOENT' }) instanceof CcverifyError))
  assert.ok(!('x' instanceof CcverifyError))
})
