import { join } from 'node:path'
import { existingElectronBuild } from '../main/store/sqlite-build'
import { sqliteBuildDir } from '../main/store/sqlite-native'

/**
 * Why an app packaged for Electron `electronVersion` on `platform`-`arch` would not open its data,
 * or null when it would: better-sqlite3 must have been built for exactly that Electron, platform
 * and arch (`npm run rebuild:electron`, which builds for the machine it runs on), or the app
 * refuses at startup on the user's machine (main/store/sqlite-native.ts). Found here, the
 * release machine is told instead.
 */
export function electronSqliteProblem(target: { electronVersion: string; platform: string; arch: string; buildDir?: string }): string | null {
  const { electronVersion, platform, arch } = target
  const buildDir = target.buildDir ?? sqliteBuildDir()
  if (existingElectronBuild(buildDir, electronVersion, platform, arch)) return null
  const here = `${process.platform}-${process.arch}`
  const fix =
    `${platform}-${arch}` === here
      ? 'Run `npm run rebuild:electron` first (`npm run dist` does), then package again.'
      : `\`npm run rebuild:electron\` builds for the machine it runs on (${here}) only: package the ${platform}-${arch} app on a ${platform}-${arch} machine.`
  const folder = join(buildDir, `electron-v<abi>-${platform}-${arch}`)
  return `Not packaging: better-sqlite3 is not built for Electron ${electronVersion} on ${platform}-${arch} (nothing in ${folder} says so), and the app could not open its data. ${fix}`
}
