// Every call search and dataset browsing make to the Hub's API goes through hubCall: offline mode
// refuses before any request, a Hub that does not answer is a 'network' error within seconds
// (never a hang), an HTTP refusal becomes the HubError its status and X-Error-Code mean, and the
// token goes to the endpoint only.
import { HubError, httpHubError, isHubError } from './hub-error'
import { redactToken } from './token-store'

export interface HubConnection {
  /** HF_ENDPOINT, else https://huggingface.co (hubSettings). */
  endpoint: string
  /** HF_HUB_OFFLINE: nothing is fetched. */
  offline: boolean
  token?: string | null
  /** The HF cache (hubSettings): where a repo's files are looked for before any download. */
  cacheDir?: string
  /** A request with no answer in this long fails as 'network' (default 10 s). */
  timeoutMs?: number
  signal?: AbortSignal
}

/** What @huggingface/hub's calls take to reach the endpoint as this connection says. */
export interface HubClientParams {
  hubUrl: string
  accessToken?: string
  fetch: typeof fetch
}

/** The repo a call is about, for its errors (a gated repo's accept link, "X was not found"). */
export interface HubCallTarget {
  kind: 'model' | 'dataset'
  repo: string
}

const DEFAULT_TIMEOUT_MS = 10_000

/** Runs `call` with the client's parameters; `what` completes "could not ..." in errors ("search the Hub for x"). */
export async function hubCall<T>(connection: HubConnection, what: string, call: (client: HubClientParams) => Promise<T>, target?: HubCallTarget): Promise<T> {
  if (connection.offline) {
    throw new HubError('offline', `Offline mode (HF_HUB_OFFLINE) is on, so nothing is fetched: cannot ${what}. Unset HF_HUB_OFFLINE to reach ${connection.endpoint}; models already in the Hugging Face cache can still be registered.`)
  }
  const client: HubClientParams = {
    hubUrl: connection.endpoint,
    ...(connection.token ? { accessToken: connection.token } : {}),
    fetch: boundedFetch(connection, what, target),
  }
  try {
    return await call(client)
  } catch (error) {
    if (isHubError(error)) throw error
    // The client's own errors (an answer that is not the JSON it expects) name the URL, never the token.
    throw new HubError('network', redactToken(`Could not ${what}: ${(error as Error).message}`, connection.token))
  }
}

function boundedFetch(connection: HubConnection, what: string, target: HubCallTarget | undefined): typeof fetch {
  const endpointOrigin = new URL(connection.endpoint).origin
  return async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input))
    const headers = new Headers(init?.headers)
    // The client sends the token with every call; only the endpoint itself may see it.
    if (url.origin !== endpointOrigin) headers.delete('authorization')
    const timeoutMs = connection.timeoutMs ?? DEFAULT_TIMEOUT_MS
    const signals = [AbortSignal.timeout(timeoutMs), ...(connection.signal ? [connection.signal] : [])]
    let response: Response
    try {
      response = await fetch(url, { ...init, headers, signal: AbortSignal.any(signals) })
    } catch (error) {
      if (connection.signal?.aborted) throw new HubError('cancelled', `Stopped before it could ${what}.`)
      const reason = (error as Error).name === 'TimeoutError' ? `no answer in ${Math.round(timeoutMs / 1000)} s` : causeOf(error)
      throw new HubError('network', `Could not reach ${connection.endpoint} to ${what} (${reason}). Check the network connection, or HF_ENDPOINT if it names a mirror.`)
    }
    if (response.ok) return response
    const errorCode = response.headers.get('x-error-code')
    await response.body?.cancel()
    const hadToken = headers.has('authorization')
    if (target) throw httpHubError({ status: response.status, errorCode, endpoint: connection.endpoint, kind: target.kind, repo: target.repo, what, hadToken })
    if (response.status === 401 || response.status === 403) {
      throw new HubError('unauthorized', hadToken
        ? `${connection.endpoint} refused the Hugging Face token (HTTP ${response.status}) when asked to ${what}: it is unknown or expired. Set a valid token in Settings or HF_TOKEN, or clear it.`
        : `${connection.endpoint} needs a Hugging Face token to ${what} (HTTP ${response.status}). Set one in Settings or HF_TOKEN.`)
    }
    throw new HubError('network', `${connection.endpoint} answered HTTP ${response.status} when asked to ${what}; try again later.`)
  }
}

/** fetch's "fetch failed" hides the reason (ECONNREFUSED, ENOTFOUND) in its cause. */
function causeOf(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause
  return cause?.code ?? cause?.message ?? (error as Error).message
}
