import type { Stats } from 'node:fs'
import { createRequire } from 'node:module'
import { relative, sep } from 'node:path'
import type * as AppBuilder from 'app-builder-lib'

/**
 * The files electron-builder puts in the app (resources/app.asar and app.asar.unpacked) for one
 * platform and arch, computed by electron-builder itself from electron-builder.yml and the built
 * tree, without the Electron binary it cannot download here.
 *
 * `Packager.build()` runs for real (configuration validation, package.json metadata, which
 * Electron version), with a platform packager whose `pack` computes the app's file sets exactly
 * as `PlatformPackager.copyAppFiles` does before writing the asar (app-builder-lib 26.18.1,
 * platformPackager.js) and stops there: no Electron is unpacked, nothing is written. The
 * functions it calls are app-builder-lib internals (exported at runtime, not typed), which is why
 * they are required by path and typed below; electron-builder is pinned, and a change in them
 * fails these tests loudly rather than silently.
 */
export type AppPlatform = 'linux' | 'win32' | 'darwin'
export type AppArch = 'x64' | 'arm64'

export interface PackagedFile {
  /** Where the file is in the app, relative to its root (`out/main/index.js`), with `/`. */
  path: string
  /** In app.asar.unpacked rather than inside app.asar. */
  unpacked: boolean
  /** Where it comes from in this project. */
  source: string
  size: number
}

export interface PackagedApp {
  files: Map<string, PackagedFile>
  /** electron-builder's `asarUnpack` decision for a source path, also for files not in `files`. */
  isUnpackedByConfig(sourcePath: string): boolean
  /** electron-builder's `files` filter for a file under node_modules, also one not on disk here. */
  keepsNodeModuleFile(sourcePath: string): boolean
  /** Linux only: the .desktop file the AppImage and the .deb install, and its name without `.desktop`. */
  linuxDesktop?: { fileName: string; entry: string }
}

interface ResolvedFileSet {
  src: string
  destination: string
  files: string[]
  metadata: Map<string, Stats & { moduleRootPath?: string }>
}
type Filter = (file: string, stat: Stats) => boolean
interface FileMatcherLike {
  createFilter(): Filter
}
type MacroExpander = (pattern: string) => string
interface PlatformPackagerInternals {
  info: AppBuilder.Packager & { appDir: string }
  config: AppBuilder.Configuration
  platformSpecificBuildOptions: AppBuilder.PlatformSpecificBuildOptions
  createGetFileMatchersOptions(outDir: string, arch: number, options: AppBuilder.PlatformSpecificBuildOptions): { macroExpander: MacroExpander }
}

const require = createRequire(import.meta.url)
const builder = require('app-builder-lib') as typeof AppBuilder
const fileMatcher = require('app-builder-lib/out/fileMatcher') as {
  getMainFileMatchers(appDir: string, destination: string, expander: MacroExpander, options: unknown, packager: unknown, outDir: string, isElectronCompile: boolean): FileMatcherLike[]
  getNodeModuleFileMatcher(appDir: string, destination: string, expander: MacroExpander, options: unknown, info: unknown): FileMatcherLike
  getFileMatchers(config: unknown, name: 'asarUnpack', destination: string, options: unknown): FileMatcherLike[] | null
}
const appFileCopier = require('app-builder-lib/out/util/appFileCopier') as {
  computeFileSets(matchers: FileMatcherLike[], transformer: null, packager: unknown, isElectronCompile: boolean): Promise<ResolvedFileSet[]>
  computeNodeModuleFileSets(packager: unknown, matcher: FileMatcherLike): Promise<ResolvedFileSet[]>
  getDestinationPath(file: string, fileSet: ResolvedFileSet): string
}
const linuxTargetHelper = require('app-builder-lib/out/targets/LinuxTargetHelper') as {
  LinuxTargetHelper: new (packager: unknown) => { computeDesktopEntry(options: unknown): Promise<string>; getDesktopFileName(): string }
}
const builderLog = require('builder-util') as { setPrinter(printer: ((message: string) => void) | null): void }
const unpackDetector = require('app-builder-lib/out/asar/unpackDetector') as {
  detectUnpackedDirs(fileSet: ResolvedFileSet, dirs: Set<string>): void
}

// Typed as LinuxPackager's class: all three take the same constructor argument, and only what
// PlatformPackager gives them all is used here.
const PACKAGERS: Record<AppPlatform, { platform: AppBuilder.Platform; packager: typeof AppBuilder.LinuxPackager }> = {
  linux: { platform: builder.Platform.LINUX, packager: builder.LinuxPackager },
  win32: { platform: builder.Platform.WINDOWS, packager: builder.WinPackager as never },
  darwin: { platform: builder.Platform.MAC, packager: builder.MacPackager as never },
}

