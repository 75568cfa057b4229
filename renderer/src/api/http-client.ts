import type { CallInput, CallName, CallOutput } from '../../../main/contract'
import { ApiCallError, parseApiError } from './errors'

/** The fetch function the client uses; injected so tests need no server. */
export type FetchLike = (url: string, init: RequestInit) => Promise<Response>

/**
 * Web mode's call transport: `POST /api/<callName>` with the input as JSON. The server
 * authenticates through the HttpOnly cookie it set when the page was opened with its token,
 * so no credentials appear here.
 */
export function createCallClient(options: { baseUrl: string; fetch: FetchLike }) {
  return async function call<N extends CallName>(name: N, input: CallInput<N>): Promise<CallOutput<N>> {
    const url = `${options.baseUrl}/api/${name}`
    let response: Response
    try {
      response = await options.fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(input ?? {}),
        credentials: 'same-origin',
      })
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error)
      throw new ApiCallError(
        'internal',
        `Cannot reach the Mixture Studio server at ${options.baseUrl || 'this address'} (${reason}). ` +
          'Check that `mixture-studio serve` is still running, then reload the page.',
      )
    }
    const text = await response.text()
    if (response.ok) {
      try {
        return JSON.parse(text) as CallOutput<N>
      } catch {
        throw new ApiCallError('internal', `${name}: the server answered with invalid JSON: ${text.slice(0, 200)}`)
      }
    }
    throw errorFromResponse(name, response.status, text)
  }
}

function errorFromResponse(name: string, status: number, body: string): ApiCallError {
  let parsed: unknown = null
  try {
    parsed = JSON.parse(body)
  } catch {
    // Not JSON (a proxy page, a crash): described below from the status.
  }
  const apiError = parseApiError(parsed)
  if (apiError) return apiError
  if (status === 401) {
    return new ApiCallError(
      'unauthorized',
      'This page is not signed in to the Mixture Studio server. Open the address with `?token=` ' +
        'that `mixture-studio serve` printed.',
    )
  }
  const excerpt = body.trim().slice(0, 200)
  return new ApiCallError('internal', `${name}: HTTP ${status} from the server${excerpt ? `: ${excerpt}` : ''}`)
}
