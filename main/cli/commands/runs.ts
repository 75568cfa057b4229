import { existsSync } from 'node:fs'
import { RunConfig, RunStatus, runTrainingSeconds, type RunAnswer, type RunAnswers, type RunDetail, type RunJobImported, type RunLog, type RunMetrics, type RunSummary } from '../../contract'
import { diffConfigs } from '../../contract/config-diff'
import { isRouterMetric, parseRouterMetric } from '../../contract/router-metrics'
import { callService } from '../call-service'
import { dispatchCall } from '../../services'
import { EXIT_FAILURE, EXIT_OK, UsageError, type CliContext, type Command } from '../command'
import { openServices } from '../open-services'
import { parseOptions } from '../parse-options'
import { textTable } from '../text-table'
import { idArgument, idArguments } from '../id-argument'
import { formatSeconds } from '../format-seconds'

export const runsCommand: Command = {
  name: 'runs',
  summary: 'list, show, compare, cancel and delete training runs; import a cluster job\'s run',
  usage: `Usage: mixture-studio runs list [--json] [--status S] [--limit N]
       mixture-studio runs show RUN [--json] [--log N]
       mixture-studio runs compare RUN RUN... [--json]
       mixture-studio runs cancel RUN [--json]
       mixture-studio runs delete RUN... [--json]
       mixture-studio runs import-job DIR [--out OUT] [--name NAME] [--json]

RUN is a run's id, the start of it (4 characters or more) when no other run's id starts so, or the
run's name when no other run has it.
list: runs, newest first. show: a run's status, training time, folder, adapter, checkpoints,
latest metrics and the end of its log. compare: final and best losses side by side, then the configuration fields that differ.
cancel: a queued run is cancelled without starting; a training one stops after its step, with a checkpoint.
delete: forgets a run and removes its folder (checkpoints, adapter, tokenized data); what was
exported from it elsewhere is left alone. A queued or training run is refused: cancel it first.
import-job: brings the run of a cluster job (the folder \`export RUN --format torchrun\` wrote, after
train.py ran) into the history: its configuration, metrics.jsonl's curve, checkpoints and final adapter,
all checked first (a bad file is refused, naming its line, field or tensor, and nothing is recorded).
A job that did not reach its end (no end line in metrics.jsonl, or no adapter/) comes home cancelled
at its newest checkpoint, and Resume trains it on here. A job is imported once.

  --json       one JSON object per line instead of a table
  --status S   only runs in state S (${RunStatus.options.join(', ')})
  --limit N    at most N runs (default 200)
  --log N      show: the last N lines of the run's log (default 10; 0 for none)
  --out OUT    import-job: the job's outputs, as train.py was given them (default DIR/out)
  --name NAME  import-job: the run's name (default the exported run's, with "(cluster job)")`,

  async run(args, context) {
    const [subcommand, ...rest] = args
    switch (subcommand) {
      case 'list':
        return listRuns(rest, context)
      case 'show':
        return showRun(rest, context)
      case 'compare':
        return compareRuns(rest, context)
      case 'cancel':
        return cancelRun(rest, context)
      case 'delete':
        return deleteRuns(rest, context)
      case 'import-job':
        return importJobRun(rest, context)
      case undefined:
        throw new UsageError('Which runs command? (list, show, compare, cancel, delete, import-job)')
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
      // As the Runs page's table: each run's best validation loss and how long it trained.
      const best = new Map<string, number | null>()
      for (const run of runs) {
        const metrics = await dispatchCall(services, 'runsMetrics', { runId: run.id, names: ['eval_loss'] })
        best.set(run.id, metrics.ok ? lowestValue((metrics.data as RunMetrics).series.eval_loss) : null)
      }
      context.stdout(runs.length === 0 ? 'No runs.\n' : formatTable(runs, best))
    }
    return EXIT_OK
  } finally {
    await services.close()
  }
}

