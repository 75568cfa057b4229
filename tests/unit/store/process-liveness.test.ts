import { describe, expect, it } from 'vitest'
import { spawnSync } from 'node:child_process'
import { currentProcessIdentity, processStart } from '../../../main/store'
import { procStatStart, psStart, startTimeFromStat } from '../../../main/store/process-liveness'
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