/** The app's files for `platform`/`arch`, from the project at `projectDir` (built with `npm run build`). */
export async function packagedAppFiles(projectDir: string, platform: AppPlatform, arch: AppArch, outDir: string): Promise<PackagedApp> {
  const { platform: target, packager: Base } = PACKAGERS[platform]
  let result: PackagedApp | undefined
  class ListingPackager extends Base {
    // Called once per arch by Packager.doBuild in place of packaging.
    override async pack(packOutDir: string, packArch: number): Promise<void> {
      result = await listAppFiles(this as unknown as PlatformPackagerInternals, packOutDir, packArch)
      if (platform === 'linux') {
        const desktop = new linuxTargetHelper.LinuxTargetHelper(this)
        result.linuxDesktop = { fileName: desktop.getDesktopFileName(), entry: await desktop.computeDesktopEntry(this.platformSpecificBuildOptions) }
      }
    }
  }
  const packager = new builder.Packager({
    projectDir,
    targets: target.createTarget(builder.DIR_TARGET, builder.Arch[arch]),
    // Only the output folder moves, so that nothing is written into the project's dist/.
    config: { directories: { output: outDir } },
    platformPackagerFactory: (info) => new ListingPackager(info),
  })
  // electron-builder's progress lines are kept for an error rather than printed amid the tests'.
  const messages: string[] = []
  builderLog.setPrinter((message) => messages.push(message))
  try {
    await packager.build()
  } catch (error) {
    throw new Error(`electron-builder failed for ${platform}/${arch}: ${(error as Error).message}\n${messages.join('\n')}`)
  } finally {
    builderLog.setPrinter(null)
  }
  if (!result) throw new Error(`electron-builder did not pack ${platform}/${arch}: check the targets in electron-builder.yml`)
  return result
}

async function listAppFiles(packager: PlatformPackagerInternals, outDir: string, arch: number): Promise<PackagedApp> {
  const appDir = packager.info.appDir
  const options = packager.platformSpecificBuildOptions
  const { macroExpander } = packager.createGetFileMatchersOptions(outDir, arch, options)
  // Any absolute folder will do: only paths relative to it are reported.
  const appRoot = `${sep}packaged-app${sep}resources${sep}app`
  const mainMatchers = fileMatcher.getMainFileMatchers(appDir, appRoot, macroExpander, options, packager, outDir, false)
  const fileSets = await appFileCopier.computeFileSets(mainMatchers, null, packager, false)
  const nodeModuleMatcher = fileMatcher.getNodeModuleFileMatcher(appDir, appRoot, macroExpander, options, packager.info)
  fileSets.push(...(await appFileCopier.computeNodeModuleFileSets(packager, nodeModuleMatcher)))

  const unpackMatchers = fileMatcher.getFileMatchers(packager.config, 'asarUnpack', appRoot, {
    macroExpander,
    customBuildOptions: options,
    globalOutDir: outDir,
    defaultSrc: appDir,
  })
  const unpackFilter = unpackMatchers?.[0]?.createFilter()
  // AsarPackager's "smart unpack" also unpacks every module folder holding a library or executable.
  const autoUnpackedDirs = new Set<string>()
  for (const fileSet of fileSets) unpackDetector.detectUnpackedDirs(fileSet, autoUnpackedDirs)
  const nodeModuleFilter = nodeModuleMatcher.createFilter()

  const files = new Map<string, PackagedFile>()
  for (const fileSet of fileSets) {
    for (const source of fileSet.files) {
      const stat = fileSet.metadata.get(source)
      if (!stat?.isFile()) continue
      const path = relative(appRoot, appFileCopier.getDestinationPath(source, fileSet)).split(sep).join('/')
      const inAutoDir = [...autoUnpackedDirs].some((dir) => source === dir || source.startsWith(dir + sep))
      files.set(path, { path, source, size: stat.size, unpacked: (unpackFilter?.(source, stat) ?? false) || inAutoDir })
    }
  }
  const fileStat = { isDirectory: () => false, isFile: () => true } as Stats
  return {
    files,
    isUnpackedByConfig: (source) => unpackFilter?.(source, fileStat) ?? false,
    keepsNodeModuleFile: (source) => nodeModuleFilter(source, fileStat),
  }
}
