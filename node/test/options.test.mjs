// Options conformance: every case of tests/vectors/options/cases.json, its document (snake_case)
// keys written in camelCase as JavaScript callers write them, gives the error code every other
// language gives (or a verdict when the options are accepted).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { ROOT } from './root.mjs'

const require = createRequire(import.meta.url)
const { verifyGpu, verifyTdx, verifyReport, verifyBundle, loadPolicy } = require('@ccverify/ccverify')

const VECTORS = new URL('tests/vectors/', ROOT)
const DOC = JSON.parse(readFileSync(new URL('options/cases.json', VECTORS), 'utf8'))
const BUNDLE = readFileSync(new URL('report/bundle-real.json', VECTORS))

/** snake_case → camelCase. */
const camel = (key) => key.replace(/_([a-z0-9])/g, (_, ch) => ch.toUpperCase())

/** An options document as the camelCase object the Node API takes (collateral is data). */
function camelCase(value) {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [camel(k), k === 'collateral' ? v : camelCase(v)]),
  )
}

function run(c) {
  const options = camelCase(c.options)
  switch (c.schema) {
    case 'gpu':
      return verifyGpu('{}', DOC.gpu_nonce, options)
    case 'tdx':
      return verifyTdx('00', '{}', options)
    case 'report':
      return verifyReport('{}', options)
    case 'bundle':
      return verifyBundle(BUNDLE, options)
    case 'policy':
      return loadPolicy(JSON.stringify(c.options))
    default:
      throw new Error(`unknown schema ${c.schema}`)
  }
}

test('every options case gives the shared error code, with camelCase keys', async (t) => {
  assert.ok(DOC.cases.length >= 50, 'the full options case set')
  let ran = 0
  for (const c of DOC.cases) {
    await t.test(c.name, () => {
      if (c.error === null) {
        assert.ok(run(c))
      } else {
        let caught
        try {
          run(c)
        } catch (err) {
          caught = err
        }
        assert.ok(caught instanceof Error, `${c.name}: expected ${c.error}`)
        assert.equal(caught.code, c.error, caught.message)
        // Errors name keys as the caller wrote them (policy text keeps the document's names).
        if (c.schema !== 'policy') assert.doesNotMatch(caught.message, /`[a-z0-9]+_[a-z0-9_]+`/, caught.message)
      }
      ran++
    })
  }
  assert.equal(ran, DOC.cases.length)
})

test('the document (snake_case) spelling of a key is refused, naming the camelCase one', () => {
  let caught
  try {
    verifyGpu('{}', DOC.gpu_nonce, { expected_count: 8 })
  } catch (err) {
    caught = err
  }
  assert.equal(caught?.code, 'invalid_argument')
  assert.match(caught.message, /expectedCount/)
})
