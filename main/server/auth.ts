import { randomBytes, timingSafeEqual } from 'node:crypto'
import type { IncomingMessage } from 'node:http'

/** 32 random bytes, URL-safe: the only key to a web-mode server. */
export function newToken(): string {
  return randomBytes(32).toString('base64url')
}

/** Cookies are per host, not per port, so each server names its own. */
export function cookieName(port: number): string {
  return `mixture_studio_${port}`
}

export function sessionCookie(port: number, token: string): string {
  return `${cookieName(port)}=${token}; HttpOnly; SameSite=Strict; Path=/`
}

export function tokensEqual(given: string | undefined | null, token: string): boolean {
  if (!given) return false
  const a = Buffer.from(given)
  const b = Buffer.from(token)
  return a.length === b.length && timingSafeEqual(a, b)
}

/** True when the request carries the token in our cookie or as `Authorization: Bearer`. */
export function isAuthorized(request: IncomingMessage, port: number, token: string): boolean {
  const bearer = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1]
  if (tokensEqual(bearer, token)) return true
  return tokensEqual(readCookie(request.headers.cookie, cookieName(port)), token)
}

function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=')
    if (key === name) return value.join('=')
  }
  return undefined
}

/**
 * DNS-rebinding defence: a page on evil.example that re-points its name at 127.0.0.1 still
 * sends `Host: evil.example`, and a cross-site page sends its own Origin. Only our own
 * loopback names and port pass. Returns the reason when the request must be refused.
 */
export function originProblem(request: IncomingMessage, port: number): string | null {
  const allowedHosts = [`127.0.0.1:${port}`, `localhost:${port}`]
  const host = request.headers.host?.toLowerCase()
  if (!host || !allowedHosts.includes(host)) return `Host "${host ?? ''}" is not this server`
  const origin = request.headers.origin
  if (origin !== undefined && !allowedHosts.map((h) => `http://${h}`).includes(origin.toLowerCase())) {
    return `Origin "${origin}" is not this server`
  }
  return null
}
