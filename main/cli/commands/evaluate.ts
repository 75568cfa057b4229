// `evaluate`: the Evaluate page's table from the command line (the base model and runs of one
// model on multiple-choice sets, accuracy by rank classification), saved in the store like the
// page's; `evaluations`: the saved ones, and their table as Markdown, CSV or JSON.
import { writeFileSync } from 'node:fs'
import { basename, extname, resolve } from 'node:path'
import { calls, evaluationCsv, evaluationMarkdown, type EvaluationDetail, type EvaluationSummary } from '../../contract'
import { dispatchCall } from '../../services'
import { recordEvaluation } from '../../services/evaluations'
import { scoreEvaluation } from '../../evaluations/score'
import { EXIT_FAILURE, EXIT_OK, UsageError, type CliContext, type Command } from '../command'
import { callService } from '../call-service'
import { idArgument, idArguments, idOrFolderArgument } from '../id-argument'
import { openServices } from '../open-services'
import { parseOptions } from '../parse-options'
import type { WorkContext } from '../../jobs/work-context'

export const evaluateCommand: Command = {
  name: 'evaluate',
  summary: 'accuracy of a model and its runs on multiple-choice sets, as a table (saved)',
  usage: `Usage: mixture-studio evaluate --model M [--run RUN[@best|@last]]... --set NAME=FILE... [options]

Scores the base model and each run (of that model) on each set by rank classification and
prints the table: rows are the sets, columns base and each run, cells the accuracy with its 95%
Wilson interval, the best of each row in bold, then the mean. The evaluation is saved: the
Evaluate page and \`mixture-studio evaluations\` show it again.

  --model M            a registered model's id or a model folder
  --run RUN[@C]        a run of that model (repeatable); C is best (default: its best checkpoint,
                       the last one where none is marked) or last
  --set NAME=FILE      a file of {"prompt","choices","answer"} rows, named NAME in the table
                       (repeatable; FILE alone names it after the file)
  --dataset NAME=ID    an imported multiple-choice dataset (repeatable)
  --no-base            no column for the model without an adapter
  --length-normalize   rank choices by their per-token mean log-likelihood instead of the sum
  --name NAME          the evaluation's name (default: the model's name and the time)
  --json               print the table as JSON (accuracy, ci95, correct, examples per cell)
  --csv FILE           also write the table as CSV (a line per cell)
  --markdown FILE      also write the table as Markdown`,

  async run(args, context) {
    const { values } = parseOptions(args, {
      model: { type: 'string' }, run: { type: 'string', multiple: true }, set: { type: 'string', multiple: true }, dataset: { type: 'string', multiple: true },
      'no-base': { type: 'boolean' }, 'length-normalize': { type: 'boolean' }, name: { type: 'string' }, json: { type: 'boolean' }, csv: { type: 'string' }, markdown: { type: 'string' },
    })
    if (!values.model) throw new UsageError('evaluate needs --model M (a registered model\'s id or a model folder)')
    const datasetSets = (values.dataset ?? []).map(datasetSet)
    const datasetIds = idArguments(context, 'dataset', datasetSets.map((set) => set.datasetId))
    const sets = [...(values.set ?? []).map(fileSet), ...datasetSets.map((set, i) => ({ ...set, datasetId: datasetIds[i] }))]
    const picks = (values.run ?? []).map(runPick)
    const runIds = idArguments(context, 'run', picks.map((pick) => pick.runId))
    const parsed = calls.evaluationsCreate.input.safeParse({
      model: idOrFolderArgument(context, 'model', values.model),
      runs: picks.map((pick, i) => ({ ...pick, runId: runIds[i] })),
      includeBase: !values['no-base'],
      sets,
      lengthNormalize: values['length-normalize'] ?? false,
      ...(values.name !== undefined ? { name: values.name } : {}),
    })
    if (!parsed.success) throw new UsageError(parsed.error.issues.map((issue) => `${optionOf(issue.path)}: ${issue.message}`).join('; '))

    const services = openServices(context, { longCallsInProcess: true })
    try {
      let evaluationId: string
      try {
        evaluationId = recordEvaluation(parsed.data, services.store, services.dataDir).id
      } catch (error) {
        return fail(error instanceof Error ? error.message : String(error), context, values.json)
      }
      await scoreEvaluation(evaluationId, services.store, cliWork(context))
      const shown = await dispatchCall(services, 'evaluationsShow', { id: evaluationId })
      if (!shown.ok) return fail(shown.error.message, context, values.json)
      const detail = shown.data as EvaluationDetail
      return printDetail(detail, { json: values.json, csv: values.csv, markdown: values.markdown }, context)
    } finally {
      await services.close()
    }
  },
}

