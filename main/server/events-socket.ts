import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import { WebSocketServer, type WebSocket } from 'ws'
import { eventNames } from '../contract/names'
import type { Services } from '../services'

/**
 * `/api/events`: every contract event, pushed as `{"event": "onJobEvent", "payload": ...}`.
 * The socket only sends; whatever a client writes is ignored.
 */
export function eventsSocket(services: Services): {
  accept(request: IncomingMessage, socket: Duplex, head: Buffer): void
  close(): void
} {
  const server = new WebSocketServer({ noServer: true, maxPayload: 4096 })
  server.on('connection', (socket: WebSocket) => {
    const unsubscribes = eventNames.map((event) =>
      services.subscribe(event, (payload) => {
        if (socket.readyState === socket.OPEN) socket.send(JSON.stringify({ event, payload }))
      }),
    )
    socket.on('close', () => unsubscribes.forEach((unsubscribe) => unsubscribe()))
  })
  return {
    accept(request, socket, head) {
      server.handleUpgrade(request, socket, head, (ws) => server.emit('connection', ws, request))
    },
    close() {
      for (const client of server.clients) client.terminate()
      server.close()
    },
  }
}
