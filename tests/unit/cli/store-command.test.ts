import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { listBackups, openStore } from '../../../main/store'
import { runFolder } from '../../../main/train/run-training'
import { runCli } from '../../helpers/cli-in-process'
import { makeTempDir } from '../../helpers/temp-dir'
import { fillWithRuns, overwriteTablePageNearMiddle } from '../../helpers/damage-database'
import { cli as cliAt, trainRunsAroundBackup, type RunsAfterBackup } from '../store/runs-after-backup'

let temp: ReturnType<typeof makeTempDir>
beforeEach(() => (temp = makeTempDir()))
afterEach(() => temp.remove())

const cli = (args: string[], home = temp.dir) => runCli(args, { home })

/** A store with 300 runs and its daily backup, then damaged in the middle. */
function damagedStoreWithBackup(): string[] {
  const store = openStore(temp.dir)
  const ids = fillWithRuns(store, 300)
  store.close()
  openStore(temp.dir).close()
  overwriteTablePageNearMiddle(join(temp.dir, 'studio.db'))
  return ids
}

const STACK_LINE = /\n\s+at /

describe('mixture-studio store', () => {
  it('is listed in the help, with its own', async () => {
    expect((await cli(['--help'])).stdout).toMatch(/store\s+what the data folder holds and the disk's free space; delete unused quantized copies and downloads; list the run store's backups, or restore one/)
    const help = await cli(['store', '--help'])
    expect(help.stdout).toContain('mixture-studio store restore [BACKUP] [--home DIR]')
    expect(help.stdout).toContain('studio.db.damaged-<time>')
  })

  it('lists the backups, newest first, as a table or JSON lines', async () => {
    const store = openStore(temp.dir)
    fillWithRuns(store, 3)
    store.close()
    openStore(temp.dir).close()
    const [backup] = listBackups(join(temp.dir, 'backups'))

    const table = await cli(['store', 'backups'])
    expect(table.code).toBe(0)
    expect(table.stdout).toContain(`Backups in ${join(temp.dir, 'backups')}:`)
    expect(table.stdout).toMatch(new RegExp(`${backup.name}\\s+\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2} UTC\\s+daily\\s+\\d`))
    const json = await cli(['store', 'backups', '--json'])
    expect(JSON.parse(json.stdout)).toEqual(expect.objectContaining({ name: backup.name, reason: 'daily', path: backup.path }))

    const none = await cli(['store', 'backups', '--home', join(temp.dir, 'elsewhere')])
    expect(none.stdout).toContain('No backups in')
  })

  it('restores with the exact command a damaged database\'s refusal prints, and the runs come back', async () => {
    const ids = damagedStoreWithBackup()
    const refused = await cli(['runs', 'list'])
    expect(refused.code).toBe(1)
    expect(refused.stderr).toContain('is damaged')
    expect(refused.stderr).not.toMatch(STACK_LINE)

    const command = /Restore it with: mixture-studio (store restore \S+) --home "([^"]+)"/.exec(refused.stderr)
    expect(command).not.toBeNull()
    // Run from a shell whose MIXTURE_STUDIO_HOME points elsewhere: --home still finds the data.
    const restored = await cli([...command![1].split(' '), '--home', command![2]], join(temp.dir, 'elsewhere'))
    expect(restored.code).toBe(0)
    expect(restored.stdout).toMatch(/Restored .*studio\.db from studio-\d{8}-\d{6}-daily\.db/)
    expect(restored.stdout).toMatch(/The damaged database is kept as .*studio\.db\.damaged-\d{8}-\d{6}/)

    const listed = await cli(['runs', 'list', '--json', '--limit', '1000'])
    expect(listed.code).toBe(0)
    expect(listed.stdout.trimEnd().split('\n')).toHaveLength(ids.length)
  })

  it('refuses to restore while the database is open elsewhere, without a stack', async () => {
    const store = openStore(temp.dir)
    fillWithRuns(store, 3)
    store.close()
    const live = openStore(temp.dir)
    try {
      const refused = await cli(['store', 'restore'])
      expect(refused.code).toBe(1)
      expect(refused.stderr).toContain('is open in another Mixture Studio process')
      expect(refused.stderr).not.toMatch(STACK_LINE)
    } finally {
      live.close()
    }
  })
})

