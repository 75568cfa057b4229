// electron-builder's beforePack hook (electron-builder.yml), run once per platform and arch before
// the app is assembled: refuses to package one whose better-sqlite3 is not built for the Electron,
// platform and arch being packaged (scripts/electron-sqlite-check.ts says why).
import { createRequire } from 'node:module'

const { Arch } = createRequire(import.meta.url)('builder-util')

export default async function beforePack(context) {
  // The check shares the store's TypeScript, which tsx loads (for this import only).
  const { tsImport } = await import('tsx/esm/api')
  const { electronSqliteProblem } = await tsImport('./electron-sqlite-check.ts', import.meta.url)
  const problem = electronSqliteProblem({
    electronVersion: context.packager.info.framework.version,
    platform: context.electronPlatformName,
    arch: Arch[context.arch],
  })
  if (problem) throw new Error(problem)
}
