// Median wall time of one verifyResponse call through the Node binding, measured the same
// way as bindings/node/examples/verify_timing.rs measures the Rust call. Usage (from node/):
//
//   node bench/verify_timing.mjs [DIR] [CALLS]
//
// DIR holds request.json, response.json, headers.json and optionally expected_address.txt
// (default: ../examples/exchanges/01-n1_plain). Time a release addon with
// NAPI_RS_NATIVE_LIBRARY_PATH=/path/to/ccverify.linux-x64-gnu.node.
import { readFileSync, existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join, resolve } from 'node:path'

const require = createRequire(import.meta.url)
const { verifyResponse } = require('..')

const dir = resolve(process.argv[2] ?? new URL('../../examples/exchanges/01-n1_plain', import.meta.url).pathname)
const calls = Number(process.argv[3] ?? 20000)
const request = readFileSync(join(dir, 'request.json'))
const response = readFileSync(join(dir, 'response.json'))
const headers = JSON.parse(readFileSync(join(dir, 'headers.json'), 'utf8'))
const addressFile = join(dir, 'expected_address.txt')
const expected = existsSync(addressFile)
  ? readFileSync(addressFile, 'utf8').trim()
  : '0x2c7536E3605D9C16a7a3D7b1898e529396a65c23'

const once = () => verifyResponse(request, response, headers, expected)
if (!once().verified) throw new Error('the inputs do not verify')
let sink = 0
for (let i = 0; i < calls / 10; i++) sink += once().checks.length
const times = new Float64Array(calls)
for (let i = 0; i < calls; i++) {
  const start = process.hrtime.bigint()
  sink += once().checks.length
  times[i] = Number(process.hrtime.bigint() - start) / 1000
}
times.sort()
const pct = (p) => times[Math.floor((times.length - 1) * p)]
console.log(
  `node verify_response ${dir}: ${calls} calls, median ${pct(0.5).toFixed(2)} us ` +
    `(p10 ${pct(0.1).toFixed(2)}, p90 ${pct(0.9).toFixed(2)})${sink ? '' : ' '}`,
)
