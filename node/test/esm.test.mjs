// The ESM entry points are the CommonJS modules' own objects: one addon instance, whichever way
// a user loads it.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import * as esm from '@ccverify/ccverify'
import esmDefault, { verifyResponse, CcverifyError } from '@ccverify/ccverify'
import * as esmFetch from '@ccverify/ccverify/fetch'

const require = createRequire(import.meta.url)
const cjs = require('@ccverify/ccverify')
const cjsFetch = require('@ccverify/ccverify/fetch')

test('import and require give the same exports, the same objects', () => {
  assert.equal(esmDefault, cjs)
  const names = Object.keys(esm).filter((n) => n !== 'default').sort()
  assert.deepEqual(names, Object.keys(cjs).sort())
  for (const n of names) assert.equal(esm[n], cjs[n], n)
  assert.equal(verifyResponse, cjs.verifyResponse)
  assert.equal(CcverifyError, cjs.CcverifyError)
  assert.deepEqual(
    Object.keys(esmFetch).filter((n) => n !== 'default').sort(),
    Object.keys(cjsFetch).sort(),
  )
  assert.equal(esmFetch.createVerifiedFetch, cjsFetch.createVerifiedFetch)
})

test('an ESM caller gets the same coded errors', () => {
  assert.throws(() => esm.normalizeNonce(''), (e) => e instanceof CcverifyError && e.code === 'invalid_nonce')
})
