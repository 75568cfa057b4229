import { readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { inflateSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { drawIcon, ICON_SIZE } from '../../../scripts/make-icon'

// electron-builder.yml as a release needs it (docs/RELEASE.md). Building the installers needs the
// Electron binary, which cannot be downloaded here; packaged-files.test.ts checks what goes in.
const projectDir = resolve(__dirname, '../../..')
const config = parse(readFileSync(join(projectDir, 'electron-builder.yml'), 'utf8'))
const packageJson = JSON.parse(readFileSync(join(projectDir, 'package.json'), 'utf8'))

type TargetEntry = { target: string; arch: string[] }
const targetsOf = (platform: 'linux' | 'win' | 'mac') => (config[platform].target as TargetEntry[]).map(({ target, arch }) => `${target}:${arch.join(',')}`)

describe('electron-builder.yml', () => {
  it('names the product and writes the installers to dist/ from resources/', () => {
    expect(config.appId).toBe('dev.mixturestudio.app')
    expect(config.productName).toBe('Mixture Studio')
    expect(config.copyright).toMatch(/Mixture Studio/)
    expect(config.directories).toEqual({ output: 'dist', buildResources: 'resources' })
    expect(config.artifactName).toBe('mixture-studio-${version}-${os}-${arch}.${ext}')
    expect(config.publish).toBeNull()
    // electron-builder's .deb refuses to build without a homepage and an author's email.
    expect(packageJson.description).toBeTruthy()
    expect(packageJson.homepage).toMatch(/^https:\/\//)
    expect(packageJson.author.email).toMatch(/@/)
    expect(readFileSync(join(projectDir, '.gitignore'), 'utf8').split('\n')).toContain('dist/')
  })

  it('builds an AppImage and a .deb for Linux, an NSIS installer for Windows and a dmg for Apple silicon', () => {
    expect(targetsOf('linux')).toEqual(['AppImage:x64', 'deb:x64'])
    expect(config.linux.category).toBe('Development')
    expect(config.linux.executableName).toBe('mixture-studio')
    expect(config.linux.desktop.entry.Name).toBe('Mixture Studio')
    // The .desktop file's name, Electron's app_id and StartupWMClass all come from desktopName.
    expect(packageJson.desktopName).toBe('mixture-studio.desktop')
    expect(config.linux.syncDesktopName).toBe(true)
    expect(targetsOf('win')).toEqual(['nsis:x64'])
    // No darwin/x64: onnxruntime-node ships no Intel Mac runtime (packaged-files.test.ts
    // checks each built platform and arch carries its own).
    expect(targetsOf('mac')).toEqual(['dmg:arm64'])
    expect(config.mac.category).toBe('public.app-category.developer-tools')
  })

  it('installs on Windows for the current user, in a folder the user may choose', () => {
    expect(config.nsis).toMatchObject({ oneClick: false, perMachine: false, allowToChangeInstallationDirectory: true, deleteAppDataOnUninstall: false })
  })

  it('signs macOS apps with the hardened runtime and the JIT entitlements V8 needs', () => {
    expect(config.mac.hardenedRuntime).toBe(true)
    expect(config.mac.entitlements).toBe('resources/entitlements.mac.plist')
    expect(config.mac.entitlementsInherit).toBe('resources/entitlements.mac.plist')
    const plist = readFileSync(join(projectDir, config.mac.entitlements), 'utf8')
    const granted = [...plist.matchAll(/<key>([^<]+)<\/key>\s*<true\/>/g)].map((match) => match[1])
    expect(granted.sort()).toEqual(['com.apple.security.cs.allow-jit', 'com.apple.security.cs.allow-unsigned-executable-memory'])
  })

  it('never lets electron-builder rebuild native modules in place in node_modules', () => {
    // It would replace the Node binary of better-sqlite3 that the CLI and the tests load.
    expect(config.npmRebuild).toBe(false)
    const steps = packageJson.scripts.dist.split('&&').map((step: string) => step.trim())
    expect(steps).toEqual(['electron-vite build', 'npm run rebuild:electron', 'electron-builder'])
  })

  it('flips the fuses that close the app to code from outside it', () => {
    expect(config.electronFuses).toEqual({
      runAsNode: false,
      enableCookieEncryption: true,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      grantFileProtocolExtraPrivileges: false,
    })
    // RunAsNode off is safe only while jobs are utility processes, not child_process.fork.
    expect(readFileSync(join(projectDir, 'main/app/index.ts'), 'utf8')).toMatch(/spawner: createUtilitySpawner\(/)
    expect(readFileSync(join(projectDir, 'main/app/utility-spawner.ts'), 'utf8')).toMatch(/utilityProcess\.fork\(/)
  })
})

/** Width, height, colour type and RGBA rows of a PNG written with filter 0 (as make-icon writes). */
function readPng(file: Buffer): { width: number; height: number; colourType: number; rgba: Buffer } {
  expect(file.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))
  const chunks: Buffer[] = []
  let header: Buffer | undefined
  for (let at = 8; at < file.length; ) {
    const length = file.readUInt32BE(at)
    const type = file.toString('latin1', at + 4, at + 8)
    const data = file.subarray(at + 8, at + 8 + length)
    if (type === 'IHDR') header = data
    if (type === 'IDAT') chunks.push(data)
    at += 12 + length
  }
  if (!header) throw new Error('the PNG has no IHDR chunk')
  const width = header.readUInt32BE(0)
  const height = header.readUInt32BE(4)
  const rows = inflateSync(Buffer.concat(chunks))
  const rgba = Buffer.alloc(width * height * 4)
  for (let row = 0; row < height; row++) {
    const start = row * (width * 4 + 1)
    if (rows[start] !== 0) throw new Error(`row ${row} uses PNG filter ${rows[start]}; regenerate the icon with \`npx tsx scripts/make-icon.ts\``)
    rows.copy(rgba, row * width * 4, start + 1, start + 1 + width * 4)
  }
  return { width, height, colourType: header[9], rgba }
}

describe('the app icon', () => {
  const iconPath = join(projectDir, 'resources', config.linux.icon)

  it('is one 1024 px RGBA PNG in resources/ that every platform uses', () => {
    expect(config.win.icon).toBe('icon.png')
    expect(config.mac.icon).toBe('icon.png')
    const png = readPng(readFileSync(iconPath))
    expect([png.width, png.height, png.colourType]).toEqual([1024, 1024, 6])
    // Transparent corners (the rounded square sits on Apple's icon grid), an opaque middle.
    expect(png.rgba[3]).toBe(0)
    expect(png.rgba[(512 * 1024 + 512) * 4 + 3]).toBe(255)
  })

  it('is what scripts/make-icon.ts draws', () => {
    const committed = readPng(readFileSync(iconPath)).rgba
    const drawn = drawIcon(ICON_SIZE)
    // Math.hypot may differ in its last bit between V8 versions: one level either way.
    let differing = 0
    for (let i = 0; i < drawn.length; i++) if (Math.abs(drawn[i] - committed[i]) > 1) differing++
    expect(differing, 'bytes that differ: regenerate with `npx tsx scripts/make-icon.ts`').toBe(0)
  })
})
