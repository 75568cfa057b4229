// What the app:// protocol answers, as data: app-scheme.ts turns it into Electron's Response.
// No Electron import here, so tests/unit/app checks the answers under plain Node.
import { baseSecurityHeaders } from '../server/http-util'
import { resolveRendererFile } from '../server/renderer-file'
import { appContentSecurityPolicy, appHost } from './app-pages'

export interface AppProtocolAnswer {
  status: number
  headers: Record<string, string>
  /** The file whose bytes are the body; null when `text` is (or, for HEAD, nothing is). */
  file: string | null
  text: string | null
}

/**
 * A file of the built renderer (`rendererDir`, out/renderer) for app://renderer/<path>, found
 * by the rule web mode uses (renderer-file.ts: app routes get index.html, and no link leads
 * out of the folder), with web mode's security headers and the one Content-Security-Policy.
 */
export function answerAppRequest(rendererDir: string, method: string, url: string): AppProtocolAnswer {
  const headers = {
    ...baseSecurityHeaders,
    'Content-Security-Policy': appContentSecurityPolicy(undefined),
    'Cache-Control': 'no-cache',
  }
  const plain = (status: number, text: string, extra: Record<string, string> = {}): AppProtocolAnswer => ({
    status,
    headers: { ...headers, ...extra, 'Content-Type': 'text/plain; charset=utf-8' },
    file: null,
    text: method === 'HEAD' ? null : text,
  })

  if (method !== 'GET' && method !== 'HEAD') {
    return plain(405, `${method} is not allowed: app:// only serves the app's files.`, { Allow: 'GET, HEAD' })
  }
  const target = new URL(url)
  if (target.host.toLowerCase() !== appHost) return plain(404, `There is no app page at ${url}.`)
  const found = resolveRendererFile(rendererDir, target.pathname)
  if (found.kind === 'bad-encoding') return plain(400, `The path of ${url} is not valid URL encoding.`)
  if (found.kind === 'not-found') {
    return plain(
      404,
      `There is no file ${found.path} in the app's interface folder ${rendererDir}. ` +
        'If index.html is missing too, run `npm run build` in the Mixture Studio folder and start the app again.',
    )
  }
  return {
    status: 200,
    headers: { ...headers, 'Content-Type': found.contentType },
    file: method === 'HEAD' ? null : found.file,
    text: null,
  }
}
