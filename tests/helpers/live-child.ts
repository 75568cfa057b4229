// Real processes standing in for "some program that now has a run's pid": idle node processes
// the test kills afterwards, and a way to see whether (and how) one ended.
import { spawn, type ChildProcess } from 'node:child_process'
import { afterEach } from 'vitest'
import { processStart } from '../../main/store'

export interface LiveChild {
  readonly pid: number
  /** Its start time as the platform tells it (what a run records). */
  readonly startedAt: string
  /** Resolves with the signal or exit code that ended it, or null if it is still alive after `ms`. */
  endedWithin(ms: number): Promise<NodeJS.Signals | number | null>
}

/** Registers an afterEach that kills whatever the test's children left running. */
export function useLiveChildren(): () => LiveChild {
  const children: ChildProcess[] = []
  afterEach(() => {
    for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  })
  return () => {
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 120_000)'], { stdio: 'ignore' })
    children.push(child)
    const pid = child.pid
    if (pid === undefined) throw new Error('could not start a child process')
    const start = processStart(pid)
    if (start.state !== 'started') throw new Error(`this platform did not tell when process ${pid} started (${start.state})`)
    const ended = new Promise<NodeJS.Signals | number>((resolve) => child.once('exit', (code, signal) => resolve(signal ?? (code as number))))
    return {
      pid,
      startedAt: start.at,
      endedWithin: (ms) => Promise.race([ended, new Promise<null>((resolve) => setTimeout(() => resolve(null), ms))]),
    }
  }
}
