// Types of ccverify.js: the native addon's declarations (index.d.ts) plus ChatStream's async
// iteration.
export * from './index.js'
import type { ChatResponse, ErrorCode, Verdict } from './index.js'

/**
 * The errors ccverify throws and rejects with: `Error`s whose `code` is one of the shared
 * {@link ErrorCode} names. `err instanceof CcverifyError` holds exactly for those errors (the
 * addon creates them natively; `instanceof` is answered by their code).
 */
export declare class CcverifyError extends Error {
  readonly code: ErrorCode
}

/**
 * A strict session's unverified reply: `code` is `'unverified_response'` and `response` the
 * reply with its verdict (`null` verdict only from the fetch wrapper's refusals of requests
 * nothing signs).
 */
export declare class UnverifiedError extends CcverifyError {
  readonly code: 'unverified_response'
  readonly response?: ChatResponse
  readonly verdict?: Verdict | null
}

declare module './index.js' {
  /** `for await (const chunk of stream)`: the verified events; leaving early aborts the request. */
  interface ChatStream extends AsyncIterable<Buffer> {
    /**
     * The stream's verdict, settled at its end: resolves with the verdict (also for a stream
     * that did not verify, whose iteration rejected with `unverified_response`); rejects with
     * the error that ended the stream without one (`cancelled`, `network`, …). A partial
     * stream has no verdict: awaiting this does not read the stream, iterate it.
     */
    readonly verdict: Promise<Verdict>
  }
}
