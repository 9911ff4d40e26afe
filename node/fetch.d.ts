// Types of fetch.js: `import { createVerifiedFetch } from '@ccverify/ccverify/fetch'`.
import type { Session, Verdict } from './index.js'

/** The path suffix of the signed completions endpoint (`'/v1/private/completions'`). */
export declare const COMPLETIONS_PATH: '/v1/private/completions'

/** What {@link VerifiedFetchOptions.onVerdict} is told besides the verdict. */
export interface VerdictInfo {
  /** The request's URL. */
  url: string
  /** Whether the reply was an SSE stream (`text/event-stream`). */
  stream: boolean
}

/** What {@link VerifiedFetchCommonOptions.onUnverifiable} is told. */
export interface UnverifiableInfo {
  /** The request's URL. */
  url: string
  /** Why nothing can verify its reply. */
  reason: string
}

/** The options both forms of {@link createVerifiedFetch} take. */
export interface VerifiedFetchCommonOptions {
  /** The `fetch` to wrap (default `globalThis.fetch`). It receives a `Request`. */
  fetch?: (input: Request, init?: RequestInit) => Promise<Response>
  /**
   * Refuse what does not verify (default `true`): a plain completion rejects, a stream errors
   * at its end, with an {@link UnverifiedError}. With `false` every reply is delivered and
   * only `onVerdict` says whether it verified.
   */
  strict?: boolean
  /**
   * Called with the verdict of every completion (verified or not), once the whole reply has
   * been received — for a stream, after its last chunk was passed on. If it throws, the fetch
   * rejects (or the stream errors) with that exception.
   */
  onVerdict?: (verdict: Verdict, info: VerdictInfo) => void
  /**
   * Called for a completion request nothing signs — a `POST` to another `…/completions` path,
   * such as an OpenAI-style client's `/v1/private/chat/completions` — before a strict fetch
   * rejects it (or a lenient one sends it): such a request is never passed on silently.
   */
  onUnverifiable?: (info: UnverifiableInfo) => void
}

/** Verify against an address pinned from an attestation you verified yourself. */
export interface VerifiedFetchAddressOptions extends VerifiedFetchCommonOptions {
  /**
   * The attested signing address to require (`verifyReport(...).signer` of a verified
   * attestation). Malformed: `createVerifiedFetch` throws `invalid_address`.
   */
  signingAddress: string
  session?: never
}

/** Verify against the address a {@link Session} pinned. */
export interface VerifiedFetchSessionOptions extends VerifiedFetchCommonOptions {
  /**
   * The session whose pinned address to require. When its attestation did not verify, every
   * verdict gets a failing `session.attestation` row and is not verified (a passing row when
   * it did), exactly as `session.chat` marks its replies.
   */
  session: Pick<Session, 'signingAddress' | 'attested'>
  signingAddress?: never
}

/** The options of {@link createVerifiedFetch}: exactly one of `signingAddress` and `session`. */
export type VerifiedFetchOptions = VerifiedFetchAddressOptions | VerifiedFetchSessionOptions

/**
 * How a strict verified fetch refuses a completion: `code` is `'unverified_response'`, the
 * shared {@link ErrorCode} every binding uses for an unverified reply.
 */
export interface UnverifiedError extends Error {
  code: 'unverified_response'
  /** The verdict that did not verify (`null` for a completion request nothing signs). */
  verdict: Verdict | null
  /** The request's URL. */
  url: string
}

/**
 * Wraps `fetch` so that io.net Confidential Inference completions are verified as they pass.
 *
 * A `POST` whose URL path ends with `/v1/private/completions` is verified against the pinned
 * address: the exact request bytes are kept and the request is sent unchanged; a 2xx reply is
 * read whole and checked with `verifyResponse` (then returned as a new `Response` with the
 * same bytes, status and headers), or — for `text/event-stream` — returned as a `Response`
 * whose body is never the relayed bytes but the stream's events re-serialised by a
 * `StreamVerifier` as they arrive (`data: <payload>\n\n`, each exactly one data line the
 * agent hashed; whatever else a relay added fails `stream.coverage` and is not passed on),
 * ending in `data: [DONE]\n\n` only when the stream verified. Bytes already passed on cannot
 * be taken back: to withhold an unverified stream entirely use
 * `session.chatStream(body, { hold: true })`.
 *
 * A `POST` to `…/v1/private/chat/completions` — where an OpenAI-style client with base URL
 * `<gateway>/v1/private` posts — is sent to `…/v1/private/completions` instead and verified, so
 * `new OpenAI({ baseURL: gateway + '/v1/private', fetch: createVerifiedFetch(…) })` works as
 * is. A `POST` to any other `…/completions` path is never passed through silently: nothing signs its reply, so a strict fetch rejects it with
 * an {@link UnverifiedError} (`verdict: null`) before sending, and a lenient one sends it;
 * both tell `onUnverifiable` why. Error statuses (not 2xx), which io.net
 * never signs, and every other request (models, attestation) pass through untouched. Throws `invalid_argument` for bad options, `invalid_address` for a malformed
 * `signingAddress`.
 */
export declare function createVerifiedFetch(
  options: VerifiedFetchOptions,
): (input: string | URL | Request, init?: RequestInit) => Promise<Response>