async function cancelRun(args: string[], context: CliContext): Promise<number> {
  const { values, positionals } = parseOptions(args, { json: { type: 'boolean' } }, true)
  if (positionals.length !== 1) throw new UsageError('runs cancel needs one RUN id')
  const run = (await callService(context, 'runsCancel', { runId: idArgument(context, 'run', positionals[0]) }, values.json)) as RunSummary | null
  if (!run) return EXIT_FAILURE
  if (values.json) context.stdout(`${JSON.stringify(run)}\n`)
  else context.stdout(`${run.name} (${run.id}): ${run.status === 'cancelled' ? 'cancelled' : `${run.status}; it stops after its current step`}\n`)
  return EXIT_OK
}

async function deleteRuns(args: string[], context: CliContext): Promise<number> {
  const { values, positionals } = parseOptions(args, { json: { type: 'boolean' } }, true)
  if (positionals.length === 0) throw new UsageError('runs delete needs one or more RUN ids')
  // Every argument is found before anything is deleted: an ambiguous or unknown one deletes nothing.
  const runIds = idArguments(context, 'run', positionals)
  for (const runId of runIds) if (!(await callService(context, 'runsShow', { runId }, values.json))) return EXIT_FAILURE
  for (const runId of runIds) {
    const run = (await callService(context, 'runsDelete', { runId }, values.json)) as RunSummary | null
    if (!run) return EXIT_FAILURE
    context.stdout(values.json ? `${JSON.stringify(run)}\n` : `Deleted run ${run.name} (${run.id}) and its folder.\n`)
  }
  return EXIT_OK
}

async function importJobRun(args: string[], context: CliContext): Promise<number> {
  const { values, positionals } = parseOptions(args, { json: { type: 'boolean' }, out: { type: 'string' }, name: { type: 'string' } }, true)
  if (positionals.length !== 1) throw new UsageError('runs import-job needs one DIR: the job folder (it holds job.json)')
  const input = { folder: positionals[0], ...(values.out !== undefined ? { out: values.out } : {}), ...(values.name !== undefined ? { name: values.name } : {}) }
  const imported = (await callService(context, 'runsImportJob', input, values.json)) as RunJobImported | null
  if (!imported) return EXIT_FAILURE
  if (values.json) {
    context.stdout(`${JSON.stringify(imported)}\n`)
    return EXIT_OK
  }
  const { run } = imported
  const lines = [
    `Imported ${imported.jobFolder} (job ${imported.jobId}) as run ${run.name} (${run.id}): ${run.status}, ${imported.step} steps`,
    `trained on  ${run.trainedOn ?? '-'}`,
    `folder      ${imported.folder}`,
    `adapter     ${imported.adapter ?? '(none: the job did not reach its end)'}`,
    `checkpoints ${imported.checkpoints.length === 0 ? '(none)' : imported.checkpoints.join(', ')}`,
    ...(imported.stopped ? [`stopped     ${imported.stopped}`] : []),
  ]
  context.stdout(`${lines.join('\n')}\n`)
  return EXIT_OK
}

function formatTable(runs: RunSummary[], bestEval: ReadonlyMap<string, number | null>): string {
  const header = ['ID', 'NAME', 'STATUS', 'METHOD', 'BEST EVAL', 'TRAINED', 'CREATED']
  return textTable([
    header,
    ...runs.map((run) => {
      const trained = runTrainingSeconds(run)
      return [run.id, run.name, run.status, run.method ?? '-', formatValue(bestEval.get(run.id) ?? null), trained === null ? '-' : formatSeconds(trained), run.createdAt.replace('T', ' ').slice(0, 19)]
    }),
  ])
}

/** The lowest value of a metric's curve (the best validation loss), or null without one. */
function lowestValue(points: readonly { value: number }[] | undefined): number | null {
  return points && points.length > 0 ? Math.min(...points.map((p) => p.value)) : null
}

