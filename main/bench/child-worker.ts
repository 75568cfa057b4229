// Runs one measurement in a fresh Node process (through tsx), so that its peak memory is its own
// and no session outlives it. The worker answers one message: {ok: true, result} or {ok: false, message}.
import { fork } from 'node:child_process'
import { createRequire } from 'node:module'
import { pathToFileURL } from 'node:url'

export function runBenchWorker<Request, Result>(workerPath: string, request: Request, label: string): Promise<Result> {
  return new Promise((resolve, reject) => {
    const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href
    const child = fork(workerPath, [], { execArgv: ['--import', tsx], stdio: ['ignore', 'ignore', 'pipe', 'ipc'] })
    let stderr = ''
    let answered = false
    child.stderr?.setEncoding('utf8').on('data', (text: string) => (stderr = (stderr + text).slice(-4000)))
    child.on('message', (message) => {
      answered = true
      const m = message as { ok: true; result: Result } | { ok: false; message: string }
      if (m.ok) resolve(m.result)
      else reject(new Error(`${label} failed: ${m.message}`))
    })
    child.on('close', (code, signal) => {
      if (!answered) reject(new Error(`${label} process exited (${signal ?? code}) without a result: ${stderr.trim()}`))
    })
    child.send(request as object)
  })
}
