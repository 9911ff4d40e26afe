// GPU evidence: the shared cases in tests/vectors/gpu/cases.json (written by the independent
// Python generator), run exactly as core/tests/gpu_vectors.rs runs them, then verifyGpu's
// JavaScript surface (argument forms, options, thrown errors and their codes).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { createRequire } from 'node:module'
import { ROOT } from './root.mjs'

const require = createRequire(import.meta.url)
const ccverify = require('@ccverify/ccverify')
const { verifyGpu, verifyGpuAsync, normalizeNonce } = ccverify

const GPU_DIR = new URL('tests/vectors/gpu/', ROOT)
const { cases: CASES } = JSON.parse(readFileSync(new URL('cases.json', GPU_DIR), 'utf8'))
const byName = (name) => {
  const c = CASES.find((x) => x.name === name)
  assert.ok(c, `GPU case ${name}`)
  return c
}

/** The case's `policy` object with camelCase keys, plus `at` and `rimDir` (relative to
 *  tests/vectors/gpu/): the options core/tests/gpu_vectors.rs builds. */
function caseOptions(c) {
  const options = {}
  for (const [key, value] of Object.entries(c.policy)) {
    options[key.replace(/_([a-z])/g, (_, ch) => ch.toUpperCase())] = value
  }
  options.at = c.at
  if (c.rim_dir !== null) options.rimDir = fileURLToPath(new URL(c.rim_dir, GPU_DIR))
  return options
}

/** The check with this id and subject (`null`: a check about the whole `gpu` object). */
const findCheck = (verdict, id, subject) =>
  verdict.checks.find((x) => x.id === id && (x.subject ?? null) === subject)

function assertMatches(c, verdict) {
  const json = JSON.stringify(verdict)
  assert.equal(verdict.verified, c.expect.verified, `${c.name}: verified: ${json}`)
  for (const want of c.expect.checks) {
    const got = findCheck(verdict, want.id, want.subject)
    assert.ok(got, `${c.name}: no check ${want.id} for ${want.subject}`)
    assert.equal(got.status, want.status, `${c.name}: ${want.id} ${want.subject}: ${got.detail}`)
  }
}

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

test('the full GPU case set is present', () => {
  assert.ok(CASES.length >= 30, `expected the full GPU case set, found ${CASES.length}`)
  assert.equal(new Set(CASES.map((c) => c.name)).size, CASES.length, 'case names are unique')
})

test('every shared GPU case gives the expected verdict', async (t) => {
  for (const c of CASES) {
    await t.test(c.name, async () => {
      const verdict = verifyGpu(c.gpu, c.nonce, caseOptions(c))
      assertMatches(c, verdict)
      // The async variant (the libuv pool) gives the same verdict.
      assert.deepEqual(await verifyGpuAsync(c.gpu, c.nonce, caseOptions(c)), verdict)
    })
  }
})

// The NVIDIA sample, verified at 2024-06-01 without RIMs or OCSP (every report check passes).
const SAMPLE = byName('sample_no_rims')
const AT = '2024-06-01T00:00:00Z'
const AT_SECONDS = 1717200000
const chainDetail = (verdict) => findCheck(verdict, 'gpu.cert_chain', 'gpu0').detail

test('exports verifyGpu', () => {
  assert.equal(typeof verifyGpu, 'function')
})

test('gpuJson may be a Buffer, a Uint8Array or a string', () => {
  const whole = verifyGpu(SAMPLE.gpu, SAMPLE.nonce, { at: AT })
  const buffer = Buffer.from(SAMPLE.gpu, 'utf8')
  assert.deepEqual(verifyGpu(buffer, SAMPLE.nonce, { at: AT }), whole)
  assert.deepEqual(verifyGpu(new Uint8Array(buffer), SAMPLE.nonce, { at: AT }), whole)
  // A view into the middle of a larger buffer: only the viewed bytes count.
  const big = Buffer.concat([Buffer.from('xx'), buffer, Buffer.from('yy')])
  assert.deepEqual(verifyGpu(big.subarray(2, 2 + buffer.length), SAMPLE.nonce, { at: AT }), whole)
})

test('at: a Date, Unix seconds and RFC 3339 text name the same instant', () => {
  const text = verifyGpu(SAMPLE.gpu, SAMPLE.nonce, { at: AT })
  assert.equal(findCheck(text, 'gpu.cert_chain', 'gpu0').status, 'pass')
  assert.ok(chainDetail(text).includes('2024-06-01T00:00:00Z'), chainDetail(text))
  for (const at of [
    AT_SECONDS,
    new Date(AT),
    new Date(AT_SECONDS * 1000 + 999), // a Date is rounded down to its second
    '2024-06-01T02:00:00+02:00',
  ]) {
    assert.deepEqual(verifyGpu(SAMPLE.gpu, SAMPLE.nonce, { at }), text, String(at))
  }
  // The time is used: in 2000 the device certificates were not yet valid.
  for (const at of ['2000-01-01T00:00:00Z', 946684800, new Date('2000-01-01T00:00:00Z')]) {
    const check = findCheck(verifyGpu(SAMPLE.gpu, SAMPLE.nonce, { at }), 'gpu.cert_chain', 'gpu0')
    assert.equal(check.status, 'fail', String(at))
  }
})

