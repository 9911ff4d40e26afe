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
  verifyReportAsync,
  verifyBundleAsync,
  verifyGpuAsync,
  verifyTdxAsync,
  loadPolicy,
  POLICY_PRESETS,
  verifyExchanges,
  auditJsonl,
  type ExchangeResult,
  type AuditReport,
  Session,
  listModels,
  type BundleOptions,
  type ChatResponse,
  type ChatStream,
  type ChatStreamOptions,
  type ClientConfig,
  type Model,
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
  CcverifyError,
  UnverifiedError as UnverifiedReplyError,
} from '@ccverify/ccverify'
import {
  createVerifiedFetch,
  COMPLETIONS_PATH,
  type UnverifiedError,
  type VerdictInfo,
  type VerifiedFetchOptions,
} from '@ccverify/ccverify/fetch'

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
const fromU8: Buffer = v.update(new Uint8Array(1))
const fromText: Buffer = v.update('data: x\n')
// @ts-expect-error update returns the verified events as a Buffer, never the chunk itself
const wrong: string = v.update('data: x\n')
const end: Verdict = v.finish()
const last: Buffer = v.tail()

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
// The async variants: the same arguments, a promise of the same verdict.
async function offVerifications(): Promise<Verdict[]> {
  const verdicts: Verdict[] = [
    await verifyReportAsync('{}', { nonce, policy: 'offline' }),
    await verifyBundleAsync(Buffer.from('{}'), { policy: 'recorded' }),
    await verifyGpuAsync('{}', nonce, { at: new Date() }),
    await verifyTdxAsync('0400', '{}', null),
  ]
  // @ts-expect-error a promise, not a verdict
  const notAwaited: Verdict = verifyReportAsync('{}', { nonce })
  void notAwaited
  return verdicts
}
void offVerifications
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

