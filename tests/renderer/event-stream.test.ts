import { describe, expect, it, vi } from 'vitest'
import { createEventStream, type SocketLike } from '../../renderer/src/api/event-stream'
import type { JobEvent } from '../../main/contract'

/** A socket the test opens, feeds and closes by hand. */
class FakeSocket implements SocketLike {
  onopen: SocketLike['onopen'] = null
  onmessage: SocketLike['onmessage'] = null
  onclose: SocketLike['onclose'] = null
  onerror: SocketLike['onerror'] = null
  open(): void {
    this.onopen?.(undefined as never)
  }
  receive(data: string): void {
    this.onmessage?.({ data } as MessageEvent)
  }
  drop(): void {
    this.onerror?.(undefined as never)
    this.onclose?.(undefined as never)
  }
}

function setup() {
  const sockets: FakeSocket[] = []
  const timers: { callback: () => void; ms: number }[] = []
  const warn = vi.fn()
  const stream = createEventStream({
    url: 'ws://127.0.0.1:5000/api/events',
    openSocket: (url) => {
      expect(url).toBe('ws://127.0.0.1:5000/api/events')
      const socket = new FakeSocket()
      sockets.push(socket)
      return socket
    },
    setTimer: (callback, ms) => timers.push({ callback, ms }),
    minRetryMs: 100,
    maxRetryMs: 350,
    warn,
  })
  return { stream, sockets, timers, warn }
}

const ended: JobEvent = { type: 'ended', jobId: 'j1', state: 'completed', error: null, lastWords: null }

describe('web-mode event stream', () => {
  it('opens one socket on the first subscription and delivers each event to its listeners', () => {
    const { stream, sockets } = setup()
    expect(sockets).toHaveLength(0)
    const first = vi.fn()
    const second = vi.fn()
    stream.subscribe('onJobEvent', first)
    const unsubscribe = stream.subscribe('onJobEvent', second)
    expect(sockets).toHaveLength(1)
    sockets[0].open()
    sockets[0].receive(JSON.stringify({ event: 'onJobEvent', payload: ended }))
    unsubscribe()
    sockets[0].receive(JSON.stringify({ event: 'onJobEvent', payload: ended }))
    expect(first).toHaveBeenCalledTimes(2)
    expect(first).toHaveBeenCalledWith(ended)
    expect(second).toHaveBeenCalledTimes(1)
  })

  it('warns about malformed messages and keeps going', () => {
    const { stream, sockets, warn } = setup()
    const listener = vi.fn()
    stream.subscribe('onJobEvent', listener)
    sockets[0].receive('{not json')
    sockets[0].receive(JSON.stringify({ payload: ended }))
    sockets[0].receive(JSON.stringify({ event: 'onJobEvent', payload: ended }))
    expect(warn).toHaveBeenCalledTimes(2)
    expect(listener).toHaveBeenCalledTimes(1)
  })

  it('reconnects with doubling waits up to the maximum, and resets them once connected', () => {
    const { stream, sockets, timers } = setup()
    stream.subscribe('onJobEvent', vi.fn())
    sockets[0].drop()
    timers.shift()!.callback()
    sockets[1].drop()
    timers.shift()!.callback()
    sockets[2].drop()
    timers.shift()!.callback()
    sockets[3].drop()
    expect(timers.map((timer) => timer.ms)).toEqual([350])
    timers.shift()!.callback()
    sockets[4].open()
    sockets[4].drop()
    expect(timers.map((timer) => timer.ms)).toEqual([100])
    expect(sockets).toHaveLength(5)
  })

  it('delivers events on the new socket and tells listeners it came back, but not on the first connection', () => {
    const { stream, sockets, timers } = setup()
    const listener = vi.fn()
    const reconnected = vi.fn()
    stream.subscribe('onJobEvent', listener)
    stream.onReconnected(reconnected)
    sockets[0].open()
    expect(reconnected).not.toHaveBeenCalled()
    sockets[0].drop()
    timers.shift()!.callback()
    sockets[1].open()
    expect(reconnected).toHaveBeenCalledTimes(1)
    sockets[1].receive(JSON.stringify({ event: 'onJobEvent', payload: ended }))
    expect(listener).toHaveBeenCalledWith(ended)
  })

  it('does not open a second socket for a subscription made while waiting to reconnect', () => {
    const { stream, sockets, timers } = setup()
    stream.subscribe('onJobEvent', vi.fn())
    sockets[0].drop()
    stream.subscribe('onJobEvent', vi.fn())
    expect(sockets).toHaveLength(1)
    timers.shift()!.callback()
    expect(sockets).toHaveLength(2)
  })
})
