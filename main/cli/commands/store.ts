import { homedir } from 'node:os'
import { resolve } from 'node:path'
import { BACKUPS_KEPT, backupsDir, databasePath, formatBackupTime, listBackups, resolveDataDir, restoreBackup, type BackupFile, type Reregistration, type ReregisteredRun } from '../../store'
import { EXIT_OK, UsageError, type CliContext, type Command } from '../command'
import { parseOptions } from '../parse-options'
import { textTable } from '../text-table'
import { STORE_USAGE_HELP, STORE_USAGE_SYNOPSIS, storeDeleteCopies, storeDeleteDownload, storeUsage } from './store-usage'
import { formatBytes } from '../../contract/format-bytes'

export const storeCommand: Command = {
  name: 'store',
  summary: 'what the data folder holds and the disk\'s free space; delete unused quantized copies and downloads; list the run store\'s backups, or restore one',
  usage: `Usage: mixture-studio store backups [--json] [--home DIR]
       mixture-studio store restore [BACKUP] [--home DIR]
${STORE_USAGE_SYNOPSIS}

The run store is studio.db in the data folder. A copy of it goes into backups/ beside it
before each schema migration and once a day when Mixture Studio starts; the newest
${BACKUPS_KEPT.daily} daily and ${BACKUPS_KEPT['pre-migration']} pre-migration copies are kept.

backups: the backups, newest first.
restore: puts BACKUP (a name from \`store backups\`, or a path to a backup file; default the
newest) in place of studio.db. The database it replaces, with its -wal and -shm files, is moved
aside to studio.db.damaged-<time> (studio.db.replaced-<time> if it was sound), never deleted.
Runs recorded after the backup was made are not in it: each is registered again from its
folder under runs/ (configuration, checkpoints, adapter; completed when its adapter was written
at its last step, else interrupted and resumable from its newest checkpoint). Their curves and
log lines were only in the database and are lost. A folder without a readable config.json is
skipped and named.
Close the app, \`serve\` and training runs first: restore refuses while one has the database open.

${STORE_USAGE_HELP}

  --home DIR   the data folder (default: $MIXTURE_STUDIO_HOME, else the platform's application-data folder)
  --json       backups: one JSON object per line; usage, delete-copies: one JSON object`,

  async run(args, context) {
    const [subcommand, ...rest] = args
    switch (subcommand) {
      case 'backups':
        return listStoreBackups(rest, context)
      case 'restore':
        return restoreStore(rest, context)
      case 'usage':
        return storeUsage(rest, context)
      case 'delete-copies':
        return storeDeleteCopies(rest, context)
      case 'delete-download':
        return storeDeleteDownload(rest, context)
      case undefined:
        throw new UsageError('Which store command? (usage, delete-copies, delete-download, backups, restore)')
      default:
        throw new UsageError(`Unknown store command "${subcommand}"`)
    }
  },
}

function dataDirFrom(home: string | undefined, context: CliContext): string {
  return home !== undefined ? resolve(home) : resolveDataDir({ env: context.env, platform: process.platform, home: homedir() })
}

async function listStoreBackups(args: string[], context: CliContext): Promise<number> {
  const { values } = parseOptions(args, { json: { type: 'boolean' }, home: { type: 'string' } })
  const folder = backupsDir(dataDirFrom(values.home, context))
  const backups = listBackups(folder)
  if (values.json) {
    for (const backup of backups) context.stdout(`${JSON.stringify({ ...backup, createdAt: backup.createdAt.toISOString() })}\n`)
    return EXIT_OK
  }
  if (backups.length === 0) {
    context.stdout(`No backups in ${folder} yet (one is made at the next start, once studio.db holds data).\n`)
    return EXIT_OK
  }
  context.stdout(`Backups in ${folder}:\n${formatTable(backups)}`)
  return EXIT_OK
}

async function restoreStore(args: string[], context: CliContext): Promise<number> {
  const { values, positionals } = parseOptions(args, { home: { type: 'string' } }, true)
  if (positionals.length > 1) throw new UsageError('store restore takes at most one BACKUP')
  const dataDir = dataDirFrom(values.home, context)
  const result = restoreBackup(dataDir, { backupName: positionals[0] })
  for (const note of result.notes) context.stderr(`${note}\n`)
  context.stdout(`Restored ${databasePath(dataDir)} from ${result.backup.name} (made ${formatBackupTime(result.backup.createdAt)}).\n`)
  if (result.movedAsideTo) {
    const state = result.replacedWasDamaged ? 'The damaged database' : 'The database it replaced'
    context.stdout(`${state} is kept as ${result.movedAsideTo}.\n`)
  }
  context.stdout(describeReregistration(result.reregistered))
  return EXIT_OK
}

/** The runs recorded after the backup, registered again from their folders, and the folders that could not be. */
function describeReregistration({ runs, skipped }: Reregistration): string {
  const lines: string[] = []
  if (runs.length === 0 && skipped.length === 0) lines.push('Every run folder under runs/ is a run the restored database knows.')
  if (runs.length > 0) {
    lines.push(
      `${runs.length} run${runs.length === 1 ? '' : 's'} recorded after the backup was made ${runs.length === 1 ? 'was' : 'were'} registered again from ${runs.length === 1 ? 'its folder' : 'their folders'} ` +
        `(curves and log lines from before are lost; checkpoints and adapters are back):`,
      ...runs.map((run) => `  ${run.name} (${run.id}): ${describeRun(run)}`),
    )
  }
  if (skipped.length > 0) {
    lines.push(
      `${skipped.length} folder${skipped.length === 1 ? '' : 's'} under runs/ could not be registered; fix ${skipped.length === 1 ? 'it' : 'them'} and restore again:`,
      ...skipped.map((folder) => `  ${folder.folder}: ${folder.reason}`),
    )
  }
  return `${lines.join('\n')}\n`
}

function describeRun(run: ReregisteredRun): string {
  const checkpoints = run.checkpointSteps.length === 0 ? 'no checkpoints' : `checkpoints at steps ${run.checkpointSteps.join(', ')}`
  if (run.status === 'completed') return `completed, ${checkpoints}`
  const newest = run.checkpointSteps.at(-1) ?? 0
  return `interrupted at step ${newest}${run.maxSteps === null ? '' : ` of ${run.maxSteps}`}, ${checkpoints}; continue it with \`mixture-studio train --resume ${run.id}\``
}

function formatTable(backups: BackupFile[]): string {
  const rows = [['NAME', 'MADE', 'REASON', 'SIZE'], ...backups.map((b) => [b.name, formatBackupTime(b.createdAt), b.reason, formatBytes(b.bytes)])]
  return textTable(rows)
}
