'use strict'
// A `fetch` wrapper that verifies io.net Confidential Inference completions as they pass (a
// stream reaches the caller as its verified events, re-serialised, never as relayed):
// `require('@ccverify/ccverify/fetch').createVerifiedFetch(options)`. Plain JavaScript over the
// addon's verifyResponse and StreamVerifier; fetch.d.ts has the types and the documentation.

const { verifyResponse, StreamVerifier, requestStreams } = require('./index.js')

/** The path suffix of the signed completions endpoint. */
const COMPLETIONS_PATH = '/v1/private/completions'

/** Where an OpenAI-style client posts when its base URL is `<gateway>/v1/private`. */
const CHAT_PATH = '/v1/private/chat/completions'

/** The check added to every verdict when the address comes from a session. */
const SESSION_ATTESTATION = 'session.attestation'

/** How a verified stream's delivery ends (StreamVerifier.tail() adds it only then). */
const DONE_EVENT = Buffer.from('data: [DONE]\n\n')

const OPTION_KEYS = ['signingAddress', 'session', 'fetch', 'strict', 'onVerdict', 'onUnverifiable']

/** An `Error` with a `code`, as the addon throws them. */
function codedError(code, message, extra) {
  const err = new Error(message)
  err.code = code
  return Object.assign(err, extra)
}

const invalidArgument = (message) => codedError('invalid_argument', `verified fetch: ${message}`)

/** The URL and method a fetch call would use, without consuming anything. */
function target(input, init) {
  let url
  let method
  if (typeof input === 'string' || input instanceof URL) {
    url = String(input)
    method = 'GET'
  } else if (input !== null && typeof input === 'object' && typeof input.url === 'string') {
    url = input.url
    method = typeof input.method === 'string' ? input.method : 'GET'
  } else {
    return null
  }
  if (init != null && typeof init.method === 'string') method = init.method
  let pathname
  try {
    pathname = new URL(url).pathname
  } catch {
    return null
  }
  return { url, method: method.toUpperCase(), pathname }
}

/** Whether a call is a signed completion: a POST to a path ending in /v1/private/completions. */
function isCompletion(t) {
  return t !== null && t.method === 'POST' && t.pathname.endsWith(COMPLETIONS_PATH)
}

/**
 * Whether a call asks for a completion that nothing signs: a POST to any other `…/completions`
 * path (`/v1/private/chat/completions`, `/v1/chat/completions`, …), which is where an
 * OpenAI-style client posts unless it is pointed at the signed endpoint.
 */
function isUnsignedCompletion(t) {
  return t !== null && t.method === 'POST' && /\/completions\/?$/.test(t.pathname) && !isCompletion(t)
}

/** A one-line reason for a verdict that did not verify. */
function failures(verdict) {
  const bad = verdict.checks.filter((c) => c.status === 'fail' || c.status === 'skip')
  if (bad.length === 0) return 'not verified'
  return bad.map((c) => `${c.id} ${c.status}: ${c.detail}`).join('; ')
}

