import { execFileSync, spawnSync } from 'node:child_process'
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { currentRuntimeAbi, readAddonAbi, type RuntimeAbi } from '../../../main/store/native-abi'
import {
  NativeModuleError,
  checkSqliteBinary,
  nativeModuleStartupMessage,
  electronBuildFolderName,
  openSqlite,
  sqliteBinaryPathFor,
  sqliteBuildDir,
} from '../../../main/store/sqlite-native'
import { makeTempDir } from '../../helpers/temp-dir'

let temp: ReturnType<typeof makeTempDir>
beforeAll(() => (temp = makeTempDir('ms-sqlite-native-')))
afterAll(() => temp.remove())
const tempDir = (name: string) => mkdtempSync(join(temp.dir, `${name}-`))

const require = createRequire(import.meta.url)
/** The binary `npm install` built on this machine, for the Node running the tests. */
const installedBinary = join(sqliteBuildDir(), 'Release', 'better_sqlite3.node')
const ortBinding = join(dirname(require.resolve('onnxruntime-node/package.json')), 'bin', 'napi-v6', process.platform, process.arch, 'onnxruntime_binding.node')
const electron45: RuntimeAbi = { runtime: 'electron', version: '45.6.1', abi: 150 }

describe('the ABI a native addon was built for, read from the binary', () => {
  it('reads better-sqlite3 as built for this Node, and onnxruntime-node as N-API', () => {
    expect(readAddonAbi(installedBinary)).toEqual({ kind: 'node-abi', abi: Number(process.versions.modules) })
    expect(readAddonAbi(ortBinding)).toEqual({ kind: 'napi' })
  })

  it('finds the symbol when it straddles two reads, and nothing in a file that is no addon', () => {
    const dir = tempDir('native-abi')
    const straddling = join(dir, 'straddling.node')
    // The scan reads 1 MiB at a time: put the symbol across that boundary.
    const before = Buffer.alloc((1 << 20) - 10, 0x41)
    writeFileSync(straddling, Buffer.concat([before, Buffer.from('node_register_module_v150\0', 'latin1')]))
    expect(readAddonAbi(straddling)).toEqual({ kind: 'node-abi', abi: 150 })
    const text = join(dir, 'not-an-addon.node')
    writeFileSync(text, 'hello')
    expect(readAddonAbi(text)).toBeNull()
  })
})

describe('the startup check of better-sqlite3 (the real binaries on this machine)', () => {
  it('passes the binary built for the runtime that loads it, which then opens a database', () => {
    const runtime = currentRuntimeAbi()
    expect(runtime).toEqual({ runtime: 'node', version: process.versions.node, abi: Number(process.versions.modules) })
    expect(sqliteBinaryPathFor(runtime)).toBe(installedBinary)
    expect(() => checkSqliteBinary(installedBinary, runtime)).not.toThrow()
    const db = openSqlite(':memory:')
    expect(db.prepare('SELECT 1 + 1 AS two').get()).toEqual({ two: 2 })
    db.close()
  })

  it('refuses it for Electron 45 (ABI 150), naming both ABIs, the file and the one command that fixes it', () => {
    let error: unknown
    try {
      checkSqliteBinary(installedBinary, electron45)
    } catch (caught) {
      error = caught
    }
    expect(error).toBeInstanceOf(NativeModuleError)
    const message = (error as Error).message
    expect(message).toContain(installedBinary)
    expect(message).toContain(`was built for ABI ${process.versions.modules}`)
    expect(message).toContain('Electron 45.6.1 needs one built for its ABI 150')
    expect(message).toContain('`npm run rebuild:electron`')
    expect((error as NativeModuleError).fixCommand).toBe('npm run rebuild:electron')

    // The app's startup dialog: from source, the message as it is; installed, no command to run.
    expect(nativeModuleStartupMessage(error as NativeModuleError, false).message).toBe(message)
    const installedApp = nativeModuleStartupMessage(error as NativeModuleError, true).message
    expect(installedApp).toContain(`was built for ABI ${process.versions.modules}`)
    expect(installedApp).not.toContain('in the Mixture Studio folder')
    expect(installedApp).toMatch(/install Mixture Studio again .* Your data was not opened and is unchanged\. \(For whoever built this package: run `npm run rebuild:electron` before electron-builder\.\)$/)
  })

  it("takes Electron's own build folder when there is one, and says it is missing when there is none", () => {
    const build = join(tempDir('sqlite-build'), 'build')
    mkdirSync(join(build, 'Release'), { recursive: true })
    copyFileSync(installedBinary, join(build, 'Release', 'better_sqlite3.node'))
    // Only Release: a packaged app rebuilt in place keeps Electron's binary there, so it is checked.
    expect(sqliteBinaryPathFor(electron45, build)).toBe(join(build, 'Release', 'better_sqlite3.node'))
    expect(() => checkSqliteBinary(sqliteBinaryPathFor(electron45, build), electron45)).toThrow(/was built for ABI \d+/)

    const own = join(build, electronBuildFolderName(150), 'better_sqlite3.node')
    mkdirSync(dirname(own))
    copyFileSync(installedBinary, own)
    expect(sqliteBinaryPathFor(electron45, build)).toBe(own)
    // Node never takes Electron's folder.
    expect(sqliteBinaryPathFor(currentRuntimeAbi(), build)).toBe(join(build, 'Release', 'better_sqlite3.node'))

    const empty = join(tempDir('sqlite-build-empty'), 'build')
    const missing = sqliteBinaryPathFor(electron45, empty)
    expect(missing).toBe(join(empty, electronBuildFolderName(150), 'better_sqlite3.node'))
    expect(() => checkSqliteBinary(missing, electron45)).toThrow(/does not exist, and Electron 45.6.1 needs one built for its ABI 150\. Build it with `npm run rebuild:electron`/)
  })

  it('calls a file that exports no module symbol damaged', () => {
    const fake = join(tempDir('sqlite-damaged'), 'better_sqlite3.node')
    writeFileSync(fake, Buffer.alloc(4096))
    expect(() => checkSqliteBinary(fake, currentRuntimeAbi())).toThrow(/is not a Node addon .* the file is damaged.*`npm rebuild better-sqlite3`/)
  })
})

/** Another Node on this machine with another ABI (Debian's /usr/bin/node beside the Node 24 the tests run on). */
function otherNode(): string | undefined {
  for (const candidate of ['/usr/bin/node', '/usr/local/bin/node']) {
    try {
      const abi = execFileSync(candidate, ['-p', 'process.versions.modules'], { encoding: 'utf8' }).trim()
      if (abi !== process.versions.modules) return candidate
    } catch {
      // not there
    }
  }
  return undefined
}

describe('a process of another runtime opening the store', () => {
  const node = otherNode()
  it.runIf(node)('is refused before SQLite loads, with the message, not a dlopen error', () => {
    const script = `import { openDatabase } from './main/store/db.ts'\nopenDatabase(${JSON.stringify(join(tempDir('sqlite-other-node'), 'studio.db'))})`
    const run = spawnSync(node!, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', cwd: join(import.meta.dirname, '..', '..', '..') })
    expect(run.status).not.toBe(0)
    expect(run.stderr).toContain(`was built for ABI ${process.versions.modules}`)
    expect(run.stderr).toMatch(/Node\.js \d+\.\d+\.\d+ needs one built for its ABI \d+\. Rebuild it with `npm rebuild better-sqlite3`/)
    expect(run.stderr).not.toContain('NODE_MODULE_VERSION')
  })
})
