// The shared conformance vectors in tests/vectors/ (written by the independent Python
// generator), run against the Node package. The assertions are those of core/tests/vectors.rs
// and go/ccverify_test.go.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { readFileSync, readdirSync } from 'node:fs'
import { createRequire } from 'node:module'
import { ROOT } from './root.mjs'

const require = createRequire(import.meta.url)
const ccverify = require('@ccverify/ccverify')
const { verifyResponse, verifyStream, StreamVerifier, normalizeNonce, recoverAddress } = ccverify

const VECTORS = new URL('tests/vectors/', ROOT)
const load = (rel) => JSON.parse(readFileSync(new URL(rel, VECTORS), 'utf8'))
const b64 = (s) => Buffer.from(s, 'base64')

const CASES = readdirSync(new URL('exchange/', VECTORS))
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((f) => load(`exchange/${f}`))
const STREAMS = CASES.filter((c) => c.kind === 'stream')

function run(c, convert = (b) => b) {
  const request = convert(b64(c.request_b64))
  if (c.kind === 'response') {
    return verifyResponse(request, convert(b64(c.response_b64)), c.headers, c.expected_address)
  }
  assert.equal(c.kind, 'stream', `${c.id}: unknown kind`)
  return verifyStream(request, convert(b64(c.stream_b64)), c.expected_address)
}

function assertMatches(c, verdict) {
  const { id, expect } = c
  const ids = Object.keys(expect.checks)
  assert.equal(verdict.checks.length, ids.length, `${id}: check count`)
  for (const [checkId, status] of Object.entries(expect.checks)) {
    const got = verdict.checks.find((x) => x.id === checkId)
    assert.ok(got, `${id}: missing check ${checkId}`)
    assert.equal(got.status, status, `${id}: ${checkId}: ${got.detail}`)
  }
  assert.equal(verdict.verified, expect.verified, `${id}: verified`)
  assert.equal(verdict.signer, expect.signer, `${id}: signer`)
  for (const fact of ['request_hash', 'response_hash']) {
    assert.equal(verdict.facts[fact] ?? null, expect[fact], `${id}: ${fact}`)
  }
}

test('the full exchange vector set is present', () => {
  assert.ok(CASES.length >= 40, `expected the full exchange vector set, found ${CASES.length}`)
  assert.ok(STREAMS.length > 0 && STREAMS.length < CASES.length)
})

test('every exchange vector gives the expected verdict', async (t) => {
  for (const c of CASES) {
    await t.test(c.id, () => assertMatches(c, run(c)))
  }
})

test('verdicts have the documented shape', () => {
  for (const c of CASES) {
    const v = run(c)
    assert.deepEqual(Object.keys(v).sort(), ['checks', 'facts', 'signer', 'verified'], c.id)
    assert.equal(typeof v.verified, 'boolean')
    assert.ok(v.signer === null || /^0x[0-9a-fA-F]{40}$/.test(v.signer), c.id)
    for (const check of v.checks) {
      assert.equal(typeof check.id, 'string')
      assert.ok(['pass', 'fail', 'skip', 'warn'].includes(check.status), check.status)
      assert.equal(typeof check.detail, 'string')
      assert.ok(!('subject' in check) || typeof check.subject === 'string')
    }
    for (const [name, value] of Object.entries(v.facts)) {
      if (name === 'stream.events') assert.match(value, /^[0-9]+$/)
      else if (name === 'stream.line_ends') assert.equal(value, 'crlf-normalised')
      else assert.match(value, /^[0-9a-f]{64}$/, name)
    }
  }
})