describe('mixture-studio store restore, with runs recorded after the backup', () => {
  let dir: ReturnType<typeof makeTempDir>
  let runs: RunsAfterBackup
  const broken = () => join(runs.home, 'runs', 'folder-with-broken-config')

  beforeAll(async () => {
    dir = makeTempDir('ms-store-restore-runs-')
    runs = await trainRunsAroundBackup(dir.dir)
    mkdirSync(broken())
    writeFileSync(join(broken(), 'config.json'), '{ "model": "/models/tiny", "data": ')
  }, 180_000)
  afterAll(() => dir.remove())

  it('registers them again from their folders and lists them by name, and names the folder it skips and why', async () => {
    const restored = await cliAt(runs.home, ['store', 'restore'])
    expect(restored.code).toBe(0)
    const { finished, stopped } = runs
    expect(restored.out).toContain(
      '2 runs recorded after the backup was made were registered again from their folders (curves and log lines from before are lost; checkpoints and adapters are back):\n',
    )
    expect(restored.out).toContain(`  ${finished.name} (${finished.id}): completed, checkpoints at steps 2, 4\n`)
    expect(restored.out).toContain(
      `  ${stopped.name} (${stopped.id}): interrupted at step ${stopped.step} of 6, checkpoints at steps 2, ${stopped.step}; continue it with \`mixture-studio train --resume ${stopped.id}\`\n`,
    )
    expect(restored.out).toMatch(
      new RegExp(`1 folder under runs/ could not be registered; fix it and restore again:\n  ${broken()}: its config\\.json is not a valid run configuration \\(line 1: `),
    )
    expect(restored.out).not.toContain(runs.before)

    const listed = await cliAt(runs.home, ['runs', 'list', '--json'])
    const statuses = Object.fromEntries(listed.out.trimEnd().split('\n').map((line) => JSON.parse(line)).map((run) => [run.name, run.status]))
    expect(statuses).toEqual({ 'trained-before-the-backup': 'completed', [finished.name]: 'completed', [stopped.name]: 'interrupted' })
  })

  it('shows their checkpoints and adapter, and train --resume takes the interrupted one to its end', async () => {
    const { finished, stopped } = runs
    const shownFinished = await cliAt(runs.home, ['runs', 'show', finished.id])
    expect(shownFinished.code).toBe(0)
    expect(shownFinished.out).toMatch(/^status {6}completed$/m)
    expect(shownFinished.out).toContain(`adapter     ${join(runFolder(runs.home, finished.id), 'adapter')}\n`)
    expect(shownFinished.out).toContain('checkpoints 2, 4\n')

    const shownStopped = await cliAt(runs.home, ['runs', 'show', stopped.id])
    expect(shownStopped.out).toContain(`status      interrupted: registered again from its folder after studio.db was restored from`)
    expect(shownStopped.out).toContain(`checkpoints 2, ${stopped.step}\n`)
    expect(shownStopped.out).toMatch(/adapter +\(none yet\)/)

    const resumed = await cliAt(runs.home, ['train', '--resume', stopped.id, '--json'])
    expect(resumed.err).toBe('')
    expect(resumed.code).toBe(0)
    expect(resumed.out).toContain(`resuming from ${join(runFolder(runs.home, stopped.id), 'checkpoints', `step-${stopped.step}`)} (step ${stopped.step})`)
    expect(JSON.parse(resumed.out.trimEnd().split('\n').at(-1)!)).toEqual({ type: 'done', run_id: stopped.id, adapter: join(runFolder(runs.home, stopped.id), 'adapter'), step: 6 })
    expect(existsSync(join(runFolder(runs.home, stopped.id), 'adapter', 'adapter_model.safetensors'))).toBe(true)
    const shownAfter = await cliAt(runs.home, ['runs', 'show', stopped.id])
    expect(shownAfter.out).toMatch(/^status {6}completed$/m)
  }, 120_000)
})

describe('a data folder the CLI cannot use', () => {
  it('is reported in one message, not a stack: the data folder a file, studio.db a folder', async () => {
    const file = join(temp.dir, 'home-file')
    writeFileSync(file, 'not a folder')
    const homeIsFile = await cli(['runs', 'list'], file)
    expect(homeIsFile.code).toBe(1)
    expect(homeIsFile.stderr).toBe(`The data folder ${file} is a file, not a folder. Mixture Studio keeps its database and run folders there: set MIXTURE_STUDIO_HOME to a folder (or leave it unset for the default), or move that file away.\n`)

    mkdirSync(join(temp.dir, 'studio.db'))
    const databaseIsFolder = await cli(['serve', '--no-open'])
    expect(databaseIsFolder.code).toBe(1)
    expect(databaseIsFolder.stderr).toContain(`${join(temp.dir, 'studio.db')} is a folder`)
    expect(databaseIsFolder.stderr).not.toMatch(STACK_LINE)
  })
})
