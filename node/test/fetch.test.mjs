// createVerifiedFetch (fetch.js) against a real sandbox gateway (`ccverify sandbox`, see
// sandbox.mjs): completions verified in passing, plain and streamed, byte for byte what the
// gateway sent; tampered replies refused (strict) or reported (onVerdict); everything else
// passed through untouched.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { startSandbox, chatBody, statusOf } from './sandbox.mjs'

const require = createRequire(import.meta.url)
const { createVerifiedFetch, COMPLETIONS_PATH } = require('@ccverify/ccverify/fetch')
const { Session } = require('@ccverify/ccverify')
// The package's own subpath export resolves to the same module.
assert.equal(require('@ccverify/ccverify/fetch').createVerifiedFetch, createVerifiedFetch)

const OTHER_ADDRESS = '0x2c7536E3605D9C16a7a3D7b1898e529396a65c23' // the bundled example's signer

let sb
before(async () => {
  sb = await startSandbox()
})
after(async () => {
  await sb?.stop()
})

/** A fetch that records, for each call, its arguments and the exact bytes the gateway sent. */
function recordingFetch() {
  const calls = []
  const fetchImpl = async (input, init) => {
    const call = { input, init, raw: null }
    calls.push(call)
    const res = await fetch(input, init)
    call.raw = res.clone().arrayBuffer().then((b) => Buffer.from(b))
    return res
  }
  return { calls, fetchImpl }
}

/** POSTs a chat body to the sandbox's completions endpoint through `vf`. */
const complete = (vf, body, headers = {}) =>
  vf(sb.base_url + COMPLETIONS_PATH, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  })

/** Reads a web ReadableStream to the end: its chunks, or the error it ended with. */
async function drain(stream) {
  const chunks = []
  const reader = stream.getReader()
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) return { chunks, error: null }
      chunks.push(Buffer.from(value))
    }
  } catch (error) {
    return { chunks, error }
  }
}

test('a plain completion verifies against the signing address and arrives byte-identical', async () => {
  const { calls, fetchImpl } = recordingFetch()
  const seen = []
  const vf = createVerifiedFetch({
    signingAddress: sb.signing_address,
    fetch: fetchImpl,
    onVerdict: (verdict, info) => seen.push({ verdict, info }),
  })
  const url = sb.base_url + COMPLETIONS_PATH
  const res = await complete(vf, chatBody(sb, 'hello fetch'))
  assert.equal(res.status, 200)
  assert.equal(res.url, url)
  assert.ok(res.headers.get('signature'))
  const body = Buffer.from(await res.arrayBuffer())
  assert.ok(body.equals(await calls[0].raw), 'the body is exactly what the gateway sent')
  assert.match(body.toString('utf8'), /Echo: hello fetch/)
  assert.equal(seen.length, 1)
  assert.deepEqual(seen[0].info, { url, stream: false })
  assert.equal(seen[0].verdict.verified, true) // the exchange alone: no session row
  assert.equal(statusOf(seen[0].verdict, 'session.attestation'), undefined)
  assert.equal(seen[0].verdict.signer, sb.signing_address)
})

/** The canonical events of a raw SSE stream: `data: ` lines (not [DONE]) re-serialised. */
function canonical(raw) {
  return Buffer.from(
    raw
      .toString('utf8')
      .split('\n')
      .filter((line) => line.startsWith('data: {"id"'))
      .map((line) => `${line}\n\n`)
      .join(''),
  )
}

test('a streamed completion passes its verified events on and verifies at the end', async () => {
  const { calls, fetchImpl } = recordingFetch()
  const seen = []
  const vf = createVerifiedFetch({
    signingAddress: sb.signing_address,
    fetch: fetchImpl,
    onVerdict: (verdict, info) => seen.push({ verdict, info }),
  })
  const res = await complete(vf, chatBody(sb, 'stream me through fetch', { stream: true }))
  assert.equal(res.status, 200)
  assert.match(res.headers.get('content-type'), /text\/event-stream/)
  assert.equal(seen.length, 0, 'no verdict before the stream ends')
  const { chunks, error } = await drain(res.body)
  assert.equal(error, null)
  assert.ok(chunks.length >= 1)
  const body = Buffer.concat(chunks)
  const raw = await calls[0].raw
  assert.match(raw.toString('utf8'), /event: signature/)
  // The events re-serialised, the signature block left out, [DONE] once verified.
  assert.ok(
    body.equals(Buffer.concat([canonical(raw), Buffer.from('data: [DONE]\n\n')])),
    body.toString('utf8'),
  )
  assert.equal(seen.length, 1)
  assert.deepEqual(seen[0].info, { url: sb.base_url + COMPLETIONS_PATH, stream: true })
  assert.equal(seen[0].verdict.verified, true)
  assert.equal(statusOf(seen[0].verdict, 'stream.signature_block'), 'pass')
})

