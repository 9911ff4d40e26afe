// The JavaScript surface: argument forms, thrown errors and their codes, StreamVerifier's
// life cycle, nonces. The verification rules themselves are covered by vectors.test.mjs.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { ROOT } from './root.mjs'

const require = createRequire(import.meta.url)
const ccverify = require('@ccverify/ccverify')
const {
  verifyResponse,
  verifyStream,
  StreamVerifier,
  recoverAddress,
  generateNonce,
  normalizeNonce,
} = ccverify

// The bundled N1 exchange, as a user would read it from disk.
const EXAMPLE = new URL('examples/exchanges/01-n1_plain/', ROOT)
const read = (name) => readFileSync(new URL(name, EXAMPLE))
const request = read('request.json')
const response = read('response.json')
const headers = JSON.parse(read('headers.json').toString('utf8'))
const attested = read('expected_address.txt').toString('utf8').trim()
const BAD_CHECKSUM = '0x2c7536E3605D9C16a7a3D7b1898e529396a65C23' // last 'c' flipped

/** Asserts that `fn` throws an `Error` with this core code and message prefix. */
function throwsCode(fn, code, prefix) {
  let caught
  try {
    fn()
  } catch (err) {
    caught = err
  }
  assert.ok(caught instanceof Error, `expected an Error with code ${code}, got ${caught}`)
  assert.equal(caught.code, code, caught.message)
  if (prefix) assert.ok(caught.message.startsWith(prefix), caught.message)
  return caught
}

test('exports exactly the documented API', () => {
  for (const name of ['verifyResponse', 'verifyStream', 'verifyGpu', 'verifyTdx', 'verifyReport', 'verifyBundle', 'loadPolicy', 'recoverAddress', 'generateNonce', 'normalizeNonce']) {
    assert.equal(typeof ccverify[name], 'function', name)
  }
  assert.equal(typeof StreamVerifier, 'function')
  assert.deepEqual({ ...ccverify.CheckStatus }, { Pass: 'pass', Fail: 'fail', Skip: 'skip', Warn: 'warn' })
  assert.ok(Array.isArray(ccverify.POLICY_PRESETS))
  assert.equal(typeof ccverify.ErrorCode, 'object')
})

test('the quick-start example verifies', () => {
  const verdict = verifyResponse(request, response, headers, attested)
  assert.equal(verdict.verified, true)
  assert.equal(verdict.signer, attested)
  assert.equal(verdict.checks.length, 7)
  assert.ok(verdict.checks.every((c) => c.status === 'pass'))
  assert.equal(`${verdict.facts.request_hash}:${verdict.facts.response_hash}`, headers.text)
})

test('without an expected address nothing verifies, and null equals undefined', () => {
  const a = verifyResponse(request, response, headers)
  const b = verifyResponse(request, response, headers, null)
  const c = verifyResponse(request, response, headers, undefined)
  assert.equal(a.verified, false)
  assert.equal(a.checks.find((x) => x.id === 'response.signer').status, 'skip')
  assert.deepEqual(b, a)
  assert.deepEqual(c, a)
})

test('header names match case-insensitively; undefined values are absent headers', () => {
  const upper = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toUpperCase(), v]))
  assert.deepEqual(
    verifyResponse(request, response, upper, attested),
    verifyResponse(request, response, headers, attested),
  )
  const noAlgo = verifyResponse(request, response, { ...headers, signing_algo: undefined }, attested)
  assert.equal(noAlgo.checks.find((x) => x.id === 'response.signing_algo').status, 'warn')
  // From a fetch `Headers` object, as the doc comment says.
  const fromFetch = Object.fromEntries(new Headers(headers))
  assert.equal(verifyResponse(request, response, fromFetch, attested).verified, true)
})

test('bad evidence never throws: it is a failed check', () => {
  const tampered = Buffer.from(response.toString('utf8').replace('Hello!', 'Hullo!'))
  const v = verifyResponse(request, tampered, headers, attested)
  assert.equal(v.verified, false)
  assert.equal(v.checks.find((x) => x.id === 'response.response_hash').status, 'fail')
  const empty = verifyResponse('', '', {}, attested)
  assert.equal(empty.verified, false)
  assert.equal(empty.signer, null)
  const stream = verifyStream('not json', Buffer.alloc(0), attested)
  assert.equal(stream.verified, false)
  assert.equal(stream.checks[0].id, 'stream.signature_block')
  assert.equal(stream.checks[0].status, 'fail')
})

test('a malformed expectedAddress throws invalid_address, from every entry point', () => {
  const err = throwsCode(() => verifyResponse(request, response, headers, BAD_CHECKSUM), 'invalid_address', 'invalid address: ')
  assert.match(err.message, /checksum/)
  throwsCode(() => verifyResponse(request, response, headers, '0x1234'), 'invalid_address')
  throwsCode(() => verifyResponse(request, response, headers, ''), 'invalid_address')
  throwsCode(() => verifyStream('{}', '', BAD_CHECKSUM), 'invalid_address')
  throwsCode(() => new StreamVerifier('{}', BAD_CHECKSUM), 'invalid_address')
})

