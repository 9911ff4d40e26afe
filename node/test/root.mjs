// Where the shared test data lives: the repository root. The suite also runs from a copy in an
// empty project that installed the npm tarballs (make test-node); CCVERIFY_ROOT points it back.
import { pathToFileURL } from 'node:url'

const given = process.env.CCVERIFY_ROOT
export const ROOT = given
  ? pathToFileURL(given.endsWith('/') ? given : `${given}/`)
  : new URL('../../', import.meta.url)