function createVerifiedFetch(options) {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw invalidArgument('options must be an object')
  }
  for (const key of Object.keys(options)) {
    if (!OPTION_KEYS.includes(key)) throw invalidArgument(`unknown option ${JSON.stringify(key)}`)
  }
  const { signingAddress, session, onVerdict, onUnverifiable } = options
  const inner = options.fetch ?? globalThis.fetch
  const strict = options.strict ?? true
  if (typeof inner !== 'function') {
    throw invalidArgument('options.fetch must be a function (no global fetch in this runtime)')
  }
  if (typeof strict !== 'boolean') throw invalidArgument('options.strict must be a boolean')
  if (onVerdict != null && typeof onVerdict !== 'function') {
    throw invalidArgument('options.onVerdict must be a function')
  }
  if (onUnverifiable != null && typeof onUnverifiable !== 'function') {
    throw invalidArgument('options.onUnverifiable must be a function')
  }
  if ((signingAddress == null) === (session == null)) {
    throw invalidArgument('give exactly one of options.signingAddress and options.session')
  }
  if (signingAddress != null && typeof signingAddress !== 'string') {
    throw invalidArgument('options.signingAddress must be a string')
  }
  if (session != null && (typeof session !== 'object' || !('signingAddress' in session))) {
    throw invalidArgument('options.session must be a Session')
  }
  // Read once: a session's address and attestation never change.
  const address = session != null ? session.signingAddress : signingAddress
  const attested = session != null ? session.attested === true : null
  // Fails now (invalid_address) rather than at the first completion.
  if (address != null) new StreamVerifier('', address)

  /** The session's row, as the core adds it to every exchange verdict of a session. */
  function judged(verdict) {
    if (attested === null) return verdict
    verdict.checks.push(
      attested
        ? {
            id: SESSION_ATTESTATION,
            status: 'pass',
            detail: 'the attestation that pinned the signing key verified',
          }
        : {
            id: SESSION_ATTESTATION,
            status: 'fail',
            detail:
              'the attestation that pinned the signing key did NOT verify: the signature proves only who signed',
          },
    )
    verdict.verified = verdict.verified && attested
    return verdict
  }

  /** Reports the verdict; the error to raise in strict mode, if any. */
  function conclude(verdict, url, stream) {
    if (onVerdict != null) onVerdict(verdict, { url, stream })
    if (strict && !verdict.verified) {
      return codedError('unverified_response', `unverified completion from ${url}: ${failures(verdict)}`, {
        verdict,
        url,
      })
    }
    return null
  }

  return async function verifiedFetch(input, init) {
    let t = target(input, init)
    if (t !== null && t.method === 'POST' && t.pathname.endsWith(CHAT_PATH)) {
      // An OpenAI-style client's chat completion: sent to the signed endpoint, and verified.
      const original = new Request(input, init)
      const url = new URL(t.url)
      url.pathname = url.pathname.slice(0, -CHAT_PATH.length) + COMPLETIONS_PATH
      input = new Request(url, {
        method: 'POST',
        headers: original.headers,
        body: await original.arrayBuffer(),
        signal: original.signal,
        redirect: original.redirect,
      })
      init = undefined
      t = target(input, init)
    }
    if (isUnsignedCompletion(t)) {
      // Never a silent pass-through: refused (strict) or flagged to onUnverifiable.
      const reason =
        `${t.method} ${t.pathname} is not the signed endpoint: only POST …${COMPLETIONS_PATH} ` +
        'replies are signed, so this one cannot be verified'
      if (onUnverifiable != null) onUnverifiable({ url: t.url, reason })
      if (strict) throw codedError('unverified_response', `verified fetch: ${reason}`, { verdict: null, url: t.url })
      return inner(input, init)
    }
    if (!isCompletion(t)) return inner(input, init)
    // The exact bytes sent: read from a copy of the request, the original is sent.
    const request = new Request(input, init)
    const sent = request.clone()
    const body = Buffer.from(await request.arrayBuffer())
    const res = await inner(sent)
    // Error replies are never signed: passed through as they are.
    if (!res.ok) return res
    const url = t.url
    const contentType = res.headers.get('content-type') ?? ''
    const init2 = { status: res.status, statusText: res.statusText, headers: res.headers }
    // A stream is what the request asked for (the agent's rule), whatever content-type a relay
    // puts on the reply: such a reply is only ever handed on as verified events.
    const isStream = requestStreams(body) || contentType.toLowerCase().includes('text/event-stream')
    if (!isStream) {
      const reply = Buffer.from(await res.arrayBuffer())
      const verdict = judged(verifyResponse(body, reply, Object.fromEntries(res.headers), address))
      const err = conclude(verdict, url, false)
      if (err !== null) throw err
      return withUrl(new Response(reply, init2), res.url)
    }
    const verifier = new StreamVerifier(body, address)
    const reader = res.body === null ? null : res.body.getReader()
    const stream = new ReadableStream({
      async pull(controller) {
        try {
          // Only the verified events, re-serialised, are handed on: never the relayed bytes.
          for (;;) {
            const next = reader === null ? { done: true } : await reader.read()
            if (next.done) break
            const events = verifier.update(next.value)
            if (events.length > 0) {
              controller.enqueue(events)
              return
            }
          }
          const verdict = judged(verifier.finish())
          const err = conclude(verdict, url, true)
          if (err !== null) {
            controller.error(err)
            return
          }
          let tail = verifier.tail()
          // The end marker only when the session's attestation verified too.
          if (!verdict.verified && tail.subarray(-DONE_EVENT.length).equals(DONE_EVENT)) {
            tail = tail.subarray(0, tail.length - DONE_EVENT.length)
          }
          if (tail.length > 0) controller.enqueue(tail)
          controller.close()
        } catch (err) {
          controller.error(err)
        }
      },
      cancel(reason) {
        return reader === null ? undefined : reader.cancel(reason)
      },
    })
    return withUrl(new Response(stream, init2), res.url)
  }
}

/** Keeps the original response's `url` on the rebuilt one. */
function withUrl(response, url) {
  if (url) Object.defineProperty(response, 'url', { value: url, enumerable: true })
  return response
}

module.exports = { createVerifiedFetch, COMPLETIONS_PATH }