test('arguments of the wrong type throw invalid_argument', () => {
  const cases = [
    () => verifyResponse(42, response, headers),
    () => verifyResponse(request, null, headers),
    () => verifyResponse(request, response),
    () => verifyResponse(request, response, 'text: x'),
    () => verifyResponse(request, response, { ...headers, signature: 65 }),
    () => verifyResponse(request, response, headers, 42),
    () => verifyResponse([...request], response, headers),
    () => verifyResponse(new Uint16Array(4), response, headers),
    () => verifyResponse(request.buffer, response, headers),
    () => verifyStream(request),
    () => new StreamVerifier({}),
    () => new StreamVerifier(request).update(12),
    () => recoverAddress(headers.text, 1234),
    () => recoverAddress(undefined, headers.signature),
    () => normalizeNonce(0xabcd),
  ]
  for (const fn of cases) throwsCode(fn, 'invalid_argument', 'invalid argument: ')
})

test('StreamVerifier: hands on verified events only, then invalid_state after finish', () => {
  const v = new StreamVerifier(request, attested)
  const buf = Buffer.from('data: {"x":1}\n')
  const u8 = new Uint8Array([0x0a])
  const str = 'data:{"injected":1}\n\ndata: [DONE]\n\n'
  assert.deepEqual(v.update(buf), Buffer.alloc(0))
  assert.deepEqual(v.update(u8), Buffer.from('data: {"x":1}\n\n'))
  assert.deepEqual(v.update(str), Buffer.alloc(0)) // not hashed: never handed on
  assert.deepEqual(v.tail(), Buffer.alloc(0))
  const verdict = v.finish()
  assert.equal(verdict.verified, false)
  assert.equal(verdict.checks[0].status, 'fail') // no signature block
  assert.equal(verdict.checks[1].id, 'stream.coverage')
  assert.equal(verdict.checks[1].status, 'fail')
  assert.deepEqual(v.tail(), Buffer.alloc(0)) // no [DONE] for an unverified stream
  throwsCode(() => v.update('more'), 'invalid_state', 'invalid state: ')
  throwsCode(() => v.update(Buffer.alloc(0)), 'invalid_state')
  throwsCode(() => v.finish(), 'invalid_state', 'invalid state: ')
  assert.ok(v instanceof StreamVerifier)
})

test('a failed update does not disturb the verifier', () => {
  const c = JSON.parse(readFileSync(new URL('tests/vectors/exchange/s1_stream_a5.json', ROOT), 'utf8'))
  const req = Buffer.from(c.request_b64, 'base64')
  const stream = Buffer.from(c.stream_b64, 'base64')
  const v = new StreamVerifier(req, c.expected_address)
  v.update(stream.subarray(0, 10))
  throwsCode(() => v.update({ not: 'bytes' }), 'invalid_argument')
  v.update(stream.subarray(10))
  const verdict = v.finish()
  assert.equal(verdict.verified, true)
  assert.deepEqual(verdict, verifyStream(req, stream, c.expected_address))
})

test('recoverAddress', () => {
  assert.equal(recoverAddress(headers.text, headers.signature), attested)
  assert.equal(recoverAddress(Buffer.from(headers.text), `0x${headers.signature}`), attested)
  throwsCode(() => recoverAddress(headers.text, 'zz'), 'invalid_signature', 'invalid signature: ')
  throwsCode(() => recoverAddress(headers.text, headers.signature.slice(0, 128)), 'invalid_signature')
})

test('generateNonce: 64 hex digits, fresh every time, and normalizes to itself', () => {
  const seen = new Set()
  for (let i = 0; i < 32; i++) {
    const n = generateNonce()
    assert.match(n, /^[0-9a-f]{64}$/)
    assert.equal(normalizeNonce(n), n)
    seen.add(n)
  }
  assert.equal(seen.size, 32)
})

test('normalizeNonce follows the agent and refuses non-fresh nonces', () => {
  assert.equal(normalizeNonce('0xABCD'), 'abcd'.padEnd(64, '0'))
  assert.equal(normalizeNonce(' ab\tcd\n'), 'abcd'.padEnd(64, '0'))
  for (const bad of ['', '   ', '0x', '00', 'abc', 'zz', 'ab'.repeat(33)]) {
    throwsCode(() => normalizeNonce(bad), 'invalid_nonce', 'invalid nonce: ')
  }
})

test('requestStreams: the agent\'s own stream rule', () => {
  const { requestStreams } = require('@ccverify/ccverify')
  assert.equal(requestStreams('{"messages":[],"stream":true}'), true)
  assert.equal(requestStreams(Buffer.from('{"messages":[],"stream":1}')), true)
  assert.equal(requestStreams('{"messages":[],"stream":"true"}'), true)
  assert.equal(requestStreams('{"messages":[]}'), false)
  assert.equal(requestStreams('not json'), false)
})