async function showRun(args: string[], context: CliContext): Promise<number> {
  const { values, positionals } = parseOptions(args, { json: { type: 'boolean' }, log: { type: 'string' } }, true)
  if (positionals.length !== 1) throw new UsageError('runs show needs one RUN id')
  const logLines = values.log === undefined ? 10 : Number(values.log)
  if (!Number.isInteger(logLines) || logLines < 0) throw new UsageError(`--log wants a whole number of lines (0 or more), not "${values.log}"`)
  const runId = idArgument(context, 'run', positionals[0])
  const detail = (await callService(context, 'runsShow', { runId }, values.json)) as RunDetail | null
  if (!detail) return EXIT_FAILURE
  const log = logLines > 0 ? ((await callService(context, 'runsLog', { runId, limit: logLines }, values.json)) as RunLog | null) : null
  const answered = (await callService(context, 'runsAnswers', { runId }, values.json)) as RunAnswers | null
  // The newest eval step's answers: what the adapter says now (the Run page has every step).
  const newestStep = answered?.answers.at(-1)?.step
  const answers = newestStep === undefined ? [] : answered!.answers.filter((a) => a.step === newestStep)
  if (values.json) {
    const shown = { ...detail, ...(log ? { log: { lines: log.lines, total: log.total } } : {}), ...(answers.length ? { answers } : {}) }
    context.stdout(`${JSON.stringify(shown)}\n`)
    return EXIT_OK
  }
  const { run } = detail
  const config = RunConfig.safeParse(detail.config).data ?? null
  const trained = runTrainingSeconds(run)
  const lines = [
    `${run.name}  (${run.id})`,
    `status      ${run.status}${run.error ? `: ${run.error}` : ''}`,
    `method      ${run.method ?? '-'}`,
    `created     ${run.createdAt}`,
    `trained     ${trained === null ? '(not started)' : `${formatSeconds(trained)}${run.segmentStartedAt ? ' so far' : ''}`}`,
    ...(config ? [`model       ${config.model.path}${config.model.quantize === 'none' ? '' : ` · ${config.model.quantize} frozen base`}`] : []),
    `device      ${run.trainedOn ?? '(not started)'}${config?.train.gradient_checkpointing ? ' · gradient checkpointing' : ''}`,
    ...(detail.importedFrom ? [`imported    from a cluster job at ${detail.importedFrom.folder} (job ${detail.importedFrom.jobId})`] : []),
    `steps       ${stepsWords(run, detail.latest.loss?.step ?? 0)}`,
    `folder      ${detail.folder}${existsSync(detail.folder) ? '' : ' (missing: deleted or moved outside Mixture Studio)'}`,
    `adapter     ${detail.adapter ?? '(none yet)'}`,
    `checkpoints ${detail.checkpoints.length === 0 ? '(none)' : detail.checkpoints.map((c) => (c.step === run.bestStep ? `${c.step} (best)` : c.step)).join(', ')}`,
    ...metricLines(detail.latest),
    ...answerLines(answers),
    ...(log ? logTail(log) : []),
  ]
  context.stdout(`${lines.join('\n')}\n`)
  return EXIT_OK
}

/** "32 of 40, stopped early": how far it trained of its step count (known once its data was read). */
function stepsWords(run: RunSummary, reached: number): string {
  const of = run.totalSteps === null ? '' : ` of ${run.totalSteps}`
  return `${reached}${of}${run.stoppedEarly ? ', stopped early (its watched metric stopped improving)' : ''}`
}

/** The answers to eval.prompts at the newest eval step, a line each, cut at 100 characters. */
function answerLines(answers: readonly RunAnswer[]): string[] {
  if (answers.length === 0) return []
  const oneLine = (text: string, width: number) => {
    const flat = text.replace(/\s*\n\s*/g, ' ⏎ ').trim()
    return flat.length > width ? `${flat.slice(0, width - 1)}…` : flat
  }
  return [`answers at step ${answers[0].step}:`, ...answers.map((a) => `  ${oneLine(a.prompt, 40)} → ${oneLine(a.answer, 100) || '(empty)'}`)]
}

