import { afterEach, describe, expect, it } from 'vitest'
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { currentBootTimeMs, currentProcessIdentity, processStart, whyNotItsProcess } from '../../../main/store'
import { endedFromStat, isProcessAlive, procStatStart, psStart, startTimeFromStat } from '../../../main/store/process-liveness'
import { useLiveChildren } from '../../helpers/live-child'

const liveChild = useLiveChildren()

function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '0']).pid as number
}

describe('when a process started', () => {
  it('reads field 22 of /proc/PID/stat after the last ")", whatever the command name holds', () => {
    const rest = ['S', ...Array.from({ length: 18 }, (_, i) => String(i + 4)), '987654', '1000']
    expect(startTimeFromStat(`4242 (a) b (c) d) ${rest.join(' ')}\n`)).toBe('987654')
    expect(startTimeFromStat(`4242 (node) ${rest.join(' ')}`)).toBe('987654')
    expect(startTimeFromStat('4242 (cut short) S 1 2')).toBeNull()
    expect(startTimeFromStat('garbage')).toBeNull()
  })

  it.runIf(process.platform === 'linux')('tells a live process from a gone one on Linux, and the same process reads the same', () => {
    const child = liveChild()
    expect(procStatStart(child.pid)).toEqual({ state: 'started', at: child.startedAt })
    expect(procStatStart(deadPid())).toEqual({ state: 'gone' })
    expect(currentProcessIdentity()).toMatchObject({ pid: process.pid, startedAt: (procStatStart(process.pid) as { at: string }).at })
  })

  it.runIf(process.platform !== 'win32')('reads it from ps where there is no /proc (macOS)', () => {
    const child = liveChild()
    const viaPs = psStart(child.pid)
    expect(viaPs).toMatchObject({ state: 'started', at: expect.stringMatching(/\d\d:\d\d:\d\d/) })
    expect(psStart(child.pid)).toEqual(viaPs)
    expect(psStart(deadPid())).toEqual({ state: 'gone' })
  })

  it('cannot tell on Windows, where a heartbeat lease stands in', () => {
    expect(processStart(process.pid, 'win32')).toEqual({ state: 'unknown' })
  })
})

describe('a zombie: a process that ended and waits for its parent to collect its exit status', () => {
  const parents: ChildProcess[] = []
  afterEach(() => {
    // Its parent gone, init reaps it.
    for (const parent of parents.splice(0)) parent.kill('SIGKILL')
  })

  /**
   * A child of a `sleep` that never collects it: the shell starts a short sleep in the background
   * and execs a long one, which the short one outlives as a zombie (it ends after the exec, so
   * the shell cannot have collected it first).
   */
  async function zombie(): Promise<number> {
    const parent = spawn('sh', ['-c', 'sleep 0.2 & echo $!; exec sleep 60'], { stdio: ['ignore', 'pipe', 'ignore'] })
    parents.push(parent)
    const pid = await new Promise<number>((resolve) => parent.stdout!.once('data', (text: Buffer) => resolve(Number(String(text).trim()))))
    for (let tries = 0; !endedFromStat(readFileSync(`/proc/${pid}/stat`, 'latin1')); tries++) {
      if (tries > 500) throw new Error(`process ${pid} did not become a zombie`)
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
    return pid
  }

  it('reads state Z or X after the command name, whatever the name holds', () => {
    expect(endedFromStat('4242 (a) Z) Z 1 2 3')).toBe(true)
    expect(endedFromStat('4242 (node) X 1 2 3')).toBe(true)
    expect(endedFromStat('4242 (Z) S 1 2 3')).toBe(false)
    expect(endedFromStat('garbage')).toBe(false)
  })

  it.runIf(process.platform === 'linux')('is gone, so the run of an orphaned job that died before init reaped it is found interrupted', async () => {
    const pid = await zombie()
    // kill(pid, 0) still answers for it: that alone would keep the run `running`.
    expect(isProcessAlive(pid)).toBe(true)
    expect(procStatStart(pid)).toEqual({ state: 'gone' })
    const startedAt = startTimeFromStat(readFileSync(`/proc/${pid}/stat`, 'latin1'))
    expect(startedAt).not.toBeNull()
    const run = { pid, bootTimeMs: currentBootTimeMs(), processStartedAt: startedAt, heartbeatAt: new Date().toISOString() }
    expect(whyNotItsProcess(run)).toMatch(new RegExp(`process ${pid} ended without reporting`))
  })
})
