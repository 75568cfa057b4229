import { existsSync, readFileSync } from 'node:fs'
import { join, posix, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BUNDLED_PYTHON_FOLDER, TORCHRUN_PYTHON_FILES } from '../../../main/export/torchrun/python-sources'
import { packageReach } from '../../helpers/app-packages'
import { packagedAppFiles, type AppArch, type AppPlatform, type PackagedApp } from '../../helpers/packaged-app-files'
import { makeTempDir } from '../../helpers/temp-dir'

// The app electron-builder would make from this tree, for each platform and arch
// electron-builder.yml builds: which files it carries and which it unpacks from the asar. The
// Electron binary cannot be downloaded here, so `npm run dist -- --dir` cannot run (see
// docs/RELEASE.md); this computes the same file list with electron-builder's own code.
const projectDir = resolve(__dirname, '../../..')
const TARGETS: { platform: AppPlatform; arch: AppArch }[] = [
  { platform: 'linux', arch: 'x64' },
  { platform: 'win32', arch: 'x64' },
  { platform: 'darwin', arch: 'arm64' },
]
/** The bundles electron-vite builds, which the app starts from (package.json main, index.ts). */
const MAIN = 'out/main/index.js'
const ENTRY_FILES = [MAIN, 'out/main/job-worker.js', 'out/preload/index.cjs', 'out/renderer/index.html']

const temp = makeTempDir('mixture-studio-packaging-')
const apps = new Map<string, PackagedApp>()
const appFor = (platform: AppPlatform, arch: AppArch) => apps.get(`${platform}/${arch}`)!

beforeAll(async () => {
  for (const file of ENTRY_FILES) {
    if (!existsSync(join(projectDir, file))) throw new Error(`${file} is missing: run \`npm run build\` first (these tests read the built app)`)
  }
  for (const { platform, arch } of TARGETS) {
    apps.set(`${platform}/${arch}`, await packagedAppFiles(projectDir, platform, arch, join(temp.dir, `${platform}-${arch}`)))
  }
}, 120_000)
afterAll(() => temp.remove())

/** The relative paths main/app/index.ts finds its files by (`builtFile('../preload/index.cjs')`). */
function builtFileGroups(): string[][] {
  const source = readFileSync(join(projectDir, 'main/app/index.ts'), 'utf8')
  const paths = (text: string) => [...text.matchAll(/builtFile\('([^']+)'\)/g)].map((match) => match[1])
  // firstExisting([...]) takes the first of its candidates that exists: one of them must.
  const groups = [...source.matchAll(/firstExisting\(\[([^\]]*)\]\)/g)].map((match) => paths(match[1]))
  const grouped = new Set(groups.flat())
  const single = paths(source).filter((path) => !grouped.has(path))
  return [...groups, ...single.map((path) => [path])]
}

