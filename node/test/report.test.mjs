// Whole attestations and evidence bundles: the shared cases in tests/vectors/report/cases.json
// (written by the independent Python generator), run exactly as core/tests/report_vectors.rs runs
// them, then the JavaScript surface of verifyReport, verifyBundle, loadPolicy, POLICY_PRESETS
// and ErrorCode (argument forms, options, policies, thrown errors and their codes).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { createRequire } from 'node:module'
import { ROOT } from './root.mjs'

const require = createRequire(import.meta.url)
const ccverify = require('@ccverify/ccverify')
const { verifyReport, verifyBundle, verifyReportAsync, verifyBundleAsync, loadPolicy, POLICY_PRESETS, ErrorCode, normalizeNonce } =
  ccverify

const REPORT_DIR = new URL('tests/vectors/report/', ROOT)
const { cases: CASES } = JSON.parse(readFileSync(new URL('cases.json', REPORT_DIR), 'utf8'))
const byName = (name) => {
  const c = CASES.find((x) => x.name === name)
  assert.ok(c, `report case ${name}`)
  return c
}

/** snake_case → camelCase. */
const camel = (key) => key.replace(/_([a-z0-9])/g, (_, ch) => ch.toUpperCase())

/** A policy document (snake_case keys, as in the vectors and policy files) as the camelCase
 *  object the Node API takes; text (a preset name, JSON or TOML) is passed on unchanged. */
function camelPolicy(policy) {
  if (policy === null || typeof policy !== 'object' || Array.isArray(policy)) return policy
  return Object.fromEntries(Object.entries(policy).map(([k, v]) => [camel(k), camelPolicy(v)]))
}

/** The case's options with camelCase keys, plus rimDir and the collateral's text (both relative
 *  to tests/vectors/report/): the options core/tests/report_vectors.rs builds. */
function caseOptions(c) {
  const options = {}
  for (const [key, value] of Object.entries(c.options)) {
    options[camel(key)] = key === 'policy' ? camelPolicy(value) : value
  }
  if (c.kind === 'report') {
    if (c.rim_dir !== null) options.rimDir = fileURLToPath(new URL(c.rim_dir, REPORT_DIR))
    if (c.collateral_file !== null) {
      options.collateral = readFileSync(new URL(c.collateral_file, REPORT_DIR), 'utf8')
    }
  }
  return options
}

const bundleOf = (c) => readFileSync(new URL(c.bundle_file, REPORT_DIR))

function run(c, options = caseOptions(c)) {
  switch (c.kind) {
    case 'report':
      return verifyReport(c.report, options)
    case 'bundle':
      return verifyBundle(bundleOf(c), options)
    default:
      throw new Error(`unknown case kind ${c.kind}`)
  }
}

/** The check with this id and subject (`null`: a check about the whole attestation). */
const findCheck = (verdict, id, subject = null) =>
  verdict.checks.find((x) => x.id === id && (x.subject ?? null) === subject)
const statusOf = (verdict, id, subject = null) => findCheck(verdict, id, subject)?.status
/** A TDX fact of a report verdict. The core prefixes the TDX verdict's facts (already named
 *  `tdx.*`) with `tdx.` once more, giving `tdx.tdx.*`; accept either spelling. */
const tdxFact = (verdict, name) => verdict.facts[`tdx.${name}`] ?? verdict.facts[`tdx.tdx.${name}`]