test('Buffer, Uint8Array and string inputs give the same verdict', () => {
  const asUint8Array = (b) => new Uint8Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength))
  // A view into the middle of a larger buffer: only the viewed bytes count.
  const asOffsetView = (b) => {
    const big = new Uint8Array(b.length + 10).fill(0x41)
    big.set(b, 5)
    return big.subarray(5, 5 + b.length)
  }
  let strings = 0
  for (const c of CASES) {
    const whole = run(c)
    assert.deepEqual(run(c, asUint8Array), whole, `${c.id}: Uint8Array`)
    assert.deepEqual(run(c, asOffsetView), whole, `${c.id}: Uint8Array view`)
    // A string stands for its UTF-8 bytes, so only inputs that are valid UTF-8 can be strings.
    const inputs = [c.request_b64, c.response_b64 ?? c.stream_b64].map(b64)
    if (inputs.every((b) => Buffer.from(b.toString('utf8'), 'utf8').equals(b))) {
      assert.deepEqual(run(c, (b) => b.toString('utf8')), whole, `${c.id}: string`)
      strings += 1
    }
  }
  assert.ok(strings > CASES.length / 2, `only ${strings} cases compared as strings`)
})

/** Splits `data` at pseudo-random points (xorshift32, deterministic per seed). */
function randomChunks(data, seed) {
  let state = seed | 1
  const out = []
  for (let i = 0; i < data.length; ) {
    state ^= state << 13
    state ^= state >>> 17
    state ^= state << 5
    state >>>= 0
    const n = (state % 23) + 1
    out.push(data.subarray(i, i + n))
    i += n
  }
  return out
}

function fixedChunks(data, size) {
  const out = []
  for (let i = 0; i < data.length; i += size) out.push(data.subarray(i, i + size))
  return out
}

test('StreamVerifier agrees with verifyStream for any chunking', async (t) => {
  for (const c of STREAMS) {
    await t.test(c.id, () => {
      const request = b64(c.request_b64)
      const stream = b64(c.stream_b64)
      const whole = verifyStream(request, stream, c.expected_address)
      const splits = {
        'whole': [stream],
        '1-byte': fixedChunks(stream, 1),
        '7-byte': fixedChunks(stream, 7),
        ...Object.fromEntries([1, 2, 3, 4, 5].map((seed) => [`random seed ${seed}`, randomChunks(stream, seed)])),
      }
      for (const [name, chunks] of Object.entries(splits)) {
        assert.deepEqual(chunks.reduce((n, ch) => n + ch.length, 0), stream.length)
        const verifier = new StreamVerifier(request, c.expected_address)
        const delivered = chunks.map((chunk) => verifier.update(chunk))
        assert.deepEqual(verifier.finish(), whole, `${c.id}: ${name} chunking`)
        delivered.push(verifier.tail())
        // What is handed on is the vector's canonical events, never the relayed bytes.
        assert.ok(
          Buffer.concat(delivered).equals(b64(c.expect.delivered_b64)),
          `${c.id}: ${name}: delivered ${Buffer.concat(delivered).toString('utf8')}`,
        )
      }
    })
  }
})

test('nonce.json: normalisation oracle (the client refuses all-zero nonces)', () => {
  const { cases } = load('nonce.json')
  assert.ok(cases.length > 0)
  for (const c of cases) {
    const label = JSON.stringify(c.input)
    if (c.normalized === null || /^0+$/.test(c.normalized)) {
      // The agent refuses it, or accepts it without any freshness: the client refuses it.
      assert.throws(() => normalizeNonce(c.input), { code: 'invalid_nonce' }, label)
    } else {
      assert.equal(normalizeNonce(c.input), c.normalized, label)
    }
  }
})

function n1Case() {
  const c = CASES.find((x) => x.id === 'n1_plain')
  assert.ok(c, 'n1_plain vector')
  return c
}

test('eth.json addresses, through the API that parses them: expectedAddress', () => {
  const n1 = n1Case()
  const signer = n1.expect.signer
  const { addresses } = load('eth.json')
  assert.ok(addresses.some((a) => a.valid) && addresses.some((a) => !a.valid))
  for (const a of addresses) {
    const label = JSON.stringify(a.input)
    const call = () =>
      verifyResponse(b64(n1.request_b64), b64(n1.response_b64), n1.headers, a.input)
    if (!a.valid) {
      assert.throws(call, { code: 'invalid_address' }, label)
      continue
    }
    // Accepted, and compared by value: the signer check passes exactly for the attested
    // address, and otherwise names the expected address in its EIP-55 form.
    const check = call().checks.find((x) => x.id === 'response.signer')
    if (a.checksummed === signer) {
      assert.equal(check.status, 'pass', label)
    } else {
      assert.equal(check.status, 'fail', label)
      assert.ok(check.detail.includes(a.checksummed), `${label}: ${check.detail}`)
    }
  }
})

