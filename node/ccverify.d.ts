// Types of ccverify.js: the native addon's declarations (index.d.ts) plus ChatStream's async
// iteration.
export * from './index.js'

declare module './index.js' {
  /** `for await (const chunk of stream)`: the verified events; leaving early aborts the request. */
  interface ChatStream extends AsyncIterable<Buffer> {}
}
