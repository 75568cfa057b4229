import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { main, type CliContext } from '../../../main/cli'
import { openStore } from '../../../main/store'
import { makeTempDir } from '../../helpers/temp-dir'

let temp: ReturnType<typeof makeTempDir>
beforeEach(() => (temp = makeTempDir()))
afterEach(() => temp.remove())

function capture(interrupt: Promise<void> = new Promise(() => {})) {
  const out = { stdout: '', stderr: '' }
  const context: CliContext = {
    env: { MIXTURE_STUDIO_HOME: temp.dir },
    stdout: (text) => (out.stdout += text),
    stderr: (text) => (out.stderr += text),
    untilInterrupted: () => interrupt,
  }
  return { out, context }
}

function seedRuns(): { doneId: string; queuedId: string } {
  const store = openStore(temp.dir)
  const done = store.runs.create({ name: 'mov-alpaca', config: {}, method: 'mov' }, new Date('2024-05-01T10:00:00Z'))
  const queued = store.runs.create({ name: 'lora-baseline', config: {}, method: 'lora' }, new Date('2024-05-02T10:00:00Z'))
  store.runs.finish(done.id, 'completed')
  store.close()
  return { doneId: done.id, queuedId: queued.id }
}

describe('mixture-studio CLI', () => {
  it('prints help listing the commands', async () => {
    const { out, context } = capture()
    expect(await main(['--help'], context)).toBe(0)
    expect(out.stdout).toMatch(/serve\s+run the studio in your browser/)
    expect(out.stdout).toMatch(/runs\s+list, show, compare, cancel and delete training runs/)
  })

  it('exits with 2 and the usage on an unknown command or option', async () => {
    const unknown = capture()
    expect(await main(['frobnicate'], unknown.context)).toBe(2)
    expect(unknown.out.stderr).toContain('Unknown command "frobnicate"')
    expect(unknown.out.stderr).toContain('Usage: mixture-studio <command>')

    const badOption = capture()
    expect(await main(['runs', 'list', '--colour'], badOption.context)).toBe(2)
    expect(badOption.out.stderr).toContain("Unknown option '--colour'")
    expect(badOption.out.stderr).toContain('Usage: mixture-studio runs list')

    expect(await main([], capture().context)).toBe(2)
  })

  it('lists runs as a table, newest first', async () => {
    const { doneId, queuedId } = seedRuns()
    const { out, context } = capture()
    expect(await main(['runs', 'list'], context)).toBe(0)
    const lines = out.stdout.trimEnd().split('\n')
    expect(lines[0]).toMatch(/^ID\s+NAME\s+STATUS\s+METHOD\s+BEST EVAL\s+TRAINED\s+CREATED$/)
    // Never evaluated, never trained: a dash for each figure.
    expect(lines[1]).toMatch(new RegExp(`^${queuedId}\\s+lora-baseline\\s+starting\\s+lora\\s+-\\s+-\\s+2024-05-02 10:00:00$`))
    expect(lines[2]).toContain(doneId)
  })

  it('lists runs as JSON lines, filtered by status', async () => {
    const { doneId } = seedRuns()
    const { out, context } = capture()
    expect(await main(['runs', 'list', '--json', '--status', 'completed'], context)).toBe(0)
    const lines = out.stdout.trimEnd().split('\n').map((line) => JSON.parse(line))
    expect(lines).toEqual([expect.objectContaining({ id: doneId, status: 'completed', name: 'mov-alpaca' })])
  })

  it('rejects an unknown status with the choices', async () => {
    const { out, context } = capture()
    expect(await main(['runs', 'list', '--status', 'sleeping'], context)).toBe(2)
    expect(out.stderr).toMatch(/--status: .*"completed"/)
  })

  it('serves until interrupted, printing the address with its token', async () => {
    let stop!: () => void
    const { out, context } = capture(new Promise((resolve) => (stop = resolve)))
    const exit = main(['serve', '--no-open'], context)
    await expect.poll(() => out.stdout, { timeout: 10_000 }).toContain('?token=')
    const url = /http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+/.exec(out.stdout)?.[0] as string
    const port = new URL(url).port
    const token = new URL(url).searchParams.get('token')
    const reply = await fetch(`http://127.0.0.1:${port}/api/runsList`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: '{}',
    })
    expect(reply.status).toBe(200)
    stop()
    expect(await exit).toBe(0)
    await expect(fetch(`http://127.0.0.1:${port}/`)).rejects.toThrow()
  })

  it('reports a database from a newer version and exits 1', async () => {
    const store = openStore(temp.dir)
    store.db.pragma('user_version = 77')
    store.close()
    const { out, context } = capture()
    expect(await main(['runs', 'list'], context)).toBe(1)
    expect(out.stderr).toContain('upgrade Mixture Studio')
  })
})

describe('bin/mixture-studio.mjs', () => {
  it('runs `serve` as a real process and stops cleanly on SIGINT', async () => {
    const bin = fileURLToPath(new URL('../../../bin/mixture-studio.mjs', import.meta.url))
    const child = spawn(process.execPath, [bin, 'serve', '--no-open'], {
      env: { ...process.env, MIXTURE_STUDIO_HOME: temp.dir },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text))
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
    await expect.poll(() => stdout, { timeout: 20_000 }).toContain('?token=')
    child.kill('SIGINT')
    expect(await exited).toBe(0)
    expect(stdout).toContain('Stopping')
  })
})