describe.each(TARGETS)('the $platform $arch app', ({ platform, arch }) => {
  it('carries the bundled main, job worker, preload and renderer', () => {
    const { files } = appFor(platform, arch)
    for (const file of ENTRY_FILES) expect(files.has(file), file).toBe(true)
    const manifest = JSON.parse(readFileSync(files.get('package.json')!.source, 'utf8')) as { main: string }
    expect(posix.normalize(manifest.main)).toBe(MAIN)
  })

  it('has every file main/app/index.ts looks for beside out/main/index.js', () => {
    const { files } = appFor(platform, arch)
    const groups = builtFileGroups()
    // preload, renderer and job worker: if index.ts stops naming them, this test is stale.
    expect(groups.length).toBeGreaterThanOrEqual(3)
    for (const candidates of groups) {
      const found = candidates.map((relative) => posix.join(posix.dirname(MAIN), relative)).filter((path) => files.has(path) || [...files.keys()].some((file) => file.startsWith(`${path}/`)))
      expect(found, `one of ${candidates.join(', ')} (from ${MAIN})`).not.toEqual([])
    }
  })

  it('has every file the bundles and the renderer page load by relative path', () => {
    const { files } = appFor(platform, arch)
    for (const bundle of [...files.keys()].filter((path) => /^out\/(main|preload)\/.*\.c?js$/.test(path))) {
      const text = readFileSync(files.get(bundle)!.source, 'utf8')
      for (const [, relative] of text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|^import\s*)["'](\.{1,2}\/[^"']+)["']/gm)) {
        expect(files.has(posix.join(posix.dirname(bundle), relative)), `${bundle} imports ${relative}`).toBe(true)
      }
    }
    const page = readFileSync(files.get('out/renderer/index.html')!.source, 'utf8')
    const assets = [...page.matchAll(/(?:src|href)="\.\/([^"]+)"/g)].map((match) => `out/renderer/${match[1]}`)
    expect(assets.length).toBeGreaterThan(0)
    for (const asset of assets) expect(files.has(asset), asset).toBe(true)
  })

  it("carries the cluster job's Python files where the export looks for them, as the sources hold them", () => {
    const { files } = appFor(platform, arch)
    for (const name of TORCHRUN_PYTHON_FILES) {
      const path = `out/main/${BUNDLED_PYTHON_FOLDER}/${name}`
      expect(files.has(path), path).toBe(true)
      expect(readFileSync(files.get(path)!.source, 'utf8'), path).toBe(readFileSync(join(projectDir, 'main/export/torchrun/python', name), 'utf8'))
    }
  })

  it('carries every package its main and job worker load, and none that nothing loads', () => {
    const { files } = appFor(platform, arch)
    const bundles = [...files.keys()].filter((path) => /^out\/(main|preload)\/.*\.c?js$/.test(path))
    const reach = packageReach(files, bundles)
    for (const name of ['better-sqlite3', 'onnxruntime-node', 'zod']) expect(reach.used.has(`node_modules/${name}`), name).toBe(true)
    expect(reach.missing, 'needed, but left out by the "!node_modules/..." patterns in electron-builder.yml').toEqual([])
    expect(reach.unused, 'carried but loaded by nothing: add them to the "!node_modules/..." patterns in electron-builder.yml').toEqual([])
  })

  it("carries this platform's ONNX Runtime only, and unpacks it and every native addon by the asarUnpack globs", () => {
    const app = appFor(platform, arch)
    const runtimeDir = `node_modules/onnxruntime-node/bin/napi-v6/${platform}/${arch}`
    expect(app.files.has(`${runtimeDir}/onnxruntime_binding.node`), `${runtimeDir}/onnxruntime_binding.node`).toBe(true)
    const runtimeFiles = [...app.files.values()].filter((file) => file.path.startsWith('node_modules/onnxruntime-node/bin/'))
    expect(runtimeFiles.filter((file) => !file.path.startsWith(`${runtimeDir}/`)).map((file) => file.path)).toEqual([])
    // libonnxruntime.so.1, .dylib, onnxruntime.dll and DirectML.dll: what the binding dlopens.
    const libraries = runtimeFiles.filter((file) => /\.(so(\.\d+)*|dylib|dll)$/.test(file.path))
    expect(libraries.length).toBeGreaterThan(0)
    const nativeAddons = [...app.files.values()].filter((file) => file.path.endsWith('.node'))
    expect(nativeAddons.map((file) => file.path)).toContain('node_modules/better-sqlite3/build/Release/better_sqlite3.node')
    for (const file of [...libraries, ...nativeAddons]) {
      // The config's own globs, not only electron-builder's guess ("smart unpack").
      expect(app.isUnpackedByConfig(file.source), `${file.path} is unpacked by asarUnpack`).toBe(true)
      expect(file.unpacked).toBe(true)
    }
  })

  it("keeps better-sqlite3's Electron build, unpacked, and leaves its sources and build intermediates out", () => {
    const app = appFor(platform, arch)
    const moduleDir = join(projectDir, 'node_modules/better-sqlite3')
    // `npm run rebuild:electron` writes it here (main/store/sqlite-native.ts); not built on this machine.
    const electronBinary = join(moduleDir, 'build', `electron-v150-${platform}-${arch}`, 'better_sqlite3.node')
    expect(app.keepsNodeModuleFile(electronBinary)).toBe(true)
    expect(app.isUnpackedByConfig(electronBinary)).toBe(true)
    for (const left of ['src/better_sqlite3.cpp', 'deps/sqlite3/sqlite3.c', 'build/Release/obj.target/better_sqlite3/src/better_sqlite3.o', 'build/Release/test_extension.node']) {
      expect(app.keepsNodeModuleFile(join(moduleDir, left)), left).toBe(false)
    }
    const carried = [...app.files.keys()].filter((path) => path.startsWith('node_modules/better-sqlite3/'))
    expect(carried.filter((path) => /\/(src|deps|obj|obj\.target)\/|\.(o|a|mk|gyp|gypi)$|Makefile$/.test(path))).toEqual([])
  })

  it('carries no source, test, doc or build leftover of the project', () => {
    const own = [...appFor(platform, arch).files.keys()].filter((path) => !path.startsWith('node_modules/'))
    expect(own.filter((path) => path !== 'package.json' && !/^out\/(main|preload|renderer)\//.test(path))).toEqual([])
    expect(own.filter((path) => /\.(map|ts|vue|md)$/.test(path))).toEqual([])
  })
})

describe('the Linux desktop entry', () => {
  it('names the app, its category, icon and window class, as electron-builder writes it', () => {
    const desktop = appFor('linux', 'x64').linuxDesktop!
    const entry = Object.fromEntries(desktop.entry.split('\n').filter((line) => line.includes('=')).map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]))
    expect(desktop.fileName).toBe('mixture-studio')
    expect(entry).toMatchObject({
      Name: 'Mixture Studio',
      Type: 'Application',
      Categories: 'Development;',
      Icon: 'mixture-studio',
      // Electron's windows carry package.json's desktopName: the desktop matches them to this entry.
      StartupWMClass: 'mixture-studio',
      Keywords: 'machine learning;fine-tuning;LoRA;language model;',
    })
    expect(entry.Exec).toBe('"/opt/Mixture Studio/mixture-studio" %U')
    expect(entry.Comment).toMatch(/^Desktop studio for fine-tuning language models/)
  })
})