// The package exposes no hash function, so eth.json's EIP-191 digests are checked the other
// way round: sign each vector digest with the attested key (textbook secp256k1 ECDSA below,
// independent of ccverify) and require recoverAddress(message) to give the attested address,
// which holds only if ccverify's digest of the message is the vector's.
const P = 2n ** 256n - 2n ** 32n - 977n
const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n
const G = [
  0x79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798n,
  0x483ada7726a3c4655da4fbfc0e1108a8fd17b448a68554199c47d08ffb10d4b8n,
]
const ATTESTED_KEY = 0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318n
const mod = (a, m) => ((a % m) + m) % m
function inv(a, m) {
  let [r0, r1, s0, s1] = [mod(a, m), m, 1n, 0n]
  while (r1 !== 0n) {
    const q = r0 / r1
    ;[r0, r1, s0, s1] = [r1, r0 - q * r1, s1, s0 - q * s1]
  }
  return mod(s0, m)
}
function add(p, q) {
  if (p === null) return q
  if (q === null) return p
  if (p[0] === q[0] && mod(p[1] + q[1], P) === 0n) return null
  const l = p[0] === q[0]
    ? mod(3n * p[0] * p[0] * inv(2n * p[1], P), P)
    : mod((q[1] - p[1]) * inv(q[0] - p[0], P), P)
  const x = mod(l * l - p[0] - q[0], P)
  return [x, mod(l * (p[0] - x) - p[1], P)]
}
function mul(k, p) {
  let acc = null
  for (; k > 0n; k >>= 1n, p = add(p, p)) if (k & 1n) acc = add(acc, p)
  return acc
}
const hex32 = (n) => n.toString(16).padStart(64, '0')

/** 65-byte r||s||v (v = 27/28, low-s) signature of a 32-byte digest. */
function signDigest(digestHex, key) {
  const z = BigInt(`0x${digestHex}`)
  for (let counter = 0; ; counter++) {
    const k = mod(BigInt(`0x${createHash('sha256').update(`${digestHex}:${counter}`).digest('hex')}`), N)
    if (k === 0n) continue
    const R = mul(k, G)
    const r = mod(R[0], N)
    let s = mod(inv(k, N) * (z + r * key), N)
    if (r === 0n || s === 0n || R[0] >= N) continue
    let parity = Number(R[1] & 1n)
    if (s > N / 2n) {
      s = N - s
      parity ^= 1
    }
    return hex32(r) + hex32(s) + (27 + parity).toString(16)
  }
}

test('eth.json personal-message digests: recoverAddress over the vector digests', () => {
  const { personal_hashes: cases } = load('eth.json')
  const attested = n1Case().expected_address
  assert.ok(cases.length > 0)
  for (const c of cases) {
    const signature = signDigest(c.eip191_keccak, ATTESTED_KEY)
    const label = JSON.stringify(c.message_utf8)
    assert.equal(recoverAddress(c.message_utf8, signature), attested, label)
    assert.equal(recoverAddress(Buffer.from(c.message_utf8, 'utf8'), `0x${signature}`), attested, label)
    // v in 0/1 form is the same signature.
    const lowV = signature.slice(0, 128) + (parseInt(signature.slice(128), 16) - 27).toString(16).padStart(2, '0')
    assert.equal(recoverAddress(c.message_utf8, lowV), attested, label)
    // A different message under the same signature recovers someone else.
    assert.notEqual(recoverAddress(`${c.message_utf8}.`, signature), attested, label)
  }
})
