// verifyExchanges and auditJsonl on the shared audit vectors (tests/vectors/audit): every
// exchange gets the verdict the generator expects, under the policy that lets the bundle verify
// and under the default one that does not; bad lines by number; results in order; wrong
// arguments throw invalid_argument at the call, bad records are rows with an error.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { createRequire } from 'node:module'
import { ROOT } from './root.mjs'

const require = createRequire(import.meta.url)
const { verifyExchanges, auditJsonl } = require('@ccverify/ccverify')

const AUDIT = new URL('tests/vectors/audit/', ROOT)
const EXPECTED = JSON.parse(readFileSync(new URL('expected.json', AUDIT), 'utf8'))
const LOG = readFileSync(new URL('exchanges.jsonl', AUDIT))
const POLICY = readFileSync(new URL(EXPECTED.policy, AUDIT), 'utf8')
const bundleDir = fileURLToPath(AUDIT)
const MODES = {
  test_policy: { at: EXPECTED.at, policy: POLICY, bundleDir },
  default_policy: { at: EXPECTED.at, bundleDir },
}

/** The log's records with their bytes as Buffers (the bad lines left out). */
function records() {
  const out = []
  for (const line of LOG.toString('utf8').split('\n')) {
    let r
    try {
      r = JSON.parse(line)
    } catch {
      continue
    }
    if (!('id' in r) || 'respnose' in r) continue
    for (const part of ['request', 'response', 'stream']) {
      if (`${part}_b64` in r) {
        r[part] = Buffer.from(r[`${part}_b64`], 'base64')
        delete r[`${part}_b64`]
      } else if (part in r) {
        r[part] = Buffer.from(r[part], 'utf8')
      }
    }
    out.push(r)
  }
  assert.equal(out.length, Object.keys(EXPECTED.exchanges).length)
  return out
}

function assertRows(rows, mode) {
  assert.equal(rows.length, Object.keys(EXPECTED.exchanges).length)
  for (const row of rows) {
    const want = EXPECTED.exchanges[row.id][mode]
    assert.equal(row.verified, want.verified, JSON.stringify(row))
    assert.deepEqual([...row.failed].sort(), want.failed, JSON.stringify(row))
  }
}

for (const mode of Object.keys(MODES)) {
  test(`auditJsonl matches the vectors (${mode})`, async () => {
    const report = await auditJsonl(LOG, MODES[mode])
    assertRows(report.results, mode)
    assert.deepEqual(report.summary.bad_lines.map((b) => b.line), EXPECTED.bad_lines)
    assert.equal(report.summary.exchanges, report.results.length)
    assert.match(report.results[0].source, /^log:\d+$/)
  })

  test(`verifyExchanges matches the vectors, in order (${mode})`, async () => {
    const rs = records()
    const rows = await verifyExchanges(rs, MODES[mode])
    assert.deepEqual(rows.map((r) => r.id), rs.map((r) => r.id))
    assertRows(rows, mode)
    const row = rows.find((r) => r.verified)
    assert.equal(typeof row.requestHash, 'string')
    assert.equal(row.error, null)
  })
}

test('supplied bundles are used instead of files, and io.net keys are never "attested"', async () => {
  const bundle = readFileSync(new URL('../report/bundle-test-pki.json', AUDIT))
  const rs = records().filter((r) => 'bundle' in r)
  const rows = await verifyExchanges(rs, {
    at: EXPECTED.at,
    policy: POLICY,
    bundleDir: '/nonexistent',
    bundles: { '../report/bundle-test-pki.json': bundle },
  })
  for (const row of rows) {
    const want = EXPECTED.exchanges[row.id].test_policy
    assert.equal(row.verified, want.verified)
    assert.equal(row.key, 'caveated')
  }
})

test('a record that breaks the format is a row with its error; wrong arguments throw', async () => {
  const good = records()[0]
  const rows = await verifyExchanges([good, { id: 'x', request: '{}' }, { ...good, respnose: '{}' }])
  assert.deepEqual(rows.map((r) => r.error === null), [true, false, false])
  assert.match(rows[1].error, /missing/)
  assert.match(rows[2].error, /respnose/)
  const code = (fn) => {
    try {
      fn()
    } catch (e) {
      return e.code
    }
    return 'no error'
  }
  assert.equal(code(() => verifyExchanges('x')), 'invalid_argument')
  assert.equal(code(() => verifyExchanges([1])), 'invalid_argument')
  assert.equal(code(() => verifyExchanges([], { nope: 1 })), 'invalid_argument')
  assert.equal(code(() => verifyExchanges([], { policy: 'no-such-preset' })), 'invalid_argument')
  assert.equal(code(() => auditJsonl(42)), 'invalid_argument')
})
