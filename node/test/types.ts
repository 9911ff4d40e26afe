// Compile-time checks of the generated index.d.ts (`tsc -p .` in make test-node; never run).
// Each `@ts-expect-error` line must fail to type-check, so the types are as precise as
// documented, not merely present. (tsconfig keeps skipLibCheck off: with it on, a broken
// name inside index.d.ts silently becomes `any` instead of an error.)
import {
  StreamVerifier,
  generateNonce,
  normalizeNonce,
  recoverAddress,
  verifyGpu,
  verifyResponse,
  verifyStream,
  type Check,
  type CheckStatus,
  type GpuOptions,
  type Verdict,
} from '../index.js'

const verdict: Verdict = verifyResponse(Buffer.from('{}'), new Uint8Array(0), { text: 'x' }, null)
const verified: boolean = verdict.verified
const signer: string | null = verdict.signer
const facts: Record<string, string> = verdict.facts
const checks: Check[] = verdict.checks
const first: Check | undefined = checks[0]
const status: CheckStatus | undefined = first?.status
const passed: boolean = first?.status === 'pass' || first?.status === 'warn'
const subject: string | undefined = first?.subject
const all: CheckStatus[] = ['pass', 'fail', 'skip', 'warn']
// @ts-expect-error status is exactly 'pass' | 'fail' | 'skip' | 'warn'
const notAStatus: CheckStatus = 'ok'
// @ts-expect-error signer may be null
const alwaysSigner: string = verdict.signer

verifyResponse('{}', '{}', {})
verifyResponse('{}', '{}', {}, undefined)
verifyStream('{}', Buffer.alloc(0), '0x2c7536E3605D9C16a7a3D7b1898e529396a65c23')
// @ts-expect-error numbers are not bytes
verifyResponse(1, '{}', {})
// @ts-expect-error header values are strings
verifyResponse('{}', '{}', { text: 1 })

const v = new StreamVerifier('{}', null)
const buffer: Buffer = v.update(Buffer.alloc(1))
const u8: Uint8Array = v.update(new Uint8Array(1))
const text: string = v.update('data: x\n')
// @ts-expect-error update returns the chunk's own type
const wrong: Buffer = v.update('data: x\n')
const end: Verdict = v.finish()

const nonce: string = normalizeNonce(generateNonce())
const address: string = recoverAddress('message', '0x00')

const gpuVerdict: Verdict = verifyGpu(Buffer.from('{}'), nonce)
verifyGpu(new Uint8Array(0), nonce, null)
verifyGpu('{}', nonce, undefined)
verifyGpu('{}', nonce, { at: new Date(), rimDir: 'rims', expectedCount: 8 })
verifyGpu('{}', nonce, { at: 1717200000, ocspDir: 'ocsp', expectedArch: 'HOPPER' })
const gpuOptions: GpuOptions = {
  at: '2024-06-01T00:00:00Z',
  requireRevocation: false,
  requireRims: false,
  allowExpiredRims: true,
  allowHoldForRims: true,
}
verifyGpu('{}', nonce, gpuOptions)
// @ts-expect-error at is a Date, Unix seconds or RFC 3339 text
verifyGpu('{}', nonce, { at: true })
// @ts-expect-error options are camelCase: the JSON spelling is an unknown key
verifyGpu('{}', nonce, { expected_count: 8 })
// @ts-expect-error expectedCount is a number
verifyGpu('{}', nonce, { expectedCount: '8' })
// @ts-expect-error the nonce is hex text, not bytes
verifyGpu('{}', Buffer.from(nonce))

export {
  verified, signer, facts, status, passed, subject, all, notAStatus, alwaysSigner,
  buffer, u8, text, wrong, end, nonce, address, gpuVerdict,
}
