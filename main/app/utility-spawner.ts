import { utilityProcess } from 'electron'
import type { JobSpawner } from '../jobs'
import { workerArgs } from '../jobs/protocol'

/**
 * Job processes as Electron utility processes (Node's child_process would start another
 * copy of the Electron app). `workerPath` is the bundled main/jobs/worker.ts.
 */
export function createUtilitySpawner(workerPath: string): JobSpawner {
  return {
    spawn({ kind, jobId, args, env }, handlers) {
      const child = utilityProcess.fork(workerPath, workerArgs(kind, jobId, args), {
        ...(env ? { env: { ...process.env, ...env } } : {}),
        stdio: ['ignore', 'ignore', 'pipe'],
        serviceName: `Mixture Studio job (${kind})`,
      })
      let exited = false
      child.on('spawn', () => handlers.onSpawn(child.pid as number))
      child.on('message', (message) => handlers.onMessage(message))
      child.stderr?.setEncoding('utf8').on('data', (text: string) => handlers.onStderr(text))
      // A V8 fatal error arrives here with its report: part of the process's last words.
      child.on('error', (type, location, report) => handlers.onStderr(`${type} at ${location}\n${report}\n`))
      child.on('exit', (code) => {
        if (exited) return
        exited = true
        handlers.onExit({ code, signal: null })
      })
      return {
        kill: (signal) => {
          if (exited) return
          if (signal === 'SIGKILL' && child.pid !== undefined) process.kill(child.pid, 'SIGKILL')
          else child.kill()
        },
      }
    },
  }
}
