// Intel TDX quotes: the shared cases in tests/vectors/tdx/cases.json (written by the independent
// Python generator), run exactly as core/tests/tdx_vectors.rs runs them, then verifyTdx's
// JavaScript surface (argument forms, options, thrown errors and their codes).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import { ROOT } from './root.mjs'

const require = createRequire(import.meta.url)
const ccverify = require('@ccverify/ccverify')
const { verifyTdx, verifyTdxAsync } = ccverify

const TDX_DIR = new URL('tests/vectors/tdx/', ROOT)
const { cases: CASES } = JSON.parse(readFileSync(new URL('cases.json', TDX_DIR), 'utf8'))
const byName = (name) => {
  const c = CASES.find((x) => x.name === name)
  assert.ok(c, `TDX case ${name}`)
  return c
}
const collateralOf = (c) => readFileSync(new URL(c.collateral, TDX_DIR))

/** The case's `policy` object with camelCase keys, plus `at`, the trust option (`trust`, or
 *  `trust_file` as a path) and the expected REPORTDATA
 *  (`{nonce}`, `{report_data}` or null): the options core/tests/tdx_vectors.rs builds. */
function caseOptions(c) {
  const options = {}
  for (const [key, value] of Object.entries(c.policy)) {
    options[key.replace(/_([a-z0-9])/g, (_, ch) => ch.toUpperCase())] = value
  }
  options.at = c.at
  if ('trust' in c) options.trust = c.trust
  if ('trust_file' in c) options.trust = fileURLToPath(new URL(c.trust_file, TDX_DIR))
  const expected = c.expected_report_data
  if (expected !== null) {
    if ('nonce' in expected) options.nonce = expected.nonce
    else options.reportData = expected.report_data
  }
  return options
}

const findCheck = (verdict, id) => verdict.checks.find((x) => x.id === id)
const statusOf = (verdict, id) => findCheck(verdict, id)?.status

