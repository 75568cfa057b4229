// The e2e's load (tests/e2e/load.mjs): MIXTURE_STUDIO_E2E_LOAD=N starts N processes that keep a
// core busy, and stop() ends each of them; a value that is no count is refused, saying what is wanted.
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
// @ts-expect-error: a plain .mjs helper of the e2e, without types
import { loadFromEnv, startLoad } from '../../e2e/load.mjs'

/** Whether a process of this id is still there (signal 0 only asks). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

describe('MIXTURE_STUDIO_E2E_LOAD', () => {
  it('is 0 when unset or empty, the count when given', () => {
    expect(loadFromEnv({})).toBe(0)
    expect(loadFromEnv({ MIXTURE_STUDIO_E2E_LOAD: '' })).toBe(0)
    expect(loadFromEnv({ MIXTURE_STUDIO_E2E_LOAD: '2' })).toBe(2)
  })

  it('refuses what is not a count of processes, naming the variable and an example', () => {
    for (const raw of ['two', '-1', '1.5', '1000']) {
      expect(() => loadFromEnv({ MIXTURE_STUDIO_E2E_LOAD: raw })).toThrow(`MIXTURE_STUDIO_E2E_LOAD is "${raw}"`)
    }
    expect(() => loadFromEnv({ MIXTURE_STUDIO_E2E_LOAD: 'two' })).toThrow('MIXTURE_STUDIO_E2E_LOAD=2')
  })

  it('starts busy processes that burn CPU until stop() ends them', { timeout: 30_000 }, async () => {
    const load = startLoad(2)
    const pids: number[] = load.children.map((child: { pid: number }) => child.pid)
    try {
      expect(pids).toHaveLength(2)
      // Busy: each uses more CPU time than starting Node takes (~0.05 s), which an idle one never
      // would; polled, since a loaded machine gives each a fraction of a core.
      const end = Date.now() + 20_000
      while (pids.some((pid) => cpuSeconds(pid) < 0.3) && Date.now() < end) await new Promise((resolve) => setTimeout(resolve, 200))
      for (const pid of pids) expect(cpuSeconds(pid)).toBeGreaterThanOrEqual(0.3)
    } finally {
      await load.stop()
    }
    for (const pid of pids) expect(alive(pid)).toBe(false)
  })
})

/** A process's user + system CPU time in seconds, from /proc (Linux, where the e2e runs). */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(fields[11]) + Number(fields[12])) / 100
}
