import { realpathSync, statSync } from 'node:fs'
import { extname, resolve } from 'node:path'
import { isSameOrInside } from '../runtime/file-paths'

/**
 * Which file of the built renderer a URL path names: the rule web mode's static files and
 * the desktop app's app:// protocol share.
 */
export type RendererFile =
  | { kind: 'file'; file: string; contentType: string }
  | { kind: 'not-found'; path: string }
  | { kind: 'bad-encoding' }

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

export function isHtml(file: RendererFile): boolean {
  return file.kind === 'file' && file.contentType.startsWith('text/html')
}

/**
 * A file inside `rendererDir`, or index.html for a path without an extension (a route of the
 * single-page app, e.g. /runs/abc: the app decides what it shows). Containment is checked on
 * real paths: a symbolic link inside the folder that leads out of it is not found, because
 * `..` is not the only way out of a folder.
 */
export function resolveRendererFile(rendererDir: string, urlPath: string): RendererFile {
  let decoded: string
  try {
    decoded = decodeURIComponent(urlPath)
  } catch {
    return { kind: 'bad-encoding' }
  }
  const root = resolve(rendererDir)
  const isAppRoute = extname(decoded) === ''
  const notFound: RendererFile = { kind: 'not-found', path: decoded }
  const candidate = resolve(root, '.' + decoded)
  if (!isSameOrInside(candidate, root)) return notFound

  const realRoot = realPathOrNull(root)
  const real = realPathOrNull(candidate)
  if (realRoot === null) return notFound
  if (real !== null && !isSameOrInside(real, realRoot)) return notFound
  if (real !== null && statSync(real).isFile()) {
    return { kind: 'file', file: real, contentType: contentTypes[extname(real).toLowerCase()] ?? 'application/octet-stream' }
  }
  // A missing path or a folder: an app route gets the app, anything else is missing.
  return isAppRoute ? resolveRendererFile(rendererDir, '/index.html') : notFound
}

/** The path with every link followed, or null when nothing is there (or it cannot be read). */
function realPathOrNull(path: string): string | null {
  try {
    return realpathSync(path)
  } catch {
    return null
  }
}