function assertMatches(c, verdict) {
  const json = JSON.stringify(verdict)
  assert.equal(verdict.verified, c.expect.verified, `${c.name}: verified: ${json}`)
  for (const want of c.expect.checks) {
    const got = findCheck(verdict, want.id)
    assert.ok(got, `${c.name}: no check ${want.id}`)
    assert.equal(got.status, want.status, `${c.name}: ${want.id}: ${got.detail}`)
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

test('the full TDX case set is present', () => {
  assert.ok(CASES.length >= 20, `expected the full TDX case set, found ${CASES.length}`)
  assert.equal(new Set(CASES.map((c) => c.name)).size, CASES.length, 'case names are unique')
})

test('every shared TDX case gives the expected verdict', async (t) => {
  for (const c of CASES) {
    await t.test(c.name, async () => {
      const verdict = verifyTdx(c.quote, collateralOf(c), caseOptions(c))
      assertMatches(c, verdict)
      // The async variant (the libuv pool) gives the same verdict.
      assert.deepEqual(await verifyTdxAsync(c.quote, collateralOf(c), caseOptions(c)), verdict)
    })
  }
})

// The real v4 quote inside its collateral window, bound to its exact REPORTDATA.
const V4 = byName('v4_uptodate')
const QUOTE = V4.quote
const COLLATERAL = collateralOf(V4)
const REPORT_DATA = V4.expected_report_data.report_data
const AT = V4.at
const AT_SECONDS = Date.parse(AT) / 1000
const BINARY = readFileSync(new URL('dcap-qvl/tdx_quote', TDX_DIR))
const run = (options) => verifyTdx(QUOTE, COLLATERAL, { at: AT, reportData: REPORT_DATA, ...options })

test('exports verifyTdx', () => {
  assert.equal(typeof verifyTdx, 'function')
  assertMatches(V4, run({}))
})

test('the quote may be hex text or the binary quote, as a Buffer, a Uint8Array or a string', () => {
  const whole = run({})
  assert.equal(whole.verified, true)
  assert.equal(BINARY.toString('hex'), QUOTE)
  for (const quote of [
    Buffer.from(QUOTE, 'utf8'),
    new Uint8Array(Buffer.from(QUOTE, 'utf8')),
    `0x${QUOTE}\n`,
    BINARY,
    new Uint8Array(BINARY),
    // A view into the middle of a larger buffer: only the viewed bytes count.
    Buffer.concat([Buffer.from('xx'), BINARY, Buffer.from('yy')]).subarray(2, 2 + BINARY.length),
  ]) {
    assert.deepEqual(verifyTdx(quote, COLLATERAL, { at: AT, reportData: REPORT_DATA }), whole)
  }
  const text = COLLATERAL.toString('utf8')
  for (const collateral of [text, new Uint8Array(COLLATERAL)]) {
    assert.deepEqual(verifyTdx(QUOTE, collateral, { at: AT, reportData: REPORT_DATA }), whole)
  }
})

test('at: a Date, Unix seconds and RFC 3339 text name the same instant', () => {
  const text = run({ at: AT })
  assert.ok(findCheck(text, 'tdx.collateral').detail.includes(AT), findCheck(text, 'tdx.collateral').detail)
  for (const at of [
    AT_SECONDS,
    new Date(AT),
    new Date(AT_SECONDS * 1000 + 999), // a Date is rounded down to its second
    '2025-06-20T08:13:20+02:00',
  ]) {
    assert.deepEqual(run({ at }), text, String(at))
  }
  // The time is used: outside the collateral's window the collateral is refused.
  for (const at of ['2025-06-15T00:00:00Z', Date.parse('2025-07-19T10:00:36Z') / 1000, new Date('2026-01-01')]) {
    const verdict = run({ at })
    assert.equal(statusOf(verdict, 'tdx.collateral'), 'fail', String(at))
    assert.equal(verdict.verified, false)
  }
})

test('without at (or without options) the system clock is used', () => {
  for (const options of [undefined, null, {}, { at: undefined }, { at: null }]) {
    const before = Math.floor(Date.now() / 1000)
    const verdict = options === undefined ? verifyTdx(QUOTE, COLLATERAL) : verifyTdx(QUOTE, COLLATERAL, options)
    const after = Math.floor(Date.now() / 1000)
    // The same verdict as at one of the seconds the call spanned.
    const same = []
    for (let at = before; at <= after; at++) same.push(verifyTdx(QUOTE, COLLATERAL, { at }))
    assert.ok(
      same.some((v) => JSON.stringify(v) === JSON.stringify(verdict)),
      `${JSON.stringify(options)}: ${JSON.stringify(verdict)}`,
    )
    // The sample collateral expired in July 2025.
    assert.equal(statusOf(verdict, 'tdx.collateral'), 'fail')
  }
})

test('undefined and null options mean the default (strict) policy', () => {
  const strict = run({})
  const unset = {
    at: AT,
    reportData: REPORT_DATA,
    nonce: null,
    tdAttributes: null,
    maxCollateralAgeSecs: null,
    minTcbEvalDataNumber: null,
    acceptedTcbStatuses: null, // null means "not set" for every key, as in every language
    rejectedAdvisories: undefined,
    allowDebug: null,
    mrtd: null,
    rtmr0: undefined,
    rtmr1: undefined,
    rtmr2: undefined,
    rtmr3: undefined,
    mrseam: undefined,
    xfam: undefined,
  }
  assert.deepEqual(verifyTdx(QUOTE, COLLATERAL, unset), strict)
  // The defaults are the strict policy: the core's, spelt out.
  const spelt = {
    acceptedTcbStatuses: ['UpToDate'],
    rejectedAdvisories: [],
    allowDebug: false,
    mrtd: [],
    rtmr0: [],
    rtmr1: [],
    rtmr2: [],
    rtmr3: [],
    mrseam: [],
    xfam: [],
  }
  assert.deepEqual(run(spelt), strict)
  assert.equal(strict.verified, true)
  assert.equal(statusOf(strict, 'tdx.measurements'), 'warn')
  // Without nonce or reportData freshness is not proven.
  const unbound = verifyTdx(QUOTE, COLLATERAL, { at: AT })
  assert.equal(statusOf(unbound, 'tdx.report_data'), 'skip')
  assert.equal(unbound.verified, false)
})

test('every policy option reaches the core', () => {
  const facts = run({}).facts
  const pinned = {
    mrtd: [facts['tdx.mrtd']],
    rtmr0: ['00'.repeat(48), facts['tdx.rtmr0']],
    rtmr1: [facts['tdx.rtmr1'].toUpperCase()],
    rtmr2: [`0x${facts['tdx.rtmr2']}`],
    rtmr3: [facts['tdx.rtmr3']],
    mrseam: [facts['tdx.mrseam']],
    xfam: [facts['tdx.xfam']],
    mrconfigid: [facts['tdx.mrconfigid']],
    mrowner: [facts['tdx.mrowner']],
    mrownerconfig: [facts['tdx.mrownerconfig']],
  }
  const all = run(pinned)
  assert.equal(statusOf(all, 'tdx.measurements'), 'pass', findCheck(all, 'tdx.measurements').detail)
  assert.ok(!findCheck(all, 'tdx.measurements').detail.includes('not pinned'))
  for (const [key, values] of Object.entries(pinned)) {
    const one = run({ [key]: values })
    assert.equal(statusOf(one, 'tdx.measurements'), 'pass', key)
    const width = key === 'xfam' ? 8 : 48
    const other = run({ [key]: ['11'.repeat(width)] })
    assert.equal(statusOf(other, 'tdx.measurements'), 'fail', key)
    assert.equal(other.verified, false, key)
  }
  assert.equal(statusOf(run({ tdAttributes: facts['tdx.td_attributes'] }), 'tdx.td_attributes'), 'pass')
  assert.equal(statusOf(run({ tdAttributes: '0000000000000000' }), 'tdx.td_attributes'), 'fail')
  assert.equal(statusOf(run({ acceptedTcbStatuses: ['OutOfDate'] }), 'tdx.tcb_status'), 'fail')
  assert.equal(statusOf(run({ acceptedTcbStatuses: ['SWHardeningNeeded', 'UpToDate'] }), 'tdx.tcb_status'), 'pass')
  assert.equal(statusOf(run({ acceptedTcbStatuses: [] }), 'tdx.tcb_status'), 'fail')
  // The sample platform is affected by no advisory.
  assert.equal(statusOf(run({ rejectedAdvisories: ['INTEL-SA-00837'] }), 'tdx.tcb_status'), 'pass')
  assert.equal(statusOf(run({ minTcbEvalDataNumber: 17 }), 'tdx.tcb_status'), 'pass')
  assert.equal(statusOf(run({ minTcbEvalDataNumber: 18 }), 'tdx.tcb_status'), 'fail')
  assert.equal(statusOf(run({ maxCollateralAgeSecs: 3600 }), 'tdx.collateral'), 'fail')
  assert.equal(statusOf(run({ maxCollateralAgeSecs: 400 * 86400 }), 'tdx.collateral'), 'pass')
  // The sample is not a debug TD: allowing debug changes nothing.
  assert.deepEqual(run({ allowDebug: true }), run({}))
  // The platform, TDX module and QE pins.
  assert.equal(statusOf(run({ fmspc: ['b0c06f000000'] }), 'tdx.tcb_status'), 'pass')
  assert.equal(statusOf(run({ minTeeTcbSvn: facts['tdx.tee_tcb_svn'] }), 'tdx.tcb_status'), 'pass')
  assert.equal(statusOf(run({ minTeeTcbSvn: '07' + '00'.repeat(15) }), 'tdx.tcb_status'), 'fail')
  assert.equal(statusOf(run({ mrsignerseam: ['11'.repeat(48)] }), 'tdx.td_attributes'), 'fail')
  assert.equal(statusOf(run({ seamAttributes: ['01' + '00'.repeat(7)] }), 'tdx.td_attributes'), 'fail')
  assert.equal(statusOf(run({ qeVendorId: '00'.repeat(16) }), 'tdx.quote_signature'), 'fail')
  assert.equal(statusOf(run({ requireSeptVeDisable: false }), 'tdx.td_attributes'), 'pass')
})

test('nonce and reportData bind REPORTDATA; bad values throw', () => {
  const nonceCase = byName('v4_nonce_rule')
  const nonce = nonceCase.expected_report_data.nonce
  const byNonce = run({ reportData: undefined, nonce })
  assertMatches(nonceCase, byNonce)
  // The nonce is normalised as the agent does.
  assert.deepEqual(run({ reportData: undefined, nonce: `0x${nonce.toUpperCase()}` }), byNonce)
  assert.deepEqual(run({ reportData: `0x${REPORT_DATA}` }), run({}))
  assert.equal(statusOf(run({ reportData: 'ab'.repeat(64) }), 'tdx.report_data'), 'fail')
  for (const bad of ['', '0x', '00'.repeat(32), 'zz', 'abc', 'ab'.repeat(33)]) {
    throwsCode(() => run({ reportData: undefined, nonce: bad }), 'invalid_nonce', 'invalid nonce: ')
  }
  for (const bad of ['', '00', 'zz'.repeat(64), 'ab'.repeat(65)]) {
    throwsCode(() => run({ reportData: bad }), 'invalid_argument', 'invalid argument: ')
  }
  const both = throwsCode(() => run({ nonce }), 'invalid_argument', 'invalid argument: ')
  assert.match(both.message, /not both/)
})

test('bad evidence never throws: it is a failed check', () => {
  for (const quote of ['', 'zz', '0400', 'Error: TDX Interface not found', Buffer.from([4, 0, 2, 0]), Buffer.from([0xff, 0xfe])]) {
    const verdict = verifyTdx(quote, COLLATERAL, { at: AT, reportData: REPORT_DATA })
    assert.equal(verdict.verified, false)
    assert.equal(statusOf(verdict, 'tdx.quote_parse'), 'fail', String(quote))
    assert.equal(verdict.signer, null)
  }
  for (const collateral of ['', 'not json', '{}', '[]', Buffer.from([0xff])]) {
    const verdict = verifyTdx(QUOTE, collateral, { at: AT, reportData: REPORT_DATA })
    assert.equal(verdict.verified, false)
    assert.equal(statusOf(verdict, 'tdx.collateral'), 'fail', String(collateral))
    assert.equal(statusOf(verdict, 'tdx.quote_signature'), 'skip', String(collateral))
  }
})

test('verdicts have the documented shape; the TD measurements are in the facts', () => {
  const verdict = run({})
  assert.deepEqual(Object.keys(verdict).sort(), ['checks', 'facts', 'signer', 'verified'])
  assert.deepEqual(verdict.checks.map((c) => c.id), [
    'tdx.quote_parse',
    'tdx.collateral',
    'tdx.quote_signature',
    'tdx.tcb_status',
    'tdx.td_attributes',
    'tdx.measurements',
    'tdx.report_data',
  ])
  for (const check of verdict.checks) {
    assert.ok(['pass', 'fail', 'skip', 'warn'].includes(check.status), check.status)
    assert.equal(typeof check.detail, 'string')
    assert.equal(check.subject, undefined)
  }
  assert.equal(verdict.signer, null)
  assert.equal(verdict.facts['tdx.tcb_status'], 'UpToDate')
  assert.equal(verdict.facts['tdx.report_data'], REPORT_DATA)
  assert.match(verdict.facts['tdx.mrtd'], /^[0-9a-f]{96}$/)
  for (const value of Object.values(verdict.facts)) assert.equal(typeof value, 'string')
})

test('arguments and options of the wrong type throw invalid_argument', () => {
  const q = QUOTE
  const c = COLLATERAL
  const cases = [
    () => verifyTdx(),
    () => verifyTdx(q),
    () => verifyTdx(42, c),
    () => verifyTdx(null, c),
    () => verifyTdx([4, 0], c),
    () => verifyTdx(new Uint16Array(4), c),
    () => verifyTdx(q, null),
    () => verifyTdx(q, { tcbInfo: '{}' }),
    () => verifyTdx(q, c, 'at=2025'),
    () => verifyTdx(q, c, 1750400000),
    () => verifyTdx(q, c, { at: true }),
    () => verifyTdx(q, c, { at: 'yesterday' }),
    () => verifyTdx(q, c, { at: 1750400000.5 }),
    () => verifyTdx(q, c, { at: NaN }),
    () => verifyTdx(q, c, { at: new Date('not a date') }),
    () => verifyTdx(q, c, { nonce: 42 }),
    () => verifyTdx(q, c, { nonce: Buffer.from('ab') }),
    () => verifyTdx(q, c, { reportData: 42 }),
    () => verifyTdx(q, c, { acceptedTcbStatuses: 'UpToDate' }),
    () => verifyTdx(q, c, { acceptedTcbStatuses: [1] }),
    () => verifyTdx(q, c, { rejectedAdvisories: 'INTEL-SA-00837' }),
    () => verifyTdx(q, c, { rejectedAdvisories: [null] }),
    () => verifyTdx(q, c, { allowDebug: 'false' }),
    () => verifyTdx(q, c, { tdAttributes: 0x10 }),
    () => verifyTdx(q, c, { tdAttributes: ['0000001000000000'] }),
    () => verifyTdx(q, c, { mrtd: '00'.repeat(48) }),
    () => verifyTdx(q, c, { mrtd: [Buffer.alloc(48)] }),
    () => verifyTdx(q, c, { rtmr0: {} }),
    () => verifyTdx(q, c, { rtmr3: [undefined] }),
    () => verifyTdx(q, c, { xfam: [42] }),
    () => verifyTdx(q, c, { maxCollateralAgeSecs: -1 }),
    () => verifyTdx(q, c, { maxCollateralAgeSecs: 1.5 }),
    () => verifyTdx(q, c, { maxCollateralAgeSecs: '3600' }),
    () => verifyTdx(q, c, { maxCollateralAgeSecs: 2 ** 60 }),
    () => verifyTdx(q, c, { minTcbEvalDataNumber: -1 }),
    () => verifyTdx(q, c, { minTcbEvalDataNumber: 2 ** 32 }),
    () => verifyTdx(q, c, { minTcbEvalDataNumber: '18' }),
  ]
  for (const fn of cases) throwsCode(fn, 'invalid_argument', 'invalid argument: ')
})

test('bad hex, wrong lengths and unknown TCB statuses throw invalid_argument', () => {
  const hex48 = '00'.repeat(48)
  for (const options of [
    { mrtd: ['zz'.repeat(48)] },
    { mrtd: ['00'] },
    { mrtd: [hex48, '00'.repeat(49)] },
    { rtmr0: [''] },
    { rtmr1: ['0x'] },
    { rtmr2: [`${hex48}0`] },
    { rtmr3: ['00'.repeat(8)] },
    { mrseam: ['g'.repeat(96)] },
    { xfam: [hex48] },
    { xfam: ['e70206000000000'] },
    { tdAttributes: '' },
    { tdAttributes: '00' },
    { tdAttributes: 'zz00000000000000' },
    { acceptedTcbStatuses: ['Fine'] },
    { acceptedTcbStatuses: ['uptodate'] },
    { acceptedTcbStatuses: ['UpToDate', 'Revoked'] },
  ]) {
    throwsCode(() => run(options), 'invalid_argument', 'invalid argument: TDX policy: ')
  }
})

test('unknown options throw invalid_argument, so a typo cannot weaken the policy', () => {
  for (const options of [
    { accepted_tcb_statuses: ['OutOfDate'] }, // the JSON / C spelling
    { report_data: REPORT_DATA },
    { acceptedTCBStatuses: ['UpToDate'] },
    { mrTd: [] },
    { allowdebug: false },
    { policy: {} },
  ]) {
    const err = throwsCode(() => verifyTdx(QUOTE, COLLATERAL, { at: AT, ...options }), 'invalid_argument')
    assert.match(err.message, /^invalid argument: TDX (options|policy): .*unknown (field|key)/)
  }
})

test('a caller-supplied trust anchor file is named in the verdict; unusable files throw', () => {
  const c = byName('tp_anchor_file')
  const options = caseOptions(c)
  const verdict = verifyTdx(c.quote, collateralOf(c), options)
  const row = findCheck(verdict, 'trust.anchors')
  assert.equal(row.status, 'warn')
  assert.ok(row.detail.includes("CALLER'S TRUST ANCHORS"), row.detail)
  const err = throwsCode(() => verifyTdx(c.quote, collateralOf(c), { ...options, trust: '/nonexistent/roots.pem' }), 'invalid_argument')
  assert.ok(err.message.includes('trust anchor file /nonexistent/roots.pem'), err.message)
  // The new policy pins, by their camelCase names.
  const pinned = verifyTdx(c.quote, collateralOf(c), { ...options, fmspc: ['00906ed50000'] })
  assert.equal(statusOf(pinned, 'tdx.tcb_status'), 'fail')
  const noSept = byName('tp_sept_required')
  const noSeptOptions = caseOptions(noSept)
  assert.equal(statusOf(verifyTdx(noSept.quote, collateralOf(noSept), noSeptOptions), 'tdx.td_attributes'), 'fail')
  const relaxed = verifyTdx(noSept.quote, collateralOf(noSept), { ...noSeptOptions, requireSeptVeDisable: false })
  assert.equal(statusOf(relaxed, 'tdx.td_attributes'), 'warn')
  assert.equal(statusOf(relaxed, 'tdx.tcb_status'), 'skip')
})
