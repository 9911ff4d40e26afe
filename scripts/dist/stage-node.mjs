#!/usr/bin/env node
// stage-node.mjs NODE_DIR LICENSE OUT: lays out the npm packages in napi-rs's per-platform form,
// ready for `npm pack`:
//   OUT/main           @ccverify/ccverify: JavaScript, types, no binary; the platform package
//                      is an optional dependency, so npm installs only the one that fits
//   OUT/linux-x64-gnu  @ccverify/ccverify-linux-x64-gnu: the addon, limited by os/cpu/libc
// Both carry the version of NODE_DIR/package.json (held to the workspace's by check_versions).
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync, readdirSync } from 'node:fs'
import { join, resolve } from 'node:path'

const [nodeDir, license, out] = process.argv.slice(2).map((p) => p && resolve(p))
if (!out) {
  console.error('usage: stage-node.mjs NODE_DIR LICENSE OUT')
  process.exit(2)
}
const pkg = JSON.parse(readFileSync(join(nodeDir, 'package.json'), 'utf8'))
const triple = 'linux-x64-gnu'
const binary = `${pkg.napi.binaryName}.${triple}.node`
const platformName = `${pkg.name}-${triple}`

rmSync(out, { recursive: true, force: true })
const main = join(out, 'main')
const platform = join(out, triple)
mkdirSync(main, { recursive: true })
mkdirSync(platform, { recursive: true })

// The main package: every file its `files` names except binaries.
const listed = readdirSync(nodeDir).filter((f) =>
  pkg.files.some((pattern) => (pattern.startsWith('*') ? f.endsWith(pattern.slice(1)) : f === pattern)),
)
for (const f of listed.filter((f) => !f.endsWith('.node'))) copyFileSync(join(nodeDir, f), join(main, f))
for (const f of pkg.files.filter((p) => !p.startsWith('*'))) {
  if (!listed.includes(f)) throw new Error(`package.json lists ${f}, which node/ lacks`)
}
copyFileSync(join(nodeDir, 'README.md'), join(main, 'README.md'))
copyFileSync(license, join(main, 'LICENSE'))
const { devDependencies, scripts, ...published } = pkg
published.files = pkg.files.filter((f) => !f.endsWith('.node'))
published.optionalDependencies = { [platformName]: pkg.version }
writeFileSync(join(main, 'package.json'), JSON.stringify(published, null, 2) + '\n')

// The platform package: the addon alone.
copyFileSync(join(nodeDir, binary), join(platform, binary))
copyFileSync(license, join(platform, 'LICENSE'))
writeFileSync(
  join(platform, 'README.md'),
  `# ${platformName}\n\nThe ${triple} native addon of [${pkg.name}](https://www.npmjs.com/package/${pkg.name}).\n` +
    `Install \`${pkg.name}\`, which depends on this package where it fits; do not use it directly.\n`,
)
writeFileSync(
  join(platform, 'package.json'),
  JSON.stringify(
    {
      name: platformName,
      version: pkg.version,
      description: `${pkg.name}'s native addon for Linux x64 (glibc)`,
      license: pkg.license,
      main: binary,
      files: [binary],
      os: ['linux'],
      cpu: ['x64'],
      libc: ['glibc'],
      engines: pkg.engines,
    },
    null,
    2,
  ) + '\n',
)
console.log(`stage-node: ${main} and ${platform}`)
