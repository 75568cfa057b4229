import { spawn } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { readAddonAbi } from './native-abi'
import { electronBuildFolderName, sqliteBuildDir } from './sqlite-native'

/**
 * Builds better-sqlite3 for another runtime into its own folder beside Node's `build/Release`,
 * leaving Node's binary alone: the CLI, web mode and the tests keep loading theirs while the app
 * loads Electron's (see sqlite-native.ts). This is `npm run rebuild:electron`.
 *
 * It compiles a copy of the module's sources with node-gyp, the way Electron's docs build a native
 * module by hand (`--runtime=electron --target=<version> --dist-url=<headers>`): electron-builder's
 * and @electron/rebuild's rebuild work in place in node_modules, which would replace Node's binary.
 */
export interface SqliteBuildTarget {
  runtime: 'electron' | 'node'
  /** The runtime's version (`45.6.1`). */
  version: string
  arch?: string
  /** Local headers for the target (a Node tarball's root); else node-gyp downloads them from `distUrl`. */
  nodedir?: string
  distUrl?: string
  /** better-sqlite3's `build` folder (default: the installed one). */
  buildDir?: string
  /** Lines of node-gyp's output. */
  onOutput?: (text: string) => void
}

export const ELECTRON_HEADERS_URL = 'https://electronjs.org/headers'

/** Builds, checks the ABI of what was built, and moves it into place; returns its path. */
export async function buildSqliteBinary(target: SqliteBuildTarget): Promise<{ path: string; abi: number }> {
  const buildDir = target.buildDir ?? sqliteBuildDir()
  // The installed module's sources, whichever build folder receives the binary.
  const moduleDir = dirname(sqliteBuildDir())
  const arch = target.arch ?? process.arch
  const work = mkdtempSync(join(tmpdir(), 'mixture-studio-sqlite-build-'))
  try {
    // Only the sources: the module's own build/ holds Node's binary, which must not be touched.
    for (const part of ['binding.gyp', 'deps', 'src', 'package.json']) cpSync(join(moduleDir, part), join(work, part), { recursive: true })
    const args = [nodeGypScript(), 'rebuild', '--release', `--directory=${work}`, `--arch=${arch}`, `--target=${target.version}`]
    if (target.runtime === 'electron') args.push('--runtime=electron', `--dist-url=${target.distUrl ?? ELECTRON_HEADERS_URL}`)
    if (target.nodedir) args.push(`--nodedir=${target.nodedir}`)
    // npm sets npm_config_nodedir for scripts when the user has it configured (our CI does, for Node's
    // headers): node-gyp would take it over --target and build for Node under Electron's name.
    const env = { ...process.env }
    for (const name of Object.keys(env)) if (/^npm_config_nodedir$/i.test(name) || name === 'NODEDIR') delete env[name]
    await run(process.execPath, args, work, env, target.onOutput)

    const built = join(work, 'build', 'Release', 'better_sqlite3.node')
    const abi = readAddonAbi(built)
    if (abi?.kind !== 'node-abi') throw new Error(`node-gyp finished but ${built} exports no node_register_module symbol; nothing was installed`)
    if (target.runtime === 'electron' && abi.abi === Number(process.versions.modules)) {
      throw new Error(`node-gyp built better-sqlite3 for ABI ${abi.abi}, the ABI of the Node.js running the build, not Electron ${target.version}'s: it used Node's headers. Nothing was installed.`)
    }
    const folder = target.runtime === 'electron' ? electronBuildFolderName(abi.abi, process.platform, arch) : `node-v${abi.abi}-${process.platform}-${arch}`
    const destination = join(buildDir, folder, 'better_sqlite3.node')
    // Into place by rename, so an interrupted build never leaves half a binary where the app looks.
    mkdirSync(dirname(destination), { recursive: true })
    const staged = `${destination}.partial-${process.pid}`
    cpSync(built, staged)
    renameSync(staged, destination)
    return { path: destination, abi: abi.abi }
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
}

function nodeGypScript(): string {
  const require = createRequire(import.meta.url)
  const script = join(dirname(require.resolve('node-gyp/package.json')), 'bin', 'node-gyp.js')
  if (!existsSync(script)) throw new Error(`node-gyp is not installed (${script}); run \`npm install\` in the Mixture Studio folder`)
  return script
}

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv, onOutput?: (text: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] })
    let tail = ''
    const take = (chunk: Buffer) => {
      const text = chunk.toString('utf8')
      tail = (tail + text).slice(-4000)
      onOutput?.(text)
    }
    child.stdout.on('data', take)
    child.stderr.on('data', take)
    child.on('error', reject)
    child.on('close', (code) => {
      if (code === 0) resolve()
      else reject(new Error(`node-gyp failed (exit ${code}) building better-sqlite3; its last output:\n${tail}`))
    })
  })
}

/** The Electron in devDependencies, read from its package.json: `require('electron')` would download it. */
export function installedElectronVersion(): string {
  const require = createRequire(import.meta.url)
  return (require('electron/package.json') as { version: string }).version
}

const STAMP = 'built-for.json'

/**
 * `npm run rebuild:electron`: better-sqlite3 for the installed Electron, unless it is already built
 * for that version (a stamp beside the binary says which); `force` builds again.
 */
export async function rebuildSqliteForElectron(options: { force?: boolean; buildDir?: string; log?: (line: string) => void } = {}): Promise<string> {
  const version = installedElectronVersion()
  const buildDir = options.buildDir ?? sqliteBuildDir()
  const log = options.log ?? (() => {})
  const current = existingElectronBuild(buildDir, version)
  if (current && !options.force) {
    log(`better-sqlite3 is already built for Electron ${version}: ${current}`)
    return current
  }
  log(`Building better-sqlite3 for Electron ${version} (${process.platform}-${process.arch}); this takes a minute or two …`)
  const { path, abi } = await buildSqliteBinary({ runtime: 'electron', version, buildDir })
  writeFileSync(join(dirname(path), STAMP), `${JSON.stringify({ electron: version, abi })}\n`)
  log(`Built ${path} (ABI ${abi}).`)
  return path
}

/** The binary built for Electron `version` on `platform`-`arch`, if any (also what `npm run dist` checks before packaging). */
export function existingElectronBuild(buildDir: string, version: string, platform: string = process.platform, arch: string = process.arch): string | undefined {
  if (!existsSync(buildDir)) return undefined
  for (const folder of readdirSync(buildDir)) {
    if (!folder.startsWith('electron-v') || !folder.endsWith(`-${platform}-${arch}`)) continue
    try {
      const stamp = JSON.parse(readFileSync(join(buildDir, folder, STAMP), 'utf8')) as { electron?: string }
      const binary = join(buildDir, folder, 'better_sqlite3.node')
      if (stamp.electron === version && existsSync(binary)) return binary
    } catch {
      // no stamp: build again
    }
  }
  return undefined
}
