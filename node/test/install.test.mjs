// Under make test-node the suite runs in an empty project that installed the npm tarballs where
// no Rust toolchain could have built anything: the package and its addon must come from
// node_modules, the addon from the platform package.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { existsSync } from 'node:fs'
import { delimiter, join } from 'node:path'

const require = createRequire(import.meta.url)
const installed = process.env.CCVERIFY_EXPECT_NO_RUST === '1'

test('installed from the tarballs, without a Rust toolchain', { skip: !installed && 'only under make test-node' }, () => {
  const onPath = (name) => (process.env.PATH ?? '').split(delimiter).some((d) => d && existsSync(join(d, name)))
  assert.equal(onPath('cargo') || onPath('rustc'), false)
  const main = require.resolve('@ccverify/ccverify')
  assert.match(main, /node_modules\/@ccverify\/ccverify\/ccverify\.js$/)
  const addon = require.resolve('@ccverify/ccverify-linux-x64-gnu')
  assert.match(addon, /node_modules\/@ccverify\/ccverify-linux-x64-gnu\/ccverify\.linux-x64-gnu\.node$/)
  assert.equal(require('@ccverify/ccverify/package.json').version, require('@ccverify/ccverify-linux-x64-gnu/package.json').version)
})
