import type { WorkerMessage } from './protocol'

/** How a job process talks to main: Electron's utilityProcess port, or Node's fork IPC. */
export interface WorkerChannel {
  send(message: WorkerMessage): void
  /** Sends the job's last message and exits once it (and all before it) has gone out. */
  sendLastAndExit(message: WorkerMessage, code: number): void
}

interface ElectronParentPort {
  postMessage(message: unknown): void
}

export function connectToParent(): WorkerChannel {
  const parentPort = (process as unknown as { parentPort?: ElectronParentPort }).parentPort
  if (parentPort) return parentPortChannel(parentPort)
  if (typeof process.send === 'function') return forkChannel()
  throw new Error('This is the Mixture Studio job process; it is started by the app, not run directly.')
}

function forkChannel(): WorkerChannel {
  return {
    send: (message) => process.send?.(message),
    // Messages are written in order, so the last one's callback means all are out.
    sendLastAndExit: (message, code) => {
      if (!process.send || !process.connected) process.exit(code)
      process.send(message, undefined, {}, () => process.exit(code))
    },
  }
}

function parentPortChannel(port: ElectronParentPort): WorkerChannel {
  return {
    send: (message) => port.postMessage(message),
    // postMessage has no completion callback; a short pause lets the queue drain.
    sendLastAndExit: (message, code) => {
      port.postMessage(message)
      setTimeout(() => process.exit(code), 50)
    },
  }
}
