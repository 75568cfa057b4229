import { fork } from 'node:child_process'
import { createRequire } from 'node:module'
import { fileURLToPath, pathToFileURL } from 'node:url'
import type { JobSpawner } from './spawner'
import { workerArgs } from './protocol'

/** The TypeScript worker next to this file; tsx runs it, as it runs the CLI. */
export const defaultWorkerPath = fileURLToPath(new URL('./worker.ts', import.meta.url))

/**
 * Resolved from here rather than by name so that the job process finds tsx whatever the
 * current directory is (`--import tsx` would resolve it from the cwd).
 */
function tsxLoaderUrl(): string {
  return pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href
}

export function createNodeSpawner(options: { workerPath?: string } = {}): JobSpawner {
  const workerPath = options.workerPath ?? defaultWorkerPath
  return {
    spawn({ kind, jobId, args, env }, handlers) {
      const child = fork(workerPath, workerArgs(kind, jobId, args), {
        ...(env ? { env: { ...process.env, ...env } } : {}),
        execArgv: workerPath.endsWith('.ts') ? ['--import', tsxLoaderUrl()] : [],
        stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      })
      let exited = false
      const exitOnce = (exit: Parameters<typeof handlers.onExit>[0]) => {
        if (exited) return
        exited = true
        handlers.onExit(exit)
      }
      child.on('spawn', () => handlers.onSpawn(child.pid as number))
      child.on('message', (message) => handlers.onMessage(message))
      child.stderr?.setEncoding('utf8').on('data', (text: string) => handlers.onStderr(text))
      // 'close' comes after the IPC channel and stderr are drained: no message arrives later.
      child.on('close', (code, signal) => exitOnce({ code, signal }))
      child.on('error', (error) => {
        if (child.pid === undefined) exitOnce({ code: null, signal: null, spawnError: error })
      })
      return {
        kill: (signal) => {
          if (child.exitCode === null && child.signalCode === null) child.kill(signal)
        },
      }
    },
  }
}