function logTail(log: RunLog): string[] {
  if (log.lines.length === 0) return ['log         (empty)']
  const shown = log.lines.length < log.total ? `last ${log.lines.length} of ${log.total} lines` : `${log.total} line${log.total === 1 ? '' : 's'}`
  return [`log (${shown}):`, ...log.lines.map((line) => `  ${line.at.slice(11, 19)} ${line.level.padEnd(5)} ${line.message.replace(/\n/g, '\n' + ' '.repeat(17))}`)]
}

/** Latest training metrics; the many router.* series are summed up in one line (all of them are in --json). */
function metricLines(latest: RunDetail['latest']): string[] {
  const names = Object.keys(latest).filter((name) => !isRouterMetric(name))
  const width = Math.max(11, ...names.map((name) => name.length))
  const lines = names.map((name) => `${name.padEnd(width)} ${formatValue(latest[name].value)} at step ${latest[name].step}`)
  const routerSites = new Set(Object.keys(latest).flatMap((name) => parseRouterMetric(name)?.module ?? []))
  if (routerSites.size > 0) lines.push(`${'routers'.padEnd(width)} load and entropy at ${routerSites.size} sites (--json lists them)`)
  return lines
}

interface ComparedRun {
  id: string
  name: string
  status: string
  method: string | null
  steps: number | null
  finalLoss: number | null
  bestEvalLoss: number | null
}

async function compareRuns(args: string[], context: CliContext): Promise<number> {
  const { values, positionals } = parseOptions(args, { json: { type: 'boolean' } }, true)
  if (positionals.length < 2) throw new UsageError('runs compare needs two or more RUN ids')
  const details: RunDetail[] = []
  const compared: ComparedRun[] = []
  for (const runId of idArguments(context, 'run', positionals)) {
    const detail = (await callService(context, 'runsShow', { runId }, values.json)) as RunDetail | null
    const metrics = detail && ((await callService(context, 'runsMetrics', { runId, names: ['eval_loss'] }, values.json)) as RunMetrics | null)
    if (!detail || !metrics) return EXIT_FAILURE
    const evals = metrics.series.eval_loss ?? []
    details.push(detail)
    compared.push({
      id: detail.run.id,
      name: detail.run.name,
      status: detail.run.status,
      method: detail.run.method,
      steps: detail.latest.loss?.step ?? null,
      finalLoss: detail.latest.loss?.value ?? null,
      bestEvalLoss: lowestValue(evals),
    })
  }
  const differences = diffConfigs(details.map((d) => d.config)).filter((row) => row.differs)
  if (values.json) {
    context.stdout(`${JSON.stringify({ type: 'runs', runs: compared })}\n`)
    context.stdout(`${JSON.stringify({ type: 'config_diff', fields: differences.map((d) => ({ path: d.path, values: d.values })) })}\n`)
    return EXIT_OK
  }
  const header = ['', ...compared.map((r) => r.name)]
  const rows = [
    ['id', ...compared.map((r) => r.id.slice(0, 8))],
    ['status', ...compared.map((r) => r.status)],
    ['method', ...compared.map((r) => r.method ?? '-')],
    ['steps', ...compared.map((r) => (r.steps === null ? '-' : String(r.steps)))],
    ['final loss', ...compared.map((r) => formatValue(r.finalLoss))],
    ['best eval', ...compared.map((r) => formatValue(r.bestEvalLoss))],
    ...differences.map((d) => [d.path, ...d.values.map((v) => (v === null ? '-' : String(v)))]),
  ]
  context.stdout(textTable([header, ...rows]) + (differences.length === 0 ? 'The configurations are identical.\n' : ''))
  return EXIT_OK
}

function formatValue(value: number | null): string {
  if (value === null) return '-'
  return Math.abs(value) >= 1e4 || (value !== 0 && Math.abs(value) < 1e-3) ? value.toExponential(3) : value.toFixed(4)
}

