#!/usr/bin/env node
// The `mixture-studio` command. It runs the TypeScript sources through tsx so that the CLI,
// web mode and job processes use exactly the code the tests exercise.
const [major, minor] = process.versions.node.split('.').map(Number)
if (major < 22 || (major === 22 && minor < 12)) {
  // Checked before anything loads: on an older Node the first failure would be a native module's
  // ABI or a missing API, far from the cause.
  console.error(`mixture-studio needs Node.js 22.12 or newer; this is ${process.version}. Install Node 24 LTS (https://nodejs.org), then run \`npm rebuild\` in the Mixture Studio folder.`)
  process.exit(1)
}
const { register } = await import('tsx/esm/api')
register()
// Before anything imports onnxruntime-node: the CUDA support the System page installs lives in the
// data folder, and its binding can only replace the bundled one before the first import.
const { useInstalledCudaRuntime } = await import('../main/runtime/binding-redirect.ts')
const { defaultDataDir } = await import('../main/store/data-dir.ts')
useInstalledCudaRuntime(defaultDataDir())
const { main } = await import('../main/cli/index.ts')
process.exitCode = await main(process.argv.slice(2))
