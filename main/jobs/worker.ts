// Entry point of a job process (Node fork or Electron utilityProcess). Started with
// `<kind> <jobId>` as arguments; streams WorkerMessages to main, then exits 0 when the job
// finished or 1 when it failed. Dying any other way is how main tells a crash.
import { ApiCallError, JobKind } from '../contract'
import { useInstalledCudaRuntime } from '../runtime/binding-redirect'
import { defaultDataDir } from '../store/data-dir'
import { jobMains } from './kinds'
import { connectToParent } from './worker-channel'

async function runJob(): Promise<void> {
  const channel = connectToParent()
  const [kindArg, jobId, ...args] = process.argv.slice(2)
  const kind = JobKind.safeParse(kindArg)
  if (!kind.success || !jobId) {
    channel.sendLastAndExit({ type: 'failed', jobId: jobId ?? '', error: `unknown job kind "${kindArg}"` }, 1)
    return
  }
  // Goes to stderr so that it is among the last words main keeps if the process dies.
  process.stderr.write(`mixture-studio job ${jobId} (${kind.data}) running as process ${process.pid}\n`)
  // Before a job's code imports onnxruntime-node (the kinds load lazily): a CUDA runtime installed
  // in the data folder replaces the bundled binding (main/runtime/binding-redirect.ts).
  useInstalledCudaRuntime(defaultDataDir())
  try {
    const jobMain = await jobMains[kind.data]()
    const result = await jobMain({
      jobId,
      args,
      runEvent: (event) => channel.send({ type: 'run', jobId, event }),
      log: (level, message) => channel.send({ type: 'log', jobId, level, message }),
      progress: (done, total, label, transfer) => channel.send({ type: 'progress', jobId, done, total, label, ...(transfer ? { transfer } : {}) }),
    })
    channel.sendLastAndExit({ type: 'result', jobId, data: result ?? null }, 0)
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    process.stderr.write(`${error instanceof Error ? error.stack : message}\n`)
    const code = error instanceof ApiCallError ? { code: error.code } : {}
    channel.sendLastAndExit({ type: 'failed', jobId, error: message, ...code }, 1)
  }
}

void runJob()
