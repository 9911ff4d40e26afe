// Shared by client.test.mjs and fetch.test.mjs (no tests here; `node --test test/*.test.mjs`
// leaves it out): runs the CLI's sandbox gateway — a real loopback server speaking io.net's API
// and signing like the agent — as a child process. `make test-node` builds the CLI
// (target/debug/ccverify); CCVERIFY_BIN overrides the path.
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { ROOT } from './root.mjs'

export const CCVERIFY_BIN =
  process.env.CCVERIFY_BIN ?? fileURLToPath(new URL('target/debug/ccverify', ROOT))

/**
 * Starts `ccverify sandbox --port 0 --json [...args]` and resolves, once it listens, to the first
 * stdout line — `{ base_url, signing_address, model, model_id, image_digest }` — plus `stop()`.
 */
export async function startSandbox(args = []) {
  const child = spawn(CCVERIFY_BIN, ['sandbox', '--port', '0', '--json', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stderr = ''
  child.stderr.setEncoding('utf8').on('data', (text) => (stderr += text))
  const lines = createInterface({ input: child.stdout })
  const failed = new Promise((_, reject) => {
    child.once('error', (err) => reject(new Error(`cannot run ${CCVERIFY_BIN}: ${err.message}`)))
    child.once('exit', (code, signal) =>
      reject(new Error(`the sandbox exited (${code ?? signal}) before it listened: ${stderr}`)),
    )
  })
  failed.catch(() => {}) // only raced below
  let line
  try {
    ;[line] = await Promise.race([once(lines, 'line'), failed])
  } catch (err) {
    child.kill()
    throw err
  }
  lines.close()
  const info = JSON.parse(line)
  return {
    ...info,
    child,
    /** Stops the sandbox and waits for it to exit. */
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return
      const exited = once(child, 'exit')
      child.kill()
      await exited
    },
  }
}

/** An OpenAI chat body for the sandbox's echo model. */
export const chatBody = (sandbox, content, extra = {}) => ({
  model: sandbox.model,
  messages: [{ role: 'user', content }],
  ...extra,
})

/** The check with this id (and subject, `null` for none) of a verdict. */
export const findCheck = (verdict, id, subject = null) =>
  verdict.checks.find((c) => c.id === id && (c.subject ?? null) === subject)

/** The status of that check (undefined when absent). */
export const statusOf = (verdict, id, subject = null) => findCheck(verdict, id, subject)?.status
