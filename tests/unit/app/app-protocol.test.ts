import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdirSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { answerAppRequest } from '../../../main/app/app-protocol'
import { appContentSecurityPolicy, appIndexUrl } from '../../../main/app/app-pages'
import { contentSecurityPolicy } from '../../../main/server/content-security-policy'
import { makeTempDir } from '../../helpers/temp-dir'

let temp: ReturnType<typeof makeTempDir>
let rendererDir: string

beforeAll(() => {
  temp = makeTempDir()
  rendererDir = join(temp.dir, 'renderer')
  mkdirSync(join(rendererDir, 'assets'), { recursive: true })
  writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><div id="app"></div>')
  writeFileSync(join(rendererDir, 'assets', 'app.js'), 'console.log("app")')
  writeFileSync(join(temp.dir, 'secret.txt'), 'outside the renderer folder')
  symlinkSync(join(temp.dir, 'secret.txt'), join(rendererDir, 'assets', 'leak.txt'))
  symlinkSync(temp.dir, join(rendererDir, 'up'))
})
afterAll(() => temp.remove())

const real = (...parts: string[]) => realpathSync(join(rendererDir, ...parts))

describe('the app:// protocol', () => {
  it('serves the built renderer with the shared Content-Security-Policy', () => {
    const index = answerAppRequest(rendererDir, 'GET', appIndexUrl)
    expect(index).toMatchObject({ status: 200, file: real('index.html'), text: null })
    expect(index.headers['Content-Type']).toBe('text/html; charset=utf-8')
    expect(index.headers['Content-Security-Policy']).toBe(appContentSecurityPolicy(undefined))
    expect(index.headers['Content-Security-Policy']).toBe(contentSecurityPolicy())
    expect(index.headers['X-Content-Type-Options']).toBe('nosniff')

    const script = answerAppRequest(rendererDir, 'GET', 'app://renderer/assets/app.js')
    expect(script).toMatchObject({ status: 200, file: real('assets', 'app.js') })
    expect(script.headers['Content-Type']).toBe('text/javascript; charset=utf-8')
    expect(answerAppRequest(rendererDir, 'GET', 'app://renderer/').file).toBe(real('index.html'))
  })

  it('follows no symbolic link out of the renderer folder', () => {
    for (const url of ['app://renderer/assets/leak.txt', 'app://renderer/up/secret.txt', 'app://renderer/%2e%2e/secret.txt']) {
      const answer = answerAppRequest(rendererDir, 'GET', url)
      expect(answer.status, url).toBe(404)
      expect(answer.file, url).toBeNull()
      expect(answer.headers['Content-Security-Policy']).toBe(contentSecurityPolicy())
    }
  })

  it('refuses other hosts and methods, and says what to do when a file is missing', () => {
    expect(answerAppRequest(rendererDir, 'GET', 'app://elsewhere/index.html')).toMatchObject({ status: 404, file: null })
    const post = answerAppRequest(rendererDir, 'POST', appIndexUrl)
    expect(post).toMatchObject({ status: 405, file: null })
    expect(post.headers.Allow).toBe('GET, HEAD')
    const missing = answerAppRequest(join(temp.dir, 'not-built'), 'GET', appIndexUrl)
    expect(missing.status).toBe(404)
    expect(missing.text).toContain('npm run build')
    expect(answerAppRequest(rendererDir, 'HEAD', appIndexUrl)).toMatchObject({ status: 200, file: null, text: null })
  })
})