test('without at (or without options) the system clock is used', () => {
  const year = String(new Date().getUTCFullYear())
  for (const options of [undefined, null, {}, { at: undefined }, { at: null }]) {
    const verdict = options === undefined ? verifyGpu(SAMPLE.gpu, SAMPLE.nonce) : verifyGpu(SAMPLE.gpu, SAMPLE.nonce, options)
    // The device chain runs to 9999, so the sample verifies at any date after 2020.
    assertMatches(byName('sample_at_real_clock'), verdict)
    assert.ok(chainDetail(verdict).includes(`${year}-`), chainDetail(verdict))
  }
})

test('undefined and null options mean the default policy', () => {
  const strict = verifyGpu(SAMPLE.gpu, SAMPLE.nonce, { at: AT })
  const unset = {
    at: AT,
    rimDir: undefined,
    ocspDir: null,
    expectedCount: null,
    expectedArch: null, // null means "not set" for every key, as in every language
    requireRevocation: undefined,
    requireRims: undefined,
    allowExpiredRims: null,
    allowHoldForRims: undefined,
  }
  assert.deepEqual(verifyGpu(SAMPLE.gpu, SAMPLE.nonce, unset), strict)
  // The defaults are the strict policy: the core's, spelt out.
  const spelt = {
    at: AT,
    expectedArch: 'HOPPER',
    requireRevocation: true,
    requireRims: true,
    allowExpiredRims: false,
    allowHoldForRims: false,
  }
  assert.deepEqual(verifyGpu(SAMPLE.gpu, SAMPLE.nonce, spelt), strict)
  assert.equal(strict.verified, false)
  assert.equal(findCheck(strict, 'gpu.count', null).status, 'warn')
  assert.equal(findCheck(strict, 'gpu.ocsp', 'gpu0').status, 'skip')
  assert.equal(findCheck(strict, 'gpu.driver_rim', 'gpu0').status, 'skip')
})

test('every policy option reaches the core', () => {
  const run = (options) => verifyGpu(SAMPLE.gpu, SAMPLE.nonce, { at: AT, ...options })
  assert.equal(findCheck(run({ expectedCount: 1 }), 'gpu.count', null).status, 'pass')
  assert.equal(findCheck(run({ expectedCount: 2 }), 'gpu.count', null).status, 'fail')
  assert.equal(findCheck(run({ expectedCount: 0 }), 'gpu.count', null).status, 'fail')
  assert.equal(findCheck(run({ expectedArch: 'BLACKWELL' }), 'gpu.arch', null).status, 'fail')
  assert.equal(findCheck(run({ requireRevocation: false }), 'gpu.ocsp', 'gpu0').status, 'warn')
  assert.equal(findCheck(run({ requireRims: false }), 'gpu.driver_rim', 'gpu0').status, 'warn')
  const relaxed = run({ expectedCount: 1, requireRevocation: false, requireRims: false })
  assert.equal(relaxed.verified, true)
  // Accepted (the NVIDIA sample has no RIM chain they would change).
  assert.deepEqual(run({ allowExpiredRims: true, allowHoldForRims: true }), run({}))
  // Directories: the mismatched RIMs are read; an OCSP cache directory is accepted.
  const rimDir = fileURLToPath(new URL('rimdirs/mismatched', GPU_DIR))
  assert.equal(findCheck(run({ rimDir }), 'gpu.driver_rim', 'gpu0').status, 'fail')
  const ocspDir = fileURLToPath(new URL('ocsp/cache', GPU_DIR))
  assert.equal(findCheck(run({ ocspDir }), 'gpu.ocsp', 'gpu0').status, 'skip')
})

test('bad evidence never throws: it is a failed check', () => {
  for (const gpu of ['', 'not json', '{}', '[]', Buffer.from([0xff, 0xfe]), '{"error":"NVIDIA SDK not installed"}']) {
    const verdict = verifyGpu(gpu, SAMPLE.nonce, { at: AT })
    assert.equal(verdict.verified, false)
    assert.equal(findCheck(verdict, 'gpu.evidence_format', null).status, 'fail', String(gpu))
    assert.equal(verdict.signer, null)
  }
})