export const evaluationsCommand: Command = {
  name: 'evaluations',
  summary: 'list saved evaluations, show one\'s table (Markdown, CSV, JSON), delete one',
  usage: `Usage: mixture-studio evaluations [list] [--json]
       mixture-studio evaluations show ID [--json | --csv | --markdown] [--out FILE]
       mixture-studio evaluations delete ID

list: saved evaluations, newest first. show: the table (Markdown unless --csv or --json);
--out writes it to FILE instead of printing it.`,

  async run(args, context) {
    const [subcommand, ...rest] = args
    switch (subcommand) {
      case undefined:
      case 'list':
        return listEvaluations(rest, context)
      case 'show':
        return showEvaluation(rest, context)
      case 'delete':
        return deleteEvaluation(rest, context)
      default:
        if (subcommand.startsWith('-')) return listEvaluations(args, context)
        throw new UsageError(`Unknown evaluations command "${subcommand}" (list, show, delete)`)
    }
  },
}

/** Progress on stderr, a line per scored cell; Ctrl+C stops between questions, keeping the scored cells. */
function cliWork(context: CliContext): WorkContext {
  let stop = false
  void context.untilInterrupted().then(() => {
    stop = true
  })
  return {
    progress: (_done, _total, label) => {
      if (label.startsWith('Scored ') || label.startsWith('Loading ')) context.stderr(`${label}\n`)
    },
    stopRequested: () => stop,
  }
}

function printDetail(detail: EvaluationDetail, options: { json?: boolean; csv?: string; markdown?: string }, context: CliContext): number {
  if (options.csv) writeFileSync(resolve(options.csv), evaluationCsv(detail))
  if (options.markdown) writeFileSync(resolve(options.markdown), evaluationMarkdown(detail))
  if (options.json) context.stdout(`${JSON.stringify(detail)}\n`)
  else {
    context.stdout(evaluationMarkdown(detail))
    context.stdout(`\n${statusLine(detail)}\n`)
  }
  if (detail.status !== 'completed') {
    if (!options.json) context.stderr(`${detail.error ?? `The evaluation ${detail.status}`}\n`)
    return EXIT_FAILURE
  }
  return EXIT_OK
}

function statusLine(evaluation: EvaluationSummary): string {
  return `Evaluation ${evaluation.id}: ${evaluation.status}, ${evaluation.cellsDone} of ${evaluation.cellsTotal} cells (mixture-studio evaluations show ${evaluation.id})`
}

async function listEvaluations(args: string[], context: CliContext): Promise<number> {
  const { values } = parseOptions(args, { json: { type: 'boolean' } })
  const list = (await callService(context, 'evaluationsList', {}, values.json)) as EvaluationSummary[] | null
  if (!list) return EXIT_FAILURE
  if (values.json) {
    for (const evaluation of list) context.stdout(`${JSON.stringify(evaluation)}\n`)
    return EXIT_OK
  }
  if (list.length === 0) {
    context.stdout('No evaluations yet: mixture-studio evaluate --model M --run RUN --set NAME=FILE makes one\n')
    return EXIT_OK
  }
  for (const e of list) {
    context.stdout(`${e.id}  ${e.createdAt.slice(0, 16).replace('T', ' ')}  ${e.status.padEnd(9)}  ${e.name}  (${e.columns.map((c) => c.label).join(', ')} on ${e.tasks.join(', ')})\n`)
  }
  return EXIT_OK
}

