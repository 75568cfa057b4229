#!/usr/bin/env node
// `npm run rebuild:electron [-- --force]`: better-sqlite3 built for the Electron in devDependencies,
// into its own folder beside Node's binary (main/store/sqlite-build.ts says why not in place).
// `npm start` and `npm run dist` run it first; it returns at once when the build is current.
const { register } = await import('tsx/esm/api')
register()
const { rebuildSqliteForElectron } = await import('../main/store/sqlite-build.ts')
try {
  await rebuildSqliteForElectron({ force: process.argv.includes('--force'), log: (line) => console.log(line) })
} catch (error) {
  console.error(error instanceof Error ? error.message : error)
  console.error('Building needs a C++ toolchain (build-essential and python3 on Linux, Xcode command line tools on macOS, Visual Studio Build Tools on Windows) and, the first time, network access to download Electron\'s headers.')
  process.exitCode = 1
}
