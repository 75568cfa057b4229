import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { installedElectronVersion } from '../../../main/store/sqlite-build'
import { electronSqliteProblem } from '../../../scripts/electron-sqlite-check'
import { makeTempDir } from '../../helpers/temp-dir'

// electron-builder runs scripts/before-pack.mjs before it assembles each platform's app: an app
// whose better-sqlite3 was not built for its Electron, platform and arch must not be packaged.
const projectDir = resolve(__dirname, '../../..')
const electron = installedElectronVersion()

let temp: ReturnType<typeof makeTempDir>
beforeEach(() => {
  temp = makeTempDir('mixture-studio-before-pack-')
})
afterEach(() => temp.remove())

/** A build folder as `npm run rebuild:electron` leaves it: the binary and the stamp saying for which Electron. */
function builtFor(folder: string, electronVersion: string): void {
  const dir = join(temp.dir, folder)
  mkdirSync(dir, { recursive: true })
  writeFileSync(join(dir, 'better_sqlite3.node'), 'binary')
  writeFileSync(join(dir, 'built-for.json'), JSON.stringify({ electron: electronVersion, abi: 150 }))
}

describe("packaging checks better-sqlite3's Electron build first", () => {
  it('packages when it is built for the Electron, platform and arch being packaged', () => {
    builtFor('electron-v150-linux-x64', electron)
    builtFor('electron-v150-darwin-arm64', electron)
    expect(electronSqliteProblem({ electronVersion: electron, platform: 'linux', arch: 'x64', buildDir: temp.dir })).toBeNull()
    expect(electronSqliteProblem({ electronVersion: electron, platform: 'darwin', arch: 'arm64', buildDir: temp.dir })).toBeNull()
  })

  it('refuses a build for another Electron, platform or arch, naming what is missing and the fix', () => {
    builtFor('electron-v149-linux-x64', '44.2.0')
    builtFor('electron-v150-linux-arm64', electron)
    const problem = electronSqliteProblem({ electronVersion: electron, platform: 'linux', arch: 'x64', buildDir: temp.dir })
    expect(problem).toContain(`not built for Electron ${electron} on linux-x64`)
    expect(problem).toContain(join(temp.dir, 'electron-v<abi>-linux-x64'))
    if (process.platform === 'linux' && process.arch === 'x64') expect(problem).toContain('Run `npm run rebuild:electron` first')
    // rebuild:electron cannot build for another machine: the message says where to package instead.
    const elsewhere = electronSqliteProblem({ electronVersion: electron, platform: 'win32', arch: 'arm64', buildDir: temp.dir })
    expect(elsewhere).toContain(`builds for the machine it runs on (${process.platform}-${process.arch}) only: package the win32-arm64 app on a win32-arm64 machine`)
  })

  it('is the beforePack hook electron-builder.yml names, and refuses to package without the build', async () => {
    const config = parse(readFileSync(join(projectDir, 'electron-builder.yml'), 'utf8'))
    expect(config.beforePack).toBe('./scripts/before-pack.mjs')
    const hook = (await import(pathToFileURL(join(projectDir, config.beforePack)).href)) as { default: (context: unknown) => Promise<void> }
    const { Arch } = createRequire(import.meta.url)('builder-util') as { Arch: Record<string, number> }
    // What electron-builder passes (BeforePackContext), for a platform nobody builds better-sqlite3 for here.
    const context = { electronPlatformName: 'win32', arch: Arch.arm64, packager: { info: { framework: { version: electron } } } }
    await expect(hook.default(context)).rejects.toThrow(`Not packaging: better-sqlite3 is not built for Electron ${electron} on win32-arm64`)
  })
})