// The io.net client (never run: these only type-check).
async function client(): Promise<void> {
  const config: ClientConfig = {
    baseUrl: 'http://127.0.0.1:8400',
    apiKey: 'key',
    timeoutMs: 5000,
    retries: 3,
    backoffMs: 100,
    policy: 'offline',
    allowUnverified: true,
    rimDir: 'rims',
    ocspDir: 'ocsp',
    collateral: { tcb_info: '{}' },
    pccsUrl: 'https://pccs.example',
    at: new Date(),
    recordExchanges: true,
    headers: { 'x-org': 'acme' },
  }
  const session: Session = await Session.attest('model-uuid', config)
  await Session.attest('model-uuid')
  await Session.attest('model-uuid', { policy: loadPolicy('strict'), at: 1750400000 })
  const attestation: Verdict = session.verdict
  const attestedNow: boolean = session.attested
  const pinned: string | null = session.signingAddress
  const modelId: string = session.modelId
  const sentNonce: string = session.nonce
  const bundleText: string = session.bundle()
  const reply: ChatResponse = await session.chat({ model: 'm', messages: [] })
  await session.chat('{}')
  await session.chat(Buffer.from('{}'))
  const replyBody: Buffer = reply.body
  const sent: Buffer = reply.request
  const pairs: Array<[string, string]> = reply.headers
  const asRecord: Record<string, string> = Object.fromEntries(reply.headers)
  const flags: boolean[] = [reply.verified, reply.attested, reply.stream]
  const httpStatus: number = reply.status
  const streamOptions: ChatStreamOptions = { hold: false, onChunk: (chunk: Buffer) => void chunk.length }
  const streamed: ChatResponse = await session.chatStream({ stream: true }, streamOptions)
  await session.chatStream('{}')
  await session.chatStream('{}', { hold: true })
  const models: Model[] = await listModels({ baseUrl: 'http://127.0.0.1:8400' })
  const first: Model | undefined = models[0]
  const uuid: string | undefined = first?.modelId
  const attestable: boolean | undefined = first?.supportsAttestation
  await listModels()
  // @ts-expect-error config keys are camelCase
  await Session.attest('m', { base_url: 'x' })
  // @ts-expect-error timeoutMs is a number
  await Session.attest('m', { timeoutMs: '5' })
  // @ts-expect-error header values are strings
  await Session.attest('m', { headers: { 'x-n': 1 } })
  // @ts-expect-error the model id is a string
  await Session.attest(1)
  // @ts-expect-error onChunk receives a Buffer
  await session.chatStream('{}', { onChunk: (chunk: string) => chunk })
  // @ts-expect-error the body is bytes, text or an object
  await session.chat(1)
  // @ts-expect-error the signing address is read-only information, not a method
  session.signingAddress()
  // @ts-expect-error headers are pairs, not a record
  const notARecord: Record<string, string> = reply.headers

  // A pulled stream: an async iterable of Buffers, then its response and verdict.
  const stream: ChatStream = session.stream({ model: 'm', messages: [], stream: true }, { hold: false })
  for await (const chunk of stream) {
    const b: Buffer = chunk
    void b
  }
  const ended: ChatResponse | null = stream.response
  const streamVerdict: Verdict = await stream.verdict
  // @ts-expect-error the verdict is a promise, settled at the end
  const notYet: Verdict = stream.verdict
  void notYet
  const next: Buffer | null = await stream.nextChunk()
  void [ended, streamVerdict, next]
  stream.cancel()

  // The error classes: instanceof narrows to the shared codes.
  try {
    await session.chat({ model: 'm', messages: [] })
  } catch (err) {
    if (err instanceof UnverifiedReplyError) {
      const unverifiedCode: 'unverified_response' = err.code
      const carried: ChatResponse | undefined = err.response
      void [unverifiedCode, carried]
    } else if (err instanceof CcverifyError) {
      const anyCode: ErrorCode = err.code
      void anyCode
    }
  }

  // The fetch wrapper.
  const seen: Array<[Verdict, VerdictInfo]> = []
  const options: VerifiedFetchOptions = {
    signingAddress: '0x2c7536E3605D9C16a7a3D7b1898e529396a65c23',
    strict: false,
    onVerdict: (verdict, info) => void seen.push([verdict, info]),
  }
  const verifiedFetch = createVerifiedFetch(options)
  const res: Response = await verifiedFetch('http://127.0.0.1:8400' + COMPLETIONS_PATH, {
    method: 'POST',
    body: '{}',
  })
  await verifiedFetch(new URL('http://127.0.0.1:8400/v1/models'))
  await verifiedFetch(new Request('http://127.0.0.1:8400/v1/models'))
  createVerifiedFetch({ session })
  createVerifiedFetch({ session, fetch: globalThis.fetch, onVerdict: (v) => void v.verified })
  const path: '/v1/private/completions' = COMPLETIONS_PATH
  try {
    await res.text()
  } catch (err) {
    const unverified = err as UnverifiedError
    const refused: 'unverified_response' = unverified.code
    const why: Verdict | null = unverified.verdict
    void [refused, why, unverified.url]
  }
  // @ts-expect-error exactly one of signingAddress and session
  createVerifiedFetch({ signingAddress: '0x00', session })
  // @ts-expect-error one of signingAddress and session is required
  createVerifiedFetch({ strict: true })
  // @ts-expect-error strict is a boolean
  createVerifiedFetch({ signingAddress: '0x00', strict: 'yes' })
  void [attestation, attestedNow, pinned, modelId, sentNonce, bundleText, replyBody, sent, pairs]
  void [asRecord, flags, httpStatus, streamed, uuid, attestable, notARecord, path]
}

export {
  client,
  reportVerdict, gpuPolicy, tdxPolicy, bundleVerdict, code, codes, badPreset, notACode,
  verified, signer, facts, status, passed, subject, all, notAStatus, alwaysSigner,
  buffer, fromU8, fromText, wrong, end, last, nonce, address, gpuVerdict, tdxVerdict,
}

// Audits: results in order, keys as a closed set of names, the summary's snake_case names.
async function audits(): Promise<void> {
  const rows: ExchangeResult[] = await verifyExchanges(
    [{ id: 'a', request: Buffer.from('{}'), response: '{}', headers: { text: 'x' }, address: '0x00' }],
    { at: new Date(), policy: 'strict', bundleDir: '.', bundles: { 'b.json': Buffer.from('{}') } },
  )
  const key: 'attested' | 'caveated' | 'named' | 'none' = rows[0].key
  const signer: string | null = rows[0].signer
  void key, signer
  const report: AuditReport = await auditJsonl('{}', null)
  const bad: number = report.summary.bad_lines[0].line
  void bad
  // @ts-expect-error verifyExchanges takes an array of records, not one
  await verifyExchanges({ id: 'a' })
}
void audits
