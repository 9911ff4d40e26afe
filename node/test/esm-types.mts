// Compile-time checks that TypeScript's ESM resolution (`import` from a .mts file, module
// nodenext) finds the package's types: ccverify.d.mts and fetch.d.mts. Never run.
import ccverify, { verifyResponse, normalizeNonce, CcverifyError, type Verdict, type ErrorCode } from '@ccverify/ccverify'
import fetchModule, { createVerifiedFetch, COMPLETIONS_PATH } from '@ccverify/ccverify/fetch'

const verdict: Verdict = verifyResponse(new Uint8Array(0), new Uint8Array(0), {}, null)
const ok: boolean = verdict.verified && ccverify.verifyResponse === verifyResponse
const nonce: string = normalizeNonce('00'.repeat(32))
const path: '/v1/private/completions' = COMPLETIONS_PATH
const same: boolean = fetchModule.createVerifiedFetch === createVerifiedFetch
function codeOf(e: unknown): ErrorCode | undefined {
  return e instanceof CcverifyError ? e.code : undefined
}
// @ts-expect-error verifyResponse needs the response bytes
verifyResponse(new Uint8Array(0))
export { ok, nonce, path, same, codeOf }