test('strict: a tampered plain reply rejects with code unverified_response', async () => {
  const vf = createVerifiedFetch({ signingAddress: sb.signing_address })
  let caught
  try {
    await complete(vf, chatBody(sb, 'tamper'), { 'x-sandbox-fault': 'tamper-response' })
  } catch (err) {
    caught = err
  }
  assert.ok(caught instanceof Error)
  assert.equal(caught.code, 'unverified_response')
  assert.equal(caught.url, sb.base_url + COMPLETIONS_PATH)
  assert.equal(statusOf(caught.verdict, 'response.response_hash'), 'fail')
  assert.match(caught.message, /response\.response_hash fail/)
})

test('strict: a tampered stream errors at its end with code unverified_response', async () => {
  let verdicts = 0
  const vf = createVerifiedFetch({ signingAddress: sb.signing_address, onVerdict: () => verdicts++ })
  const res = await complete(vf, chatBody(sb, 'tamper the stream', { stream: true }), {
    'x-sandbox-fault': 'tamper-response',
  })
  assert.equal(res.status, 200)
  const { chunks, error } = await drain(res.body)
  assert.ok(chunks.length >= 1, 'what arrived was passed on')
  assert.ok(error instanceof Error)
  assert.equal(error.code, 'unverified_response')
  assert.equal(statusOf(error.verdict, 'response.response_hash'), 'fail')
  assert.equal(verdicts, 1)
})

test('non-strict: tampered replies are delivered and onVerdict reports the failure', async () => {
  const { calls, fetchImpl } = recordingFetch()
  const seen = []
  const vf = createVerifiedFetch({
    signingAddress: sb.signing_address,
    fetch: fetchImpl,
    strict: false,
    onVerdict: (verdict, info) => seen.push({ verdict, info }),
  })
  const fault = { 'x-sandbox-fault': 'tamper-response' }
  const plain = await complete(vf, chatBody(sb, 'tamper'), fault)
  assert.ok(Buffer.from(await plain.arrayBuffer()).equals(await calls[0].raw))
  const streamed = await complete(vf, chatBody(sb, 'tamper', { stream: true }), fault)
  const { chunks, error } = await drain(streamed.body)
  assert.equal(error, null)
  // Every hashed event is delivered (the altered one too: a verdict comes only at the end),
  // but no [DONE]: the stream did not verify.
  assert.ok(Buffer.concat(chunks).equals(canonical(await calls[1].raw)))
  assert.equal(seen.length, 2)
  for (const { verdict } of seen) {
    assert.equal(verdict.verified, false)
    assert.equal(statusOf(verdict, 'response.response_hash'), 'fail')
    assert.equal(statusOf(verdict, 'response.signature'), 'pass')
  }
  assert.deepEqual(
    seen.map((s) => s.info.stream),
    [false, true],
  )
})

test('another signing address does not verify', async () => {
  const seen = []
  const vf = createVerifiedFetch({
    signingAddress: OTHER_ADDRESS,
    strict: false,
    onVerdict: (verdict) => seen.push(verdict),
  })
  await (await complete(vf, chatBody(sb, 'who signed?'))).arrayBuffer()
  assert.equal(seen[0].verified, false)
  assert.equal(statusOf(seen[0], 'response.signer'), 'fail')
})

test('other requests pass through untouched', async () => {
  const { calls, fetchImpl } = recordingFetch()
  let verdicts = 0
  const vf = createVerifiedFetch({
    signingAddress: sb.signing_address,
    fetch: fetchImpl,
    onVerdict: () => verdicts++,
  })
  const url = sb.base_url + '/v1/models'
  const res = await vf(url)
  assert.equal(calls[0].input, url) // the very arguments, not a rebuilt Request
  assert.equal(calls[0].init, undefined)
  assert.equal(res.status, 200)
  const models = await res.json()
  assert.equal(models.data[0].model_id, sb.model_id)
  // A GET of the completions path is not a completion either.
  const get = await vf(sb.base_url + COMPLETIONS_PATH, { method: 'GET' })
  assert.equal(calls[1].init.method, 'GET')
  assert.ok(!get.ok)
  // An error status on a completion is never signed: passed through, no verdict.
  const refused = await complete(vf, 'not json')
  assert.equal(refused.status, 422)
  assert.equal(verdicts, 0)
})

