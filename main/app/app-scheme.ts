import { readFile } from 'node:fs/promises'
import { protocol } from 'electron'
import { appScheme } from './app-pages'
import { answerAppRequest } from './app-protocol'

/**
 * Must run before the app is ready. "standard" gives app:// URLs real origins (relative
 * paths and 'self' in the policy work as on https); "secure" makes its pages a secure
 * context (the clipboard needs one); fetch may read it. No corsEnabled: no other origin
 * may read the app's files.
 */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: appScheme, privileges: { standard: true, secure: true, supportFetchAPI: true } },
  ])
}

/** Once the app is ready: app://renderer/… answers from the built renderer folder. */
export function serveAppScheme(rendererDir: string): void {
  protocol.handle(appScheme, async (request) => {
    const answer = answerAppRequest(rendererDir, request.method, request.url)
    const body = answer.file ? new Uint8Array(await readFile(answer.file)) : answer.text
    return new Response(body, { status: answer.status, headers: answer.headers })
  })
}
