// One Content-Security-Policy for web mode and the desktop window (issue 16). Its value is tested
// where each side sends it (server.test.ts, app-pages.test.ts, app-protocol.test.ts); this test
// keeps a second copy from appearing beside them: two copies once drifted (index.html's meta tag
// lacked worker-src and blob: images). The Electron files cannot be imported under plain Node,
// so their sources are read.
import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { describe, expect, it } from 'vitest'

const root = join(import.meta.dirname, '../../..')
const sourceFolders = ['main', 'renderer', 'preload']
const sourceFile = /\.(ts|mts|js|mjs|vue|html)$/

function sources(): { path: string; text: string }[] {
  return sourceFolders.flatMap((folder) =>
    readdirSync(join(root, folder), { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile() && sourceFile.test(entry.name))
      .map((entry) => {
        const file = join(entry.parentPath, entry.name)
        return { path: relative(root, file).split('\\').join('/'), text: readFileSync(file, 'utf8') }
      }),
  )
}

/** Code that sends a policy: a header set to something, or a meta tag. Comments naming the header do not count. */
const sendsPolicy = /['"]Content-Security-Policy['"]\s*:|http-equiv=["']Content-Security-Policy/i
/** The functions that give the one policy, for web mode and for the app. */
const sharedPolicy = /\b(contentSecurityPolicy|webModeContentSecurityPolicy|appContentSecurityPolicy)\(/

describe('one Content-Security-Policy', () => {
  const all = sources()

  it('is written out in one file only', () => {
    const writing = all.filter(({ text }) => /['"`](default-src|script-src) /.test(text)).map(({ path }) => path)
    expect(writing).toEqual(['main/server/content-security-policy.ts'])
  })

  it('is what every place that sends one sends, the Electron window included', () => {
    const senders = all.filter(({ text }) => sendsPolicy.test(text))
    expect(senders.map(({ path }) => path).sort()).toEqual(['main/app/app-protocol.ts', 'main/app/session-policy.ts', 'main/server/static-files.ts'])
    for (const { path, text } of senders) expect(sharedPolicy.test(text), `${path} sends a policy of its own`).toBe(true)
  })
})
