import { createReadStream, existsSync, statSync } from 'node:fs'
import { extname, join, resolve, sep } from 'node:path'
import type { ServerResponse } from 'node:http'
import { baseSecurityHeaders } from './http-util'

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
}

/**
 * Only our own scripts; styles inline too because the component library injects <style>
 * tags at run time; the WebSocket back to this server; nothing may frame the app.
 */
export function contentSecurityPolicy(port: number): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    `connect-src 'self' ws://127.0.0.1:${port} ws://localhost:${port}`,
    "worker-src 'self' blob:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ')
}

export interface StaticFiles {
  /** Sends the file for a URL path, index.html for app routes, or 404. */
  serve(urlPath: string, response: ServerResponse, extraHeaders?: Record<string, string>): void
}

export function staticFiles(rendererDir: string, port: number): StaticFiles {
  const root = resolve(rendererDir)
  const indexFile = join(root, 'index.html')

  function send(file: string, response: ServerResponse, extraHeaders: Record<string, string>): void {
    const type = contentTypes[extname(file).toLowerCase()] ?? 'application/octet-stream'
    const isHtml = type.startsWith('text/html')
    response.writeHead(200, {
      ...baseSecurityHeaders,
      ...extraHeaders,
      'Content-Type': type,
      'Content-Length': statSync(file).size,
      'Cache-Control': isHtml ? 'no-store' : 'no-cache',
      ...(isHtml ? { 'Content-Security-Policy': contentSecurityPolicy(port) } : {}),
    })
    createReadStream(file).pipe(response)
  }

  return {
    serve(urlPath, response, extraHeaders = {}) {
      if (!existsSync(indexFile)) {
        sendHtml(response, 503, missingBuildPage(root), port, extraHeaders)
        return
      }
      let decoded: string
      try {
        decoded = decodeURIComponent(urlPath)
      } catch {
        sendHtml(response, 400, page('Bad request', 'The path is not valid URL encoding.'), port)
        return
      }
      const file = resolve(root, '.' + decoded)
      const inside = file === root || file.startsWith(root + sep)
      if (inside && existsSync(file) && statSync(file).isFile()) {
        send(file, response, extraHeaders)
      } else if (inside && extname(decoded) === '') {
        // A route of the single-page app (e.g. /runs/abc): the app decides what it shows.
        send(indexFile, response, extraHeaders)
      } else {
        sendHtml(response, 404, page('Not found', `There is no file ${escapeHtml(decoded)}.`), port)
      }
    },
  }
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
    'Content-Security-Policy': contentSecurityPolicy(port),
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