test('a Request object as input is verified too', async () => {
  const seen = []
  const vf = createVerifiedFetch({
    signingAddress: sb.signing_address,
    onVerdict: (verdict) => seen.push(verdict),
  })
  const req = new Request(sb.base_url + COMPLETIONS_PATH, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(chatBody(sb, 'as a Request')),
  })
  const res = await vf(req)
  assert.match(await res.text(), /Echo: as a Request/)
  assert.equal(seen[0].verified, true)
})

test('createVerifiedFetch({ session }) pins the session address and marks unverified sessions', async () => {
  const session = await Session.attest(sb.model_id, {
    baseUrl: sb.base_url,
    policy: 'offline',
    allowUnverified: true,
  })
  assert.equal(session.attested, false)
  const seen = []
  const lenient = createVerifiedFetch({ session, strict: false, onVerdict: (v) => seen.push(v) })
  await (await complete(lenient, chatBody(sb, 'via session'))).text()
  assert.equal(seen[0].verified, false)
  assert.equal(statusOf(seen[0], 'session.attestation'), 'fail')
  assert.equal(statusOf(seen[0], 'response.signer'), 'pass')
  assert.equal(statusOf(seen[0], 'response.response_hash'), 'pass')
  const strict = createVerifiedFetch({ session })
  await assert.rejects(complete(strict, chatBody(sb, 'via session')), { code: 'unverified_response' })
  // An attested session (a stand-in: the sandbox can never attest) gets a passing row.
  const attested = { signingAddress: sb.signing_address, attested: true }
  const ok = createVerifiedFetch({ session: attested, onVerdict: (v) => seen.push(v) })
  await (await complete(ok, chatBody(sb, 'attested'))).text()
  assert.equal(seen[1].verified, true)
  assert.equal(statusOf(seen[1], 'session.attestation'), 'pass')
})

test('bad options throw invalid_argument (or invalid_address) at once', () => {
  const code = (c) => (err) => err instanceof Error && err.code === c
  assert.throws(() => createVerifiedFetch(), code('invalid_argument'))
  assert.throws(() => createVerifiedFetch({}), code('invalid_argument'))
  assert.throws(
    () => createVerifiedFetch({ signingAddress: sb.signing_address, session: {} }),
    code('invalid_argument'),
  )
  assert.throws(
    () => createVerifiedFetch({ signingAddress: sb.signing_address, strct: false }),
    code('invalid_argument'),
  )
  assert.throws(
    () => createVerifiedFetch({ signingAddress: sb.signing_address, fetch: 'fetch' }),
    code('invalid_argument'),
  )
  assert.throws(
    () => createVerifiedFetch({ signingAddress: sb.signing_address, strict: 'yes' }),
    code('invalid_argument'),
  )
  assert.throws(() => createVerifiedFetch({ signingAddress: '0x1234' }), code('invalid_address'))
  assert.throws(() => createVerifiedFetch({ session: 'session' }), code('invalid_argument'))
})

/** Sandbox faults that add what an SSE parser reads but the agent's signature does not cover. */
const RELAY_ATTACKS = [
  'inject-data-no-space',
  'inject-data-tab',
  'inject-cr-comment',
  'inject-bare-data',
  'inject-done-no-space',
  'relabel-event',
]

/**
 * The real `openai` npm client with createVerifiedFetch as its fetch, as is: the SDK posts to
 * `<baseURL>/chat/completions`, which the verified fetch sends to the signed
 * `/v1/private/completions` and verifies.
 */
async function openaiClient(options) {
  const { default: OpenAI } = await import('openai')
  return new OpenAI({
    apiKey: 'unused',
    baseURL: sb.base_url + '/v1/private',
    maxRetries: 0,
    fetch: createVerifiedFetch(options),
  })
}

