import { createReadStream, existsSync, statSync } from 'node:fs'
import { join, resolve } from 'node:path'
import type { ServerResponse } from 'node:http'
import { contentSecurityPolicy, webModeConnectSources } from './content-security-policy'
import { baseSecurityHeaders } from './http-util'
import { isHtml, resolveRendererFile } from './renderer-file'

export interface StaticFiles {
  /** Sends the file for a URL path, index.html for app routes, or 404. */
  serve(urlPath: string, response: ServerResponse, extraHeaders?: Record<string, string>): void
}

export function staticFiles(rendererDir: string, port: number): StaticFiles {
  const root = resolve(rendererDir)
  const indexFile = join(root, 'index.html')

  return {
    serve(urlPath, response, extraHeaders = {}) {
      if (!existsSync(indexFile)) {
        sendHtml(response, 503, missingBuildPage(root), port, extraHeaders)
        return
      }
      const found = resolveRendererFile(root, urlPath)
      if (found.kind === 'bad-encoding') {
        sendHtml(response, 400, page('Bad request', 'The path is not valid URL encoding.'), port)
        return
      }
      if (found.kind === 'not-found') {
        sendHtml(response, 404, page('Not found', `There is no file ${escapeHtml(found.path)}.`), port)
        return
      }
      response.writeHead(200, {
        ...baseSecurityHeaders,
        ...extraHeaders,
        'Content-Type': found.contentType,
        'Content-Length': statSync(found.file).size,
        'Cache-Control': isHtml(found) ? 'no-store' : 'no-cache',
        ...(isHtml(found) ? { 'Content-Security-Policy': webModeContentSecurityPolicy(port) } : {}),
      })
      createReadStream(found.file).pipe(response)
    },
  }
}

export function webModeContentSecurityPolicy(port: number): string {
  return contentSecurityPolicy(webModeConnectSources(port))
}

export function sendHtml(
  response: ServerResponse,
  status: number,
  html: string,
  port: number,
  extraHeaders: Record<string, string> = {},
): void {
  response.writeHead(status, {
    ...baseSecurityHeaders,
    ...extraHeaders,
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Length': Buffer.byteLength(html),
    'Cache-Control': 'no-store',
    'Content-Security-Policy': webModeContentSecurityPolicy(port),
  })
  response.end(html)
}

function missingBuildPage(root: string): string {
  return page(
    'Mixture Studio is not built yet',
    `The web interface was not found in <code>${escapeHtml(root)}</code>. ` +
      'Run <code>npm run build</code> in the Mixture Studio folder, then reload this page ' +
      '(the server can keep running).',
  )
}

export function page(title: string, bodyHtml: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>` +
    `<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 4rem auto; line-height: 1.5">` +
    `<h1>${escapeHtml(title)}</h1><p>${bodyHtml}</p></body></html>`
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}