test('verdicts have the documented shape; per-GPU checks carry a subject', () => {
  const verdict = verifyGpu(byName('one_bad_gpu_of_two').gpu, SAMPLE.nonce, { at: AT })
  assert.deepEqual(Object.keys(verdict).sort(), ['checks', 'facts', 'signer', 'verified'])
  const subjects = new Set(verdict.checks.map((x) => x.subject ?? null))
  assert.deepEqual([...subjects].sort(), ['gpu0', 'gpu1', null].sort())
  for (const check of verdict.checks) {
    assert.ok(['pass', 'fail', 'skip', 'warn'].includes(check.status), check.status)
    assert.equal(typeof check.detail, 'string')
  }
  for (const value of Object.values(verdict.facts)) assert.equal(typeof value, 'string')
})

test('the nonce is normalised as the agent does; bad nonces throw invalid_nonce', () => {
  const upper = verifyGpu(SAMPLE.gpu, `0x${SAMPLE.nonce.toUpperCase()}`, { at: AT })
  assert.deepEqual(upper, verifyGpu(SAMPLE.gpu, SAMPLE.nonce, { at: AT }))
  assert.equal(normalizeNonce(SAMPLE.nonce), SAMPLE.nonce)
  for (const bad of ['', '0x', '00'.repeat(32), 'zz', 'abc', 'ab'.repeat(33)]) {
    throwsCode(() => verifyGpu(SAMPLE.gpu, bad, { at: AT }), 'invalid_nonce', 'invalid nonce: ')
  }
})

test('a missing rimDir or ocspDir throws invalid_argument', () => {
  const missing = fileURLToPath(new URL('no-such-directory', GPU_DIR))
  throwsCode(() => verifyGpu(SAMPLE.gpu, SAMPLE.nonce, { rimDir: missing }), 'invalid_argument', 'invalid argument: ')
  throwsCode(() => verifyGpu(SAMPLE.gpu, SAMPLE.nonce, { ocspDir: missing }), 'invalid_argument', 'invalid argument: ')
})

test('arguments and options of the wrong type throw invalid_argument', () => {
  const gpu = SAMPLE.gpu
  const nonce = SAMPLE.nonce
  const cases = [
    () => verifyGpu(),
    () => verifyGpu(42, nonce),
    () => verifyGpu(null, nonce),
    () => verifyGpu({ nonce }, nonce),
    () => verifyGpu(new Uint16Array(4), nonce),
    () => verifyGpu(gpu),
    () => verifyGpu(gpu, 0x931d),
    () => verifyGpu(gpu, Buffer.from(nonce)),
    () => verifyGpu(gpu, nonce, 'at=2024'),
    () => verifyGpu(gpu, nonce, 1717200000),
    () => verifyGpu(gpu, nonce, { at: true }),
    () => verifyGpu(gpu, nonce, { at: 'yesterday' }),
    () => verifyGpu(gpu, nonce, { at: '2024-06-01' }),
    () => verifyGpu(gpu, nonce, { at: 1717200000.5 }),
    () => verifyGpu(gpu, nonce, { at: NaN }),
    () => verifyGpu(gpu, nonce, { at: Infinity }),
    () => verifyGpu(gpu, nonce, { at: 2 ** 60 }),
    () => verifyGpu(gpu, nonce, { at: new Date('not a date') }),
    () => verifyGpu(gpu, nonce, { at: { valueOf: () => AT_SECONDS } }),
    () => verifyGpu(gpu, nonce, { expectedCount: -1 }),
    () => verifyGpu(gpu, nonce, { expectedCount: 1.5 }),
    () => verifyGpu(gpu, nonce, { expectedCount: '8' }),
    () => verifyGpu(gpu, nonce, { expectedCount: 2 ** 32 }),
    () => verifyGpu(gpu, nonce, { expectedArch: 100 }),
    () => verifyGpu(gpu, nonce, { requireRevocation: 'false' }),
    () => verifyGpu(gpu, nonce, { requireRims: 0 }),
    () => verifyGpu(gpu, nonce, { allowHoldForRims: 1 }),
    () => verifyGpu(gpu, nonce, { rimDir: 42 }),
    () => verifyGpu(gpu, nonce, { ocspDir: ['dir'] }),
  ]
  for (const fn of cases) throwsCode(fn, 'invalid_argument', 'invalid argument: ')
})

test('unknown options throw invalid_argument, so a typo cannot weaken the policy', () => {
  for (const options of [
    { expected_count: 8 }, // the JSON / C spelling
    { expectedcount: 8 },
    { requireRevocaton: true },
    { at: AT, rimdir: '.' },
  ]) {
    const err = throwsCode(() => verifyGpu(SAMPLE.gpu, SAMPLE.nonce, options), 'invalid_argument')
    assert.match(err.message, /^invalid argument: GPU options: .*unknown (field|key)/)
  }
})