async function showEvaluation(args: string[], context: CliContext): Promise<number> {
  const { values, positionals } = parseOptions(args, { json: { type: 'boolean' }, csv: { type: 'boolean' }, markdown: { type: 'boolean' }, out: { type: 'string' } }, true)
  if (positionals.length !== 1) throw new UsageError('evaluations show needs exactly one evaluation ID (mixture-studio evaluations lists them)')
  if ([values.json, values.csv, values.markdown].filter(Boolean).length > 1) throw new UsageError('give one of --json, --csv and --markdown')
  const detail = (await callService(context, 'evaluationsShow', { id: idArgument(context, 'evaluation', positionals[0]) }, values.json)) as EvaluationDetail | null
  if (!detail) return EXIT_FAILURE
  const text = values.json ? `${JSON.stringify(detail)}\n` : values.csv ? evaluationCsv(detail) : evaluationMarkdown(detail)
  if (values.out) writeFileSync(resolve(values.out), text)
  else context.stdout(text)
  if (!values.json && !values.csv && !values.out) context.stdout(`\n${statusLine(detail)}${detail.error ? `\n${detail.error}` : ''}\n`)
  return EXIT_OK
}

async function deleteEvaluation(args: string[], context: CliContext): Promise<number> {
  const { positionals } = parseOptions(args, {}, true)
  if (positionals.length !== 1) throw new UsageError('evaluations delete needs exactly one evaluation ID')
  const deleted = (await callService(context, 'evaluationsDelete', { id: idArgument(context, 'evaluation', positionals[0]) }, false)) as EvaluationSummary | null
  if (!deleted) return EXIT_FAILURE
  context.stdout(`Deleted evaluation ${deleted.id} (${deleted.name})\n`)
  return EXIT_OK
}

function fail(message: string, context: CliContext, json: boolean | undefined): number {
  if (json) context.stdout(`${JSON.stringify({ type: 'error', message })}\n`)
  else context.stderr(`${message}\n`)
  return EXIT_FAILURE
}

/** RUN, RUN@best or RUN@last. */
function runPick(text: string): { runId: string; checkpoint: 'best' | 'last' } {
  const at = text.lastIndexOf('@')
  if (at < 0) return { runId: text, checkpoint: 'best' }
  const checkpoint = text.slice(at + 1)
  if (checkpoint !== 'best' && checkpoint !== 'last') throw new UsageError(`--run ${text}: the checkpoint after @ is best or last, not "${checkpoint}"`)
  return { runId: text.slice(0, at), checkpoint }
}

/** NAME=FILE, or FILE (named after the file without its extension). */
function fileSet(text: string): { name: string; file: string } {
  const equals = text.indexOf('=')
  if (equals < 0) return { name: basename(text, extname(text)), file: resolve(text) }
  const [name, file] = [text.slice(0, equals), text.slice(equals + 1)]
  if (!file) throw new UsageError(`--set ${text}: give the file after = (NAME=FILE)`)
  return { name, file: resolve(file) }
}

function datasetSet(text: string): { name: string; datasetId: string } {
  const equals = text.indexOf('=')
  if (equals < 1 || equals === text.length - 1) throw new UsageError(`--dataset ${text}: give NAME=ID (mixture-studio datasets list shows the ids)`)
  return { name: text.slice(0, equals), datasetId: text.slice(equals + 1) }
}

/** A contract field as the option that sets it. */
function optionOf(path: PropertyKey[]): string {
  const field = String(path[0] ?? '')
  return ({ model: '--model', runs: '--run', sets: '--set', name: '--name', includeBase: '--no-base' } as Record<string, string>)[field] ?? (field || 'evaluate')
}