test('a completion request nothing signs is refused (strict) or flagged, never passed on silently', async () => {
  let sent = 0
  const counting = (input, init) => {
    sent++
    return fetch(input, init)
  }
  const flagged = []
  const strict = createVerifiedFetch({
    signingAddress: sb.signing_address,
    fetch: counting,
    onUnverifiable: (info) => flagged.push(info),
  })
  for (const path of ['/v1/chat/completions', '/v1/completions', '/v1/private/chat/completions/']) {
    await assert.rejects(strict(sb.base_url + path, { method: 'POST', body: '{}' }), (err) => {
      assert.equal(err.code, 'unverified_response')
      assert.equal(err.verdict, null)
      assert.match(err.message, /not the signed endpoint/)
      return true
    })
  }
  assert.equal(sent, 0, 'a strict fetch never sends what it cannot verify')
  assert.equal(flagged.length, 3)
  assert.match(flagged[0].reason, /\/v1\/chat\/completions/)
  const lenient = createVerifiedFetch({
    signingAddress: sb.signing_address,
    fetch: counting,
    strict: false,
    onUnverifiable: (info) => flagged.push(info),
  })
  await lenient(sb.base_url + '/v1/chat/completions', { method: 'POST', body: '{}' })
  assert.equal(sent, 1)
  assert.equal(flagged.length, 4)
  // GETs and the attestation are not completions: passed on.
  const models = await strict(sb.base_url + '/v1/models')
  assert.equal(models.status, 200)
  assert.throws(() => createVerifiedFetch({ signingAddress: sb.signing_address, onUnverifiable: 1 }), {
    code: 'invalid_argument',
  })
})

test('the openai SDK through createVerifiedFetch: a verified stream yields every delta', async () => {
  const seen = []
  const client = await openaiClient({ signingAddress: sb.signing_address, onVerdict: (v) => seen.push(v) })
  const stream = await client.chat.completions.create({
    model: sb.model,
    messages: [{ role: 'user', content: 'one two three' }],
    stream: true,
  })
  let text = ''
  for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? ''
  assert.equal(text, 'Echo: one two three')
  assert.equal(seen.length, 1)
  assert.equal(seen[0].verified, true)
})

for (const fault of RELAY_ATTACKS) {
  test(`the openai SDK through createVerifiedFetch: ${fault} is never yielded, no signed chunk lost`, async () => {
    for (const strict of [true, false]) {
      const seen = []
      const client = await openaiClient({
        signingAddress: sb.signing_address,
        strict,
        onVerdict: (v) => seen.push(v),
      })
      const stream = await client.chat.completions.create(
        { model: sb.model, messages: [{ role: 'user', content: 'one two three' }], stream: true },
        { headers: { 'x-sandbox-fault': fault } },
      )
      let text = ''
      let caught = null
      try {
        for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? ''
      } catch (err) {
        caught = err
      }
      assert.equal(text, 'Echo: one two three', `${fault} (strict ${strict})`)
      assert.equal(seen.length, 1)
      assert.equal(statusOf(seen[0], 'stream.coverage'), 'fail')
      assert.equal(statusOf(seen[0], 'response.response_hash'), 'pass')
      if (strict) {
        assert.ok(caught instanceof Error, `${fault}: strict mode must raise`)
        assert.equal(caught.code, 'unverified_response')
      } else {
        assert.equal(caught, null)
      }
    }
  })
}

test('a CRLF re-encoding by a relay still verifies through the openai SDK', async () => {
  const seen = []
  const client = await openaiClient({ signingAddress: sb.signing_address, onVerdict: (v) => seen.push(v) })
  const stream = await client.chat.completions.create(
    { model: sb.model, messages: [{ role: 'user', content: 'crlf' }], stream: true },
    { headers: { 'x-sandbox-fault': 'crlf' } },
  )
  let text = ''
  for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? ''
  assert.equal(text, 'Echo: crlf')
  assert.equal(seen[0].verified, true)
})

test('a stream request is read as a stream whatever content-type a relay puts on the reply', async () => {
  // The relay answers a stream request with the genuine stream plus an injected chunk, labelled
  // application/json so that a wrapper deciding from the header would hand the raw bytes on.
  const body = chatBody(sb, 'one two', { stream: true })
  const genuine = await fetch(sb.base_url + COMPLETIONS_PATH, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
  const raw = Buffer.from(await genuine.arrayBuffer())
  const injected = Buffer.concat([
    Buffer.from('data:{"choices":[{"delta":{"content":"INJECTED"}}]}\n\n'),
    raw,
  ])
  const relay = async () =>
    new Response(injected, { status: 200, headers: { 'content-type': 'application/json' } })
  for (const strict of [true, false]) {
    const seen = []
    const vf = createVerifiedFetch({
      signingAddress: sb.signing_address,
      fetch: relay,
      strict,
      onVerdict: (v) => seen.push(v),
    })
    const res = await complete(vf, body)
    const { chunks, error } = await drain(res.body)
    const text = Buffer.concat(chunks).toString('utf8')
    assert.doesNotMatch(text, /INJECTED|\[DONE\]/, `strict ${strict}: ${text}`)
    assert.equal(seen.length, 1)
    assert.equal(statusOf(seen[0], 'stream.coverage'), 'fail')
    if (strict) assert.equal(error?.code, 'unverified_response')
    else assert.equal(error, null)
  }
})
