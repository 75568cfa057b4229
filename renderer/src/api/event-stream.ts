import type { EventName, EventPayload } from '../../../main/contract'

/** The part of the browser WebSocket the stream uses; injected so tests need no server. */
export interface SocketLike {
  onopen: ((event: never) => void) | null
  onmessage: ((event: MessageEvent) => void) | null
  onclose: ((event: never) => void) | null
  onerror: ((event: never) => void) | null
}

export interface EventStreamOptions {
  url: string
  openSocket: (url: string) => SocketLike
  /** Waits before reconnecting, doubling from the first to the last after each failure. */
  minRetryMs?: number
  maxRetryMs?: number
  setTimer?: (callback: () => void, ms: number) => unknown
  warn?: (message: string) => void
}

type Listener = (payload: never) => void

/**
 * Web mode's event transport: one WebSocket carrying `{event, payload}` messages. It opens
 * on the first subscription and reconnects with backoff for as long as the page lives,
 * because a dropped socket would otherwise freeze every live view silently.
 */
export function createEventStream(options: EventStreamOptions) {
  const minRetryMs = options.minRetryMs ?? 500
  const maxRetryMs = options.maxRetryMs ?? 10_000
  const setTimer = options.setTimer ?? ((callback, ms) => setTimeout(callback, ms))
  const warn = options.warn ?? ((message) => console.warn(message))
  const listeners = new Map<string, Set<Listener>>()
  const reconnectListeners = new Set<() => void>()
  let socket: SocketLike | null = null
  let retryMs = minRetryMs
  let everOpened = false
  let started = false

  function connect(): void {
    const current = options.openSocket(options.url)
    socket = current
    current.onopen = () => {
      retryMs = minRetryMs
      // Events sent while we were away are lost: let stores re-read what they show.
      if (everOpened) reconnectListeners.forEach((listener) => listener())
      everOpened = true
    }
    current.onmessage = (message) => dispatch(message.data)
    current.onerror = () => {
      // onclose follows and schedules the retry.
    }
    current.onclose = () => {
      if (socket !== current) return
      socket = null
      setTimer(connect, retryMs)
      retryMs = Math.min(retryMs * 2, maxRetryMs)
    }
  }

  function dispatch(data: unknown): void {
    let message: unknown
    try {
      message = JSON.parse(String(data))
    } catch {
      warn(`Ignored an event that is not JSON: ${String(data).slice(0, 200)}`)
      return
    }
    const { event, payload } = (message ?? {}) as { event?: unknown; payload?: unknown }
    if (typeof event !== 'string') {
      warn(`Ignored an event message without an event name: ${String(data).slice(0, 200)}`)
      return
    }
    listeners.get(event)?.forEach((listener) => listener(payload as never))
  }

  return {
    subscribe<N extends EventName>(name: N, listener: (payload: EventPayload<N>) => void): () => void {
      let set = listeners.get(name)
      if (!set) listeners.set(name, (set = new Set()))
      set.add(listener as Listener)
      if (!started) {
        started = true
        connect()
      }
      return () => {
        set.delete(listener as Listener)
      }
    },
    /** Called after the socket comes back from a drop (not on the first connection). */
    onReconnected(listener: () => void): () => void {
      reconnectListeners.add(listener)
      return () => {
        reconnectListeners.delete(listener)
      }
    },
  }
}

export type EventStream = ReturnType<typeof createEventStream>
