// The verified path end to end: a session against `ccverify sandbox --evidence test` under
// policy `trust: 'test'` verifies (attestation, pinned key, plain and streamed replies, the
// bundle re-verified offline), and each fault on that path flips the verdict with its check id.
// The test PKI's keys are public: every verdict says "TEST ROOTS", and the same evidence never
// verifies under the production roots.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { startSandbox, chatBody, statusOf } from './sandbox.mjs'

const require = createRequire(import.meta.url)
const { Session, verifyBundle } = require('@ccverify/ccverify')

let bound
let unbound
before(async () => {
  bound = await startSandbox(['--evidence', 'test', '--gpus', '2', '--bind-key'])
  unbound = await startSandbox(['--evidence', 'test'])
})
after(async () => {
  await bound?.stop()
  await unbound?.stop()
})

const strict = (sb) => ({
  preset: 'strict',
  imageDigests: [sb.image_digest],
  tdx: { mrtd: [sb.mrtd] }, // a key binding proves something only for pinned code
  trust: 'test',
})

/** A session with the sandbox's gateway and test-PKI services (`fault`: a /fault/ prefix). */
const attest = (sb, policy, fault = '') => {
  const prefix = fault ? `/fault/${fault}` : ''
  return Session.attest(sb.model_id, {
    baseUrl: sb.base_url + prefix,
    policy,
    rimUrl: sb.rim_url + prefix,
    ocspUrl: sb.ocsp_url,
    pccsUrl: sb.pccs_url + prefix,
    recordExchanges: true,
    allowUnverified: true,
    strict: false,
  })
}

const blocking = (v) => [...new Set(v.checks.filter((c) => c.status === 'fail' || c.status === 'skip').map((c) => c.id))]

test('a whole session verifies end to end under the test roots', async () => {
  const session = await attest(bound, strict(bound))
  const v = session.verdict
  assert.equal(v.verified, true, blocking(v).join(', '))
  assert.equal(session.attested, true)
  assert.equal(session.signingAddress, bound.signing_address)
  assert.equal(statusOf(v, 'trust.anchors'), 'warn')
  assert.equal(statusOf(v, 'report.key_binding'), 'pass')
  assert.ok(v.facts.summary.startsWith('TEST ROOTS — proves nothing about real hardware.'))

  const r = await session.chat(chatBody(bound, 'hello'))
  assert.equal(r.verified, true, blocking(r.verdict).join(', '))
  const chunks = []
  const s = await session.chatStream(chatBody(bound, 'one two three', { stream: true }), {
    onChunk: (c) => chunks.push(c),
  })
  assert.equal(s.verified, true, blocking(s.verdict).join(', '))
  assert.ok(Buffer.concat(chunks).toString().endsWith('data: [DONE]\n\n'))

  const bundle = session.bundle()
  assert.equal(JSON.parse(bundle).exchanges.length, 2)
  const again = verifyBundle(bundle, { policy: strict(bound) })
  assert.equal(again.verified, true, blocking(again).join(', '))
  assert.equal(verifyBundle(bundle).verified, false)
  const recorded = verifyBundle(bundle, { policy: 'recorded' })
  assert.equal(recorded.verified, false)
  assert.equal(statusOf(recorded, 'trust.anchors'), undefined)
})

test('test evidence never verifies under the production roots', async () => {
  const v = (await attest(unbound, 'default')).verdict
  assert.equal(v.verified, false)
  for (const id of ['gpu.cert_chain', 'gpu.driver_rim', 'tdx.collateral']) {
    assert.ok(blocking(v).includes(id), `${id}: ${blocking(v)}`)
  }
})

for (const [which, fault, policy, check] of [
  ['unbound', 'gpu-wrong-nonce', 'default', 'gpu.nonce'],
  ['unbound', 'tampered-rim', 'default', 'gpu.driver_rim'],
  ['unbound', 'debug-td', 'default', 'tdx.td_attributes'],
  ['unbound', 'stale-collateral', 'default', 'tdx.collateral'],
  ['bound', 'relay-key', 'default', 'report.key_binding'],
  ['bound', 'relay-key', 'strict', 'report.key_binding'],
  ['unbound', 'relay-key', 'strict', 'report.key_binding'],
]) {
  test(`${fault} (${which}, ${policy}) fails ${check}`, async () => {
    const sb = which === 'bound' ? bound : unbound
    const chosen = policy === 'strict' ? strict(sb) : { trust: 'test' }
    const v = (await attest(sb, chosen, fault)).verdict
    assert.equal(v.verified, false)
    assert.ok(blocking(v).includes(check), blocking(v).join(', '))
  })
}

test('an unbound relay is only warned about', async () => {
  const session = await attest(unbound, { trust: 'test' }, 'relay-key')
  assert.equal(session.verdict.verified, true)
  assert.equal(statusOf(session.verdict, 'report.key_binding'), 'warn')
  assert.equal((await session.chat(chatBody(unbound, 'hi'))).verified, true)
})
