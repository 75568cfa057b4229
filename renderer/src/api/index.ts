import { callNames, eventNames } from '../../../main/contract/names'
import type { Api, CallName, EventName } from '../../../main/contract'
import { toApiCallError } from './errors'
import { createCallClient } from './http-client'
import { createEventStream } from './event-stream'

export { ApiCallError, describeApiError, toApiCallError } from './errors'

/** How the renderer reaches main: Electron's preload bridge, or HTTP + WebSocket. */
export type Transport = 'electron' | 'web'

/**
 * The one module that touches window.api, fetch and WebSocket. Everything else imports
 * `api` and gets the contract's types and ApiCallError on failure, whatever the transport.
 */
function createApi(): { api: Api; transport: Transport; onEventsReconnected: (listener: () => void) => () => void } {
  const bridge = window.api
  if (bridge) {
    return { api: wrapBridge(bridge), transport: 'electron', onEventsReconnected: () => () => {} }
  }
  forgetTokenInAddressBar()
  const call = createCallClient({ baseUrl: location.origin, fetch: (url, init) => fetch(url, init) })
  const socketScheme = location.protocol === 'https:' ? 'wss' : 'ws'
  const events = createEventStream({
    url: `${socketScheme}://${location.host}/api/events`,
    openSocket: (url) => new WebSocket(url),
  })
  const api = {} as Record<string, unknown>
  for (const name of callNames) api[name] = (input: never) => call(name, input)
  for (const name of eventNames) api[name] = (listener: never) => events.subscribe(name, listener)
  return { api: api as Api, transport: 'web', onEventsReconnected: events.onReconnected }
}

/** Electron's bridge rejects with whatever crossed IPC; normalise it to ApiCallError. */
function wrapBridge(bridge: Api): Api {
  const api = {} as Record<string, unknown>
  for (const name of callNames as readonly CallName[]) {
    const method = bridge[name] as (input: unknown) => Promise<unknown>
    api[name] = async (input: unknown) => {
      try {
        return await method(input)
      } catch (error) {
        throw toApiCallError(error, name)
      }
    }
  }
  for (const name of eventNames as readonly EventName[]) api[name] = bridge[name]
  return api as Api
}

/**
 * The server has set its cookie by the time this script runs, so the token no longer
 * needs to sit in the address bar, history and screenshots.
 */
function forgetTokenInAddressBar(): void {
  const url = new URL(location.href)
  if (!url.searchParams.has('token')) return
  url.searchParams.delete('token')
  history.replaceState(history.state, '', url.toString())
}

const created = createApi()

export const api: Api = created.api
export const transport: Transport = created.transport
/** Web mode only: the event socket came back after a drop, so missed events must be re-read. */
export const onEventsReconnected = created.onEventsReconnected
