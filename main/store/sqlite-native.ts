import { existsSync } from 'node:fs'
import BetterSqlite3 from 'better-sqlite3'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { currentRuntimeAbi, describeRuntime, readAddonAbi, type RuntimeAbi } from './native-abi'

/**
 * better-sqlite3 is a V8 addon: one binary loads in exactly one runtime ABI. One install serves
 * two runtimes, Node (CLI, web mode, tests: `build/Release`, built by `npm install`) and Electron
 * (the app and its job processes: `build/electron-v<abi>-<platform>-<arch>`, built by `npm run
 * rebuild:electron`, which `npm start` and `npm run dist` run first). Each process picks the one
 * built for it and checks it before SQLite is opened: a mismatched addon fails to load with
 * "NODE_MODULE_VERSION 137 ... requires 150", which names neither the file nor the fix.
 */

/** The one command that builds the binary a runtime needs. */
export function sqliteFixCommand(runtime: RuntimeAbi): string {
  return runtime.runtime === 'electron' ? 'npm run rebuild:electron' : 'npm rebuild better-sqlite3'
}

/** better-sqlite3's `build` folder in the install this process loads. */
export function sqliteBuildDir(): string {
  const require = createRequire(import.meta.url)
  return join(dirname(require.resolve('better-sqlite3/package.json')), 'build')
}

/** The folder `npm run rebuild:electron` builds into, beside Node's `Release`. */
export function electronBuildFolderName(abi: number, platform: string = process.platform, arch: string = process.arch): string {
  return `electron-v${abi}-${platform}-${arch}`
}

/** Where this runtime's binary is: Electron's own folder when built, else the default one. */
export function sqliteBinaryPathFor(runtime: RuntimeAbi, buildDir: string = sqliteBuildDir()): string {
  const release = join(buildDir, 'Release', 'better_sqlite3.node')
  if (runtime.runtime === 'node') return release
  const own = join(buildDir, electronBuildFolderName(runtime.abi), 'better_sqlite3.node')
  // A packaged app whose modules were rebuilt in place for Electron keeps it in Release.
  return existsSync(own) || !existsSync(release) ? own : release
}

export class NativeModuleError extends Error {
  constructor(
    message: string,
    readonly binaryPath: string,
    readonly fixCommand: string,
  ) {
    super(message)
    this.name = 'NativeModuleError'
  }
}

/**
 * Refuses, with what was found, what is needed and the fix, unless `binaryPath` was built for
 * `runtime`. Reads the file; never loads it.
 */
export function checkSqliteBinary(binaryPath: string, runtime: RuntimeAbi): void {
  const fix = sqliteFixCommand(runtime)
  const needs = `${describeRuntime(runtime)} needs one built for its ABI ${runtime.abi}`
  if (!existsSync(binaryPath)) {
    throw new NativeModuleError(
      `Mixture Studio's database module (better-sqlite3) is not built for this runtime: ${binaryPath} does not exist, and ${needs}. Build it with \`${fix}\` in the Mixture Studio folder.`,
      binaryPath,
      fix,
    )
  }
  const built = readAddonAbi(binaryPath)
  if (built === null) {
    throw new NativeModuleError(
      `Mixture Studio's database module ${binaryPath} is not a Node addon (it exports no node_register_module symbol): the file is damaged. ${describeRuntime(runtime)} needs one built for its ABI ${runtime.abi}; rebuild it with \`${fix}\`.`,
      binaryPath,
      fix,
    )
  }
  // An N-API build would load anywhere; better-sqlite3 is not one today, but it would be fine.
  if (built.kind === 'napi' || built.abi === runtime.abi) return
  throw new NativeModuleError(
    `Mixture Studio's database module ${binaryPath} was built for ABI ${built.abi}${knownRuntimeOf(built.abi)}, but ${needs}. Rebuild it with \`${fix}\` in the Mixture Studio folder.`,
    binaryPath,
    fix,
  )
}

/** The runtimes whose ABI a message may name (node-abi's table, for the versions we meet). */
const KNOWN_ABIS: Record<number, string> = {
  115: 'Node.js 20',
  127: 'Node.js 22',
  137: 'Node.js 24',
  141: 'Node.js 25',
  145: 'Electron 41',
  146: 'Electron 42',
  148: 'Electron 43',
  149: 'Electron 44',
  150: 'Electron 45',
}

function knownRuntimeOf(abi: number): string {
  return KNOWN_ABIS[abi] ? ` (${KNOWN_ABIS[abi]})` : ''
}

let checkedBinary: string | undefined

/**
 * The checked binary for this process, for better-sqlite3's `nativeBinding` option. Checked once
 * per process; throws NativeModuleError before anything is opened.
 */
export function sqliteNativeBinding(): string {
  if (checkedBinary) return checkedBinary
  const runtime = currentRuntimeAbi()
  const path = sqliteBinaryPathFor(runtime)
  checkSqliteBinary(path, runtime)
  checkedBinary = path
  return path
}

/** A better-sqlite3 connection through this runtime's checked binary: the store's one way in. */
export function openSqlite(path: string, options: BetterSqlite3.Options = {}): BetterSqlite3.Database {
  return new BetterSqlite3(path, { ...options, nativeBinding: sqliteNativeBinding() })
}

/**
 * The startup dialog's text for a NativeModuleError. From source the fix is the command; an
 * installed app cannot run it, so the user is told to reinstall and the packager what was missed.
 */
export function nativeModuleStartupMessage(error: NativeModuleError, packaged: boolean): { title: string; message: string } {
  const title = "Mixture Studio's database module does not fit this app"
  if (!packaged) return { title, message: error.message }
  const what = error.message.replace(/ (Rebuild|Build) it with `[^`]+`( in the Mixture Studio folder)?\.$/, '')
  return {
    title,
    message: `${what}\n\nThis installation is incomplete: install Mixture Studio again from its release page. Your data was not opened and is unchanged. (For whoever built this package: run \`${error.fixCommand}\` before electron-builder.)`,
  }
}
