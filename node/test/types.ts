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
  verifyTdx,
  verifyReport,
  verifyBundle,
  loadPolicy,
  POLICY_PRESETS,
  type BundleOptions,
  type Check,
  type CheckStatus,
  type ErrorCode,
  type GpuOptions,
  type GpuPolicy,
  type Policy,
  type ReportOptions,
  type TdxOptions,
  type TdxPolicy,
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

const tdxVerdict: Verdict = verifyTdx('0400', Buffer.from('{}'))
verifyTdx(Buffer.alloc(0), new Uint8Array(0), null)
verifyTdx(new Uint8Array(0), '{}', undefined)
verifyTdx('0400', '{}', { nonce, at: new Date() })
verifyTdx('0400', '{}', { reportData: '00'.repeat(64), at: 1750400000 })
const tdxOptions: TdxOptions = {
  at: '2025-06-20T06:13:20Z',
  acceptedTcbStatuses: ['UpToDate', 'SWHardeningNeeded'],
  rejectedAdvisories: ['INTEL-SA-00837'],
  allowDebug: false,
  tdAttributes: '0000001000000000',
  mrtd: ['00'.repeat(48)],
  rtmr0: [],
  rtmr1: [],
  rtmr2: [],
  rtmr3: [],
  mrseam: [],
  xfam: ['e702060000000000'],
  maxCollateralAgeSecs: 30 * 86400,
  minTcbEvalDataNumber: 17,
}
verifyTdx('0400', '{}', tdxOptions)
// @ts-expect-error at is a Date, Unix seconds or RFC 3339 text
verifyTdx('0400', '{}', { at: true })
// @ts-expect-error options are camelCase: the JSON spelling is an unknown key
verifyTdx('0400', '{}', { report_data: '00' })
// @ts-expect-error allowlists are arrays of hex strings
verifyTdx('0400', '{}', { mrtd: '00' })
// @ts-expect-error allowlist entries are hex text, not bytes
verifyTdx('0400', '{}', { mrtd: [Buffer.alloc(48)] })
// @ts-expect-error the collateral is required
verifyTdx('0400')
// @ts-expect-error numbers are not bytes
verifyTdx(1, '{}')

const reportVerdict: Verdict = verifyReport('{}', { nonce })
verifyReport(Buffer.from('{}'), { nonce, policy: 'strict', at: new Date() })
verifyReport(new Uint8Array(0), { nonce, rimDir: 'rims', ocspDir: 'ocsp', collateral: '{}', at: 1750400000 })
verifyReport('{}', { nonce, collateral: Buffer.from('{}'), at: '2025-06-20T06:13:20Z' })
verifyReport('{}', { nonce, collateral: { tcb_info: '{}' }, policy: loadPolicy('offline') })
const policy: Policy = {
  preset: 'offline',
  offline: true,
  imageDigests: [`sha256:${'00'.repeat(32)}`],
  requireImageDigest: false,
  requireKeyBinding: false,
  gpu: { expectedCount: 8, expectedArch: 'HOPPER', requireRevocation: false, requireRims: true },
  tdx: { acceptedTcbStatuses: ['UpToDate'], mrtd: [], maxCollateralAgeSecs: 86400, minTcbEvalDataNumber: 17 },
}
const gpuPolicy: GpuPolicy | undefined = policy.gpu
const tdxPolicy: TdxPolicy | undefined = policy.tdx
const reportOptions: ReportOptions = { nonce, policy }
verifyReport('{}', reportOptions)
const presets: string[] = POLICY_PRESETS
const loaded: Policy = loadPolicy(presets[0] ?? 'default')
const bundleVerdict: Verdict = verifyBundle(Buffer.from('{}'))
verifyBundle('{}', null)
const bundleOptions: BundleOptions = { at: new Date(), policy: loaded }
verifyBundle(new Uint8Array(0), bundleOptions)
verifyBundle('{}', { policy: 'require_key_binding = true' })
const code: ErrorCode = 'attestation_failed'
const codes: ErrorCode[] = ['network', 'invalid_nonce', 'internal']
// @ts-expect-error the nonce is required
verifyReport('{}', {})
// @ts-expect-error the options (with the nonce) are required
verifyReport('{}')
// @ts-expect-error options are camelCase: the JSON spelling is an unknown key
verifyReport('{}', { nonce, rim_dir: 'rims' })
// @ts-expect-error policy objects are camelCase too
verifyReport('{}', { nonce, policy: { image_digests: [] } })
// @ts-expect-error preset names are 'default' | 'offline' | 'strict'
const badPreset: Policy = { preset: 'lenient' }
// @ts-expect-error gpu.expectedCount is a number
verifyReport('{}', { nonce, policy: { gpu: { expectedCount: '8' } } })
// @ts-expect-error a bundle takes only at and policy
verifyBundle('{}', { nonce })
// @ts-expect-error not an error code
const notACode: ErrorCode = 'timeout'
// @ts-expect-error loadPolicy takes text
loadPolicy({ preset: 'strict' })

export {
  reportVerdict, gpuPolicy, tdxPolicy, bundleVerdict, code, codes, badPreset, notACode,
  verified, signer, facts, status, passed, subject, all, notAStatus, alwaysSigner,
  buffer, u8, text, wrong, end, nonce, address, gpuVerdict, tdxVerdict,
}
