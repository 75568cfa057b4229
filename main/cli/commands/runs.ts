import { RunStatus, type RunSummary } from '../../contract'
import { dispatchCall } from '../../services'
import { EXIT_OK, UsageError, type CliContext, type Command } from '../command'
import { openServices } from '../open-services'
import { parseOptions } from '../parse-options'

export const runsCommand: Command = {
  name: 'runs',
  summary: 'list training runs',
  usage: `Usage: mixture-studio runs list [--json] [--status S] [--limit N]

Lists runs, newest first.

  --json       one JSON object per line instead of a table
  --status S   only runs in state S (${RunStatus.options.join(', ')})
  --limit N    at most N runs (default 200)`,

  async run(args, context) {
    const [subcommand, ...rest] = args
    switch (subcommand) {
      case 'list':
        return listRuns(rest, context)
      case undefined:
        throw new UsageError('Which runs command? (list)')
      default:
        throw new UsageError(`Unknown runs command "${subcommand}"`)
    }
  },
}

async function listRuns(args: string[], context: CliContext): Promise<number> {
  const { values } = parseOptions(args, {
    json: { type: 'boolean' },
    status: { type: 'string' },
    limit: { type: 'string' },
  })
  const input = {
    ...(values.status !== undefined ? { status: values.status } : {}),
    ...(values.limit !== undefined ? { limit: Number(values.limit) } : {}),
  }
  const services = openServices(context)
  try {
    const result = await dispatchCall(services, 'runsList', input)
    if (!result.ok) {
      const detail = result.error.issues?.map((issue) => `--${issue.path}: ${issue.message}`).join('; ')
      throw new UsageError(detail ?? result.error.message)
    }
    const runs = result.data as RunSummary[]
    if (values.json) {
      for (const run of runs) context.stdout(`${JSON.stringify(run)}\n`)
    } else {
      context.stdout(runs.length === 0 ? 'No runs.\n' : formatTable(runs))
    }
    return EXIT_OK
  } finally {
    await services.close()
  }
}

function formatTable(runs: RunSummary[]): string {
  const header = ['ID', 'NAME', 'STATUS', 'METHOD', 'CREATED']
  const rows = runs.map((run) => [run.id, run.name, run.status, run.method ?? '-', run.createdAt.replace('T', ' ').slice(0, 19)])
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column].length)))
  const line = (cells: string[]) => cells.map((cell, column) => cell.padEnd(widths[column])).join('  ').trimEnd()
  return [line(header), ...rows.map(line)].join('\n') + '\n'
}