function assertMatches(c, verdict) {
  const json = JSON.stringify(verdict)
  assert.equal(verdict.verified, c.expect.verified, `${c.name}: verified: ${json}`)
  for (const want of c.expect.checks) {
    const got = findCheck(verdict, want.id, want.subject)
    assert.ok(got, `${c.name}: no check ${want.id} for ${want.subject}: ${json}`)
    assert.equal(got.status, want.status, `${c.name}: ${want.id} ${want.subject}: ${got.detail}`)
  }
  for (const [fact, value] of Object.entries(c.expect.facts)) {
    assert.equal(verdict.facts[fact], value, `${c.name}: fact ${fact}`)
  }
  // Every verdict carries the plain-language summary.
  assert.equal(typeof verdict.facts.summary, 'string', c.name)
  assert.ok(verdict.facts.summary.length > 0, c.name)
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

test('the full report and bundle case set is present', () => {
  assert.ok(CASES.length >= 28, `expected the full report case set, found ${CASES.length}`)
  assert.equal(new Set(CASES.map((c) => c.name)).size, CASES.length, 'case names are unique')
  assert.ok(CASES.some((c) => c.kind === 'report'))
  assert.ok(CASES.some((c) => c.kind === 'bundle'))
  assert.ok(CASES.every((c) => c.kind === 'report' || c.kind === 'bundle'))
})

test('every shared report and bundle case gives the expected verdict or error', async (t) => {
  let ran = 0
  for (const c of CASES) {
    await t.test(c.name, () => {
      if (c.expect.error) {
        throwsCode(() => run(c), c.expect.error)
      } else {
        assertMatches(c, run(c))
      }
      ran++
    })
  }
  assert.equal(ran, CASES.length)
})

test('the async variants give every case the same verdict or error, off the JavaScript thread', async (t) => {
  const runAsync = (c, options = caseOptions(c)) =>
    c.kind === 'report' ? verifyReportAsync(c.report, options) : verifyBundleAsync(bundleOf(c), options)
  let ran = 0
  for (const c of CASES) {
    await t.test(c.name, async () => {
      // Arguments are read at the call (a bad one would throw there, as the sync form does);
      // what the core refuses after reading them rejects. Either way the code is the case's.
      const pending = (async () => runAsync(c))()
      if (c.expect.error) {
        let caught
        try {
          await pending
        } catch (err) {
          caught = err
        }
        assert.equal(caught?.code, c.expect.error, String(caught))
      } else {
        const verdict = await pending
        assertMatches(c, verdict)
        assert.deepEqual(verdict, run(c))
      }
      ran++
    })
  }
  assert.equal(ran, CASES.length)
  // A promise, not a verdict; wrong argument types throw at the call, as the sync forms do.
  const promise = verifyBundleAsync(Buffer.from('{}'))
  assert.ok(promise instanceof Promise)
  await assert.rejects(promise, (err) => err.code === 'invalid_argument')
  throwsCode(() => verifyReportAsync(42, {}), 'invalid_argument')
  throwsCode(() => verifyBundleAsync('{}', { nope: 1 }), 'invalid_argument')
})

// The real evidence (NVIDIA's H100 sample and a real v4 TDX quote), with Intel's collateral.
const REAL = byName('real_evidence_report_nonce')
const REPORT = REAL.report
const NONCE = REAL.options.nonce
const AT = REAL.options.at
const AT_SECONDS = Date.parse(AT) / 1000
const COLLATERAL_TEXT = readFileSync(new URL(REAL.collateral_file, REPORT_DIR), 'utf8')
const SIGNER = '0x2c7536E3605D9C16a7a3D7b1898e529396a65c23'
const real = (options) => verifyReport(REPORT, { nonce: NONCE, at: AT, collateral: COLLATERAL_TEXT, ...options })
const BUNDLE = bundleOf(byName('bundle_real'))

test('exports the report API, and ErrorCode lists every shared error name', () => {
  for (const name of ['verifyReport', 'verifyBundle', 'verifyReportAsync', 'verifyBundleAsync', 'loadPolicy']) {
    assert.equal(typeof ccverify[name], 'function', name)
  }
  assert.deepEqual(POLICY_PRESETS, ['default', 'offline', 'strict'])
  assert.deepEqual(Object.values(ErrorCode), [
    'invalid_argument',
    'invalid_nonce',
    'invalid_address',
    'invalid_signature',
    'limit_exceeded',
    'invalid_state',
    'rng',
    'network',
    'attestation_failed',
    'unverified_response',
    'cancelled',
    'internal',
  ])
  assert.equal(ErrorCode.Network, 'network')
  assert.equal(ErrorCode.AttestationFailed, 'attestation_failed')
  // The codes thrown by the vectors are names of ErrorCode.
  for (const c of CASES) {
    if (c.expect.error) assert.ok(Object.values(ErrorCode).includes(c.expect.error), c.expect.error)
  }
})

test('the verdict: signer is the attested key, the summary says what is and is not proven', () => {
  const v = real({})
  assertMatches(REAL, v)
  assert.equal(v.signer, SIGNER)
  assert.equal(v.facts.signing_address, SIGNER)
  const summary = v.facts.summary
  assert.ok(summary.startsWith('NOT VERIFIED: '), summary)
  assert.match(summary, /tdx\.report_data/)
  assert.match(summary, /Proven: .*the GPU reports are signed by genuine NVIDIA devices/)
  assert.match(summary, /Accepted by policy without proof: .*io\.net does not bind it/)
  assert.doesNotMatch(summary.split(" Accepted by policy")[0], /io\.net does not bind it/)
  assert.equal(v.facts.nonce, NONCE)
  assert.equal(tdxFact(v, 'tcb_status'), 'UpToDate')
  for (const value of Object.values(v.facts)) assert.equal(typeof value, 'string')
  assert.ok(v.checks.length > 20)
  for (const check of v.checks) {
    assert.ok(['pass', 'fail', 'skip', 'warn'].includes(check.status), check.id)
    assert.ok(check.subject === undefined || typeof check.subject === 'string')
  }
  // Evidence that does not parse is a verdict, never a throw; the summary is still there.
  const html = verifyReport('<html>502</html>', { nonce: NONCE, at: AT })
  assert.equal(html.verified, false)
  assert.equal(statusOf(html, 'report.format'), 'fail')
  assert.equal(html.signer, null)
  assert.ok(html.facts.summary.startsWith('NOT VERIFIED: '))
})

test('a bad nonce throws invalid_nonce; a missing one invalid_argument', () => {
  for (const nonce of ['not-a-nonce', '', '00', 'ab'.repeat(33)]) {
    throwsCode(() => real({ nonce }), 'invalid_nonce', 'invalid nonce: ')
  }
  for (const options of [undefined, null, {}, { at: AT }, { nonce: undefined }]) {
    const err = throwsCode(() => verifyReport(REPORT, options), 'invalid_argument', 'invalid argument: ')
    assert.match(err.message, /nonce is required/)
  }
  throwsCode(() => real({ nonce: null }), 'invalid_argument')
  throwsCode(() => real({ nonce: Buffer.from(NONCE) }), 'invalid_argument')
  // The nonce is normalised as the agent does it.
  assert.deepEqual(real({ nonce: `0x${NONCE.toUpperCase()}` }), real({}))
  assert.equal(normalizeNonce(NONCE), NONCE)
})

test('unknown options are refused, so a typo cannot weaken the policy', () => {
  for (const options of [{ polcy: 'strict' }, { rim_dir: '.' }, { ocsp_dir: '.' }, { Nonce: NONCE }, { expectedCount: 1 }]) {
    const err = throwsCode(() => real(options), 'invalid_argument', 'invalid argument: ')
    assert.match(err.message, /^invalid argument: report options: .*unknown (field|key)/)
  }
  for (const options of [{ att: AT }, { nonce: NONCE }, { collateral: COLLATERAL_TEXT }]) {
    const err = throwsCode(() => verifyBundle(BUNDLE, options), 'invalid_argument', 'invalid argument: ')
    assert.match(err.message, /^invalid argument: bundle options: .*unknown (field|key)/)
  }
})

test('the report may be a string, a Buffer or a Uint8Array', () => {
  const whole = real({})
  const bytes = Buffer.from(REPORT, 'utf8')
  for (const report of [bytes, new Uint8Array(bytes), Buffer.concat([Buffer.from('x'), bytes]).subarray(1)]) {
    assert.deepEqual(verifyReport(report, { nonce: NONCE, at: AT, collateral: COLLATERAL_TEXT }), whole)
  }
})

test('the collateral may be its text, its bytes or the parsed object; without it the TDX checks skip', () => {
  const whole = real({})
  for (const collateral of [
    Buffer.from(COLLATERAL_TEXT),
    new Uint8Array(Buffer.from(COLLATERAL_TEXT)),
    JSON.parse(COLLATERAL_TEXT),
    { ...JSON.parse(COLLATERAL_TEXT), ignored: undefined },
  ]) {
    assert.deepEqual(real({ collateral }), whole)
  }
  for (const collateral of [undefined, null]) {
    const v = real({ collateral })
    assert.equal(statusOf(v, 'tdx.collateral'), 'skip')
    assert.equal(v.verified, false)
  }
  for (const collateral of [42, true, [1n], { x: () => 1 }, { x: NaN }, Buffer.from([0xff, 0xfe])]) {
    throwsCode(() => real({ collateral }), 'invalid_argument', 'invalid argument: ')
  }
  const cyclic = {}
  cyclic.self = cyclic
  throwsCode(() => real({ collateral: cyclic }), 'invalid_argument')
})

test('at: a Date, Unix seconds and RFC 3339 text name the same instant; it is used', () => {
  const text = real({})
  for (const at of [AT_SECONDS, new Date(AT), new Date(AT_SECONDS * 1000 + 999), '2025-06-20T08:13:20+02:00']) {
    assert.deepEqual(real({ at }), text, String(at))
  }
  // Outside the collateral's window the collateral fails.
  assert.equal(statusOf(real({ at: '2030-01-01T00:00:00Z' }), 'tdx.collateral'), 'fail')
  for (const at of [true, 'yesterday', 1.5, NaN, new Date('nope')]) {
    throwsCode(() => real({ at }), 'invalid_argument', 'invalid argument: ')
  }
})

test('rimDir and ocspDir must be readable directories', () => {
  const rims = fileURLToPath(new URL('../gpu/nvidia/rims', REPORT_DIR))
  assertMatches(byName('real_evidence_with_rim_dir'), real({ rimDir: rims }))
  for (const options of [{ rimDir: '/nonexistent/ccverify-rims' }, { ocspDir: '/nonexistent/ccverify-ocsp' }, { rimDir: 42 }]) {
    throwsCode(() => real(options), 'invalid_argument', 'invalid argument: ')
  }
})

test('loadPolicy: presets and documents, normalised to the camelCase object', () => {
  const strict = loadPolicy('strict')
  assert.equal(strict.preset, 'strict')
  assert.equal(strict.requireKeyBinding, true)
  assert.equal(strict.requireImageDigest, true)
  assert.equal(strict.offline, false)
  assert.deepEqual(strict.imageDigests, [])
  assert.deepEqual(strict.gpu, {
    expectedArch: 'HOPPER',
    requireRevocation: true,
    requireRims: true,
    allowExpiredRims: false,
    allowHoldForRims: false,
  })
  assert.deepEqual(strict.tdx.acceptedTcbStatuses, ['UpToDate'])
  assert.equal(strict.tdx.allowDebug, false)
  assert.equal(strict.tdx.maxCollateralAgeSecs, undefined) // not set: left out
  assert.equal(loadPolicy('offline').gpu.requireRevocation, false)
  assert.equal(loadPolicy('offline').offline, true)
  assert.equal(loadPolicy('default').requireKeyBinding, false)
  assert.deepEqual(loadPolicy(' strict\n'), strict)
  // Every name of POLICY_PRESETS is the core's, and loads as itself.
  for (const name of POLICY_PRESETS) assert.equal(loadPolicy(name).preset, name)
  const err = throwsCode(() => loadPolicy('lenient'), 'invalid_argument', 'invalid argument: policy: ')
  assert.match(err.message, new RegExp(`known: ${POLICY_PRESETS.join(', ')}`))
  // JSON and TOML documents (snake_case keys, as in policy files) give the same policy.
  const digest = `sha256:${'ab'.repeat(32)}`
  const json = JSON.stringify({
    preset: 'offline',
    image_digests: [digest],
    gpu: { expected_count: 8 },
    tdx: { accepted_tcb_statuses: ['UpToDate', 'SWHardeningNeeded'], max_collateral_age_secs: 86400, mrtd: [`0x${'AB'.repeat(48)}`] },
  })
  const toml = [
    'preset = "offline"',
    `image_digests = ["${digest}"]`,
    '[gpu]',
    'expected_count = 8',
    '[tdx]',
    'accepted_tcb_statuses = ["UpToDate", "SWHardeningNeeded"]',
    'max_collateral_age_secs = 86400',
    `mrtd = ["0x${'AB'.repeat(48)}"]`,
  ].join('\n')
  const fromJson = loadPolicy(json)
  assert.deepEqual(loadPolicy(toml), fromJson)
  assert.equal(fromJson.preset, 'offline')
  assert.equal(fromJson.gpu.requireRevocation, false) // kept from the preset
  assert.equal(fromJson.gpu.expectedCount, 8)
  assert.deepEqual(fromJson.imageDigests, [digest])
  assert.equal(fromJson.tdx.maxCollateralAgeSecs, 86400)
  assert.deepEqual(fromJson.tdx.mrtd, ['ab'.repeat(48)]) // normalised hex
  for (const bad of ['{"image_digest": []}', 'offline = 1', '{"gpu": {"expected_cnt": 1}}', '{"tdx": {"accepted_tcb_statuses": ["Revoked"]}}', '[1]']) {
    throwsCode(() => loadPolicy(bad), 'invalid_argument', 'invalid argument: ')
  }
  for (const bad of [undefined, 42, { preset: 'strict' }, Buffer.from('strict')]) {
    throwsCode(() => loadPolicy(bad), 'invalid_argument', 'invalid argument: ')
  }
})

test('the policy option: a preset name, a document, a policy object or loadPolicy’s result', () => {
  const strict = real({ policy: 'strict' })
  assertMatches(byName('strict_preset'), strict)
  assert.equal(statusOf(strict, 'report.key_binding'), 'fail')
  for (const policy of [
    loadPolicy('strict'),
    { preset: 'strict' },
    { requireKeyBinding: true, requireImageDigest: true },
    '{"preset": "strict"}',
    'require_key_binding = true\nrequire_image_digest = true',
  ]) {
    assert.deepEqual(real({ policy }), strict, JSON.stringify(policy))
  }
  // Default: the `default` preset (also for null, undefined and {}).
  const byDefault = real({})
  for (const policy of [undefined, null, {}, 'default', loadPolicy('default'), { preset: null }]) {
    assert.deepEqual(real({ policy }), byDefault, JSON.stringify(policy))
  }
  // Every key of a policy object reaches the core.
  const digest = REPORT.match(/"image_digest":"(sha256:[0-9a-f]{64})"/)[1]
  assert.equal(statusOf(real({ policy: { imageDigests: [digest] } }), 'report.image_digest'), 'pass')
  assert.equal(statusOf(real({ policy: { imageDigests: [`sha256:${'00'.repeat(32)}`] } }), 'report.image_digest'), 'fail')
  assert.equal(statusOf(real({ policy: { gpu: { expectedCount: 2 } } }), 'gpu.count'), 'fail')
  assert.equal(statusOf(real({ policy: { gpu: { expectedCount: 1 } } }), 'gpu.count'), 'pass')
  assert.equal(statusOf(real({ policy: { gpu: { requireRevocation: false } } }), 'gpu.ocsp', 'gpu0'), 'warn')
  assert.equal(statusOf(real({ policy: { gpu: { requireRims: false } } }), 'gpu.driver_rim', 'gpu0'), 'warn')
  assert.equal(statusOf(real({ policy: { tdx: { acceptedTcbStatuses: ['OutOfDate'] } } }), 'tdx.tcb_status'), 'fail')
  assert.equal(statusOf(real({ policy: { tdx: { mrtd: ['11'.repeat(48)] } } }), 'tdx.measurements'), 'fail')
  const mrtd = tdxFact(byDefault, 'mrtd')
  assert.match(mrtd, /^[0-9a-f]{96}$/)
  assert.equal(statusOf(real({ policy: { tdx: { mrtd: [mrtd] } } }), 'tdx.measurements'), 'pass')
  assert.equal(statusOf(real({ policy: { tdx: { maxCollateralAgeSecs: 1 } } }), 'tdx.collateral'), 'fail')
  // The offline preset as an object, with an override.
  const offline = real({ policy: { ...loadPolicy('offline'), gpu: { ...loadPolicy('offline').gpu, expectedCount: 1 } } })
  assert.equal(statusOf(offline, 'gpu.ocsp', 'gpu0'), 'warn')
  assert.equal(statusOf(offline, 'gpu.count'), 'pass')
})

test('policy objects: camelCase keys only, typed values, unknown keys refused', () => {
  for (const policy of [
    { image_digests: [] }, // the document spelling: pass documents as text
    { imageDigest: [] },
    { gpu: { expected_count: 1 } },
    { gpu: { expectedCnt: 1 } },
    { tdx: { accepted_tcb_statuses: ['UpToDate'] } },
    { tdx: { acceptedTCBStatuses: ['UpToDate'] } },
    { strict: true },
  ]) {
    const err = throwsCode(() => real({ policy }), 'invalid_argument', 'invalid argument: ')
    assert.match(err.message, /unknown (field|key)/)
    if (JSON.stringify(policy).includes('_')) assert.match(err.message, /camelCase/)
    // Keys are named as the caller spelt them, never in the document's snake_case.
    else assert.doesNotMatch(err.message, /[a-z]_[a-z]/)
  }
  for (const policy of [
    42,
    true,
    [],
    ['strict'],
    new Date(),
    { preset: 'lenient' },
    { preset: 1 },
    { offline: 'yes' },
    { imageDigests: 'sha256:00' },
    { imageDigests: ['sha256:ABC'] },
    { imageDigests: [1] },
    { requireKeyBinding: 1 },
    { gpu: 'strict' },
    { gpu: { expectedCount: -1 } },
    { gpu: { expectedCount: 1.5 } },
    { tdx: { acceptedTcbStatuses: ['Revoked'] } },
    { tdx: { mrtd: ['zz'] } },
    { tdx: { maxCollateralAgeSecs: -1 } },
    { tdx: { allowDebug: 'false' } },
    'lenient',
    '{"image_digest": []}',
  ]) {
    throwsCode(() => real({ policy }), 'invalid_argument', 'invalid argument: ')
  }
  // null means "not set" for the limits.
  assert.deepEqual(
    real({ policy: { gpu: { expectedCount: null }, tdx: { tdAttributes: null, maxCollateralAgeSecs: null, minTcbEvalDataNumber: null } } }),
    real({}),
  )
})

test('verifyBundle: the caller’s time and policy, the bundle’s own only when asked for', () => {
  const own = verifyBundle(BUNDLE, { at: AT })
  assertMatches(byName('bundle_real'), own)
  for (const options of [{ at: AT_SECONDS }, { at: new Date(AT), policy: null }, { at: AT, policy: 'default' }]) {
    assert.deepEqual(verifyBundle(BUNDLE, options), own)
  }
  assert.deepEqual(verifyBundle(BUNDLE.toString('utf8'), { at: AT }), own)
  assert.deepEqual(verifyBundle(new Uint8Array(BUNDLE), { at: AT }), own)
  assert.equal(own.signer, SIGNER)
  assert.equal(own.facts['bundle.exchanges'], '1')
  assert.ok(own.facts.summary.length > 0)
  assert.equal(statusOf(own, 'response.signer', 'exchange0'), 'pass')
  // No options: now, under the default preset — never the bundle's own time or policy.
  for (const options of [undefined, null, {}, { at: null, policy: null }, { at: undefined }]) {
    const now = verifyBundle(BUNDLE, options)
    assert.equal(now.facts['bundle.time_source'], 'clock')
    assert.equal(now.facts['policy.source'], 'caller')
    assert.equal(statusOf(now, 'bundle.inputs'), 'pass')
  }
  const recorded = verifyBundle(BUNDLE, { at: 'recorded', policy: 'recorded' })
  assertMatches(byName('bundle_recorded'), recorded)
  assert.equal(recorded.facts['bundle.at'], AT)
  const later = verifyBundle(BUNDLE, { at: new Date('2030-01-01T00:00:00Z') })
  assertMatches(byName('bundle_later_time'), later)
  assert.deepEqual(verifyBundle(BUNDLE, { at: Date.parse('2030-01-01T00:00:00Z') / 1000 }), later)
  const strict = verifyBundle(BUNDLE, { at: AT, policy: 'strict' })
  assertMatches(byName('bundle_strict_policy'), strict)
  assert.deepEqual(verifyBundle(BUNDLE, { at: AT, policy: loadPolicy('strict') }), strict)
  assert.equal(statusOf(strict, 'report.key_binding'), 'fail')
})

test('an unreadable bundle throws invalid_argument; bad evidence inside is a verdict', () => {
  for (const bundle of ['not json', '[]', '{}', '{"format":"ccverify-bundle/0"}', '']) {
    throwsCode(() => verifyBundle(bundle), 'invalid_argument', 'invalid argument: bundle: ')
  }
  const tampered = verifyBundle(bundleOf(byName('bundle_tampered_exchange')), { at: AT })
  assert.equal(tampered.verified, false)
  assert.equal(statusOf(tampered, 'response.response_hash', 'exchange1'), 'fail')
})

test('arguments and options of the wrong type throw invalid_argument', () => {
  const options = { nonce: NONCE, at: AT }
  const cases = [
    () => verifyReport(),
    () => verifyReport(42, options),
    () => verifyReport(null, options),
    () => verifyReport({ nonce: NONCE }, options),
    () => verifyReport([1, 2], options),
    () => verifyReport(new Uint16Array(4), options),
    () => verifyReport(REPORT, NONCE),
    () => verifyReport(REPORT, [NONCE]),
    () => verifyReport(REPORT, { ...options, policy: 1 }),
    () => verifyReport(REPORT, { ...options, ocspDir: true }),
    () => verifyBundle(),
    () => verifyBundle(42),
    () => verifyBundle(BUNDLE, 'strict'),
    () => verifyBundle(BUNDLE, { at: 'later' }),
    () => verifyBundle(BUNDLE, { policy: 42 }),
    () => verifyBundle(BUNDLE, { policy: { preset: 'lenient' } }),
    () => loadPolicy(),
  ]
  for (const fn of cases) throwsCode(fn, 'invalid_argument', 'invalid argument: ')
})
