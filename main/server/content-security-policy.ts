/**
 * The renderer's one Content-Security-Policy, sent by web mode with its HTML and by the
 * desktop app with its app:// pages (and its dev server's). Only the places the page may
 * connect to differ, so they are the one parameter: web mode's event socket, the dev
 * server's reload socket. Kept free of Node and Electron imports so both can use it.
 *
 * Only our own scripts; styles inline too because the component library injects <style>
 * tags at run time; images from data:/blob: URLs the app makes itself; nothing may frame
 * the app, post forms, or load plugins.
 */
export function contentSecurityPolicy(extraConnectSources: readonly string[] = []): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    ["connect-src 'self'", ...extraConnectSources].join(' '),
    "worker-src 'self' blob:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ')
}

/** Web mode's page opens its event socket on the loopback name it was opened with. */
export function webModeConnectSources(port: number): string[] {
  return [`ws://127.0.0.1:${port}`, `ws://localhost:${port}`]
}
