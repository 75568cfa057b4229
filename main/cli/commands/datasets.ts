import type { DatasetDetail, DatasetSummary, ImportedAlready } from '../../contract'
import { dispatchCall } from '../../services'
import { openServices } from '../open-services'
import { EXIT_FAILURE, EXIT_OK, UsageError, type CliContext, type Command } from '../command'
import { callService } from '../call-service'
import { idArgument } from '../id-argument'
import { parseOptions } from '../parse-options'
import { textTable } from '../text-table'
import { DATASETS_DOWNLOAD_HELP, DATASETS_DOWNLOAD_SYNOPSIS, datasetsDownloadCommand } from './datasets-download'

export const datasetsCommand: Command = {
  name: 'datasets',
  summary: 'import, list and inspect datasets; download them from the Hugging Face Hub',
  usage: `Usage: mixture-studio datasets import FILE [options]
       mixture-studio datasets list [--json]
       mixture-studio datasets show ID [--json]
       mixture-studio datasets rename ID NAME [--json]
       mixture-studio datasets delete ID [--json]
${DATASETS_DOWNLOAD_SYNOPSIS}

import reads JSON Lines, JSON arrays, CSV/TSV, Parquet or plain text, detects the format
(alpaca, chat, prompt-completion, multiple-choice, text) and checks every row.
Multiple-choice rows are {"prompt", "choices": [..], "answer"} (answer: a 0-based index or the
text of a choice); in CSV/TSV the choices column holds a JSON array (["yes","no"]), in Parquet a
list column or such JSON text. A run trains on the prompt and the right choice as the completion.
A file imported before (same path or same content) is noted on stderr and imported again.

  --format F         alpaca | chat | prompt-completion | multiple-choice | text (default: detected)
  --map FIELD=COL    use column COL for FIELD (repeatable), e.g. --map output=response
  --on-error E       stop (default: the first bad row stops the import, nothing is stored)
                     | skip (bad rows are skipped and listed in the report)
  --model DIR        tokenise with this model's tokenizer; the tokenized cache is built
  --template T       auto | model | chatml | plain (default auto)
  --max-length N     rows longer than N tokens are bad rows (needs --model)
  --train-on-prompt  train on prompt tokens too (default: completions only)
  --system TEXT      system prompt for rows without one
  --validation V     0.05 (a fraction), 500 (a count) or a FILE (default: none)
  --seed N           seed of the validation split (default 42)
  --name NAME        catalog name (default: the file name)
  --json             print the result as JSON

rename changes the name the catalog shows.
delete forgets the dataset and removes its tokenized caches and problems file from the data
folder; the file it was imported from is left alone. Runs that used it keep their own
tokenized copy and can still be resumed, exported and compared.

${DATASETS_DOWNLOAD_HELP}`,

  async run(args, context) {
    const [subcommand, ...rest] = args
    switch (subcommand) {
      case 'import':
        return importCommand(rest, context)
      case 'list':
        return listCommand(rest, context)
      case 'show':
        return showCommand(rest, context)
      case 'rename':
        return renameCommand(rest, context)
      case 'delete':
        return deleteCommand(rest, context)
      case 'download':
        return datasetsDownloadCommand(rest, context)
      case undefined:
        throw new UsageError('Which datasets command? (import, list, show, rename, delete, download)')
      default:
        throw new UsageError(`Unknown datasets command "${subcommand}"`)
    }
  },
}

async function importCommand(args: string[], context: CliContext): Promise<number> {
  const { values, positionals } = parseOptions(
    args,
    {
      format: { type: 'string' },
      map: { type: 'string', multiple: true },
      'on-error': { type: 'string' },
      model: { type: 'string' },
      template: { type: 'string' },
      'max-length': { type: 'string' },
      'train-on-prompt': { type: 'boolean' },
      system: { type: 'string' },
      validation: { type: 'string' },
      seed: { type: 'string' },
      name: { type: 'string' },
      json: { type: 'boolean' },
    },
    true,
  )
  if (positionals.length !== 1) throw new UsageError('datasets import needs exactly one FILE')
  const input: Record<string, unknown> = { path: positionals[0] }
  if (values.format !== undefined) input.format = values.format
  if (values.map) input.mapping = parseMappings(values.map)
  if (values['on-error'] !== undefined) input.onError = values['on-error']
  if (values.model !== undefined) input.model = values.model
  if (values.template !== undefined) input.template = values.template
  if (values['max-length'] !== undefined) input.maxLength = integer('--max-length', values['max-length'])
  if (values['train-on-prompt']) input.trainOnPrompt = true
  if (values.system !== undefined) input.systemPrompt = values.system
  if (values.name !== undefined) input.name = values.name
  if (values.validation !== undefined) input.validation = parseValidation(values.validation, values.seed)
  if (!values.json) await noteImportedAlready(context, positionals[0])
  const detail = (await callService(context, 'datasetsImport', input, values.json)) as DatasetDetail | null
  if (!detail) return EXIT_FAILURE
  if (values.json) context.stdout(`${JSON.stringify(detail)}\n`)
  else context.stdout(formatDetail(detail))
  return EXIT_OK
}

/**
 * Says on stderr when the file (same path or same content) is imported already, as the wizard does;
 * the import goes on, since importing it again with other options is a fair wish. Only advice:
 * a check that fails says nothing, and the import reports any real problem with the file.
 */
async function noteImportedAlready(context: CliContext, path: string): Promise<void> {
  const services = openServices(context)
  try {
    const result = await dispatchCall(services, 'datasetsFindImported', { path })
    if (!result.ok) return
    for (const found of result.data as ImportedAlready[]) {
      const what = found.samePath ? 'This file' : 'A file with the same content'
      context.stderr(`Note: ${what} is already imported as dataset ${found.id} (${found.name}) on ${found.createdAt.replace('T', ' ').slice(0, 16)}; importing it again.\n`)
    }
  } finally {
    await services.close()
  }
}

async function listCommand(args: string[], context: CliContext): Promise<number> {
  const { values } = parseOptions(args, { json: { type: 'boolean' } })
  const list = (await callService(context, 'datasetsList', {}, values.json)) as DatasetSummary[] | null
  if (!list) return EXIT_FAILURE
  if (values.json) for (const dataset of list) context.stdout(`${JSON.stringify(dataset)}\n`)
  else context.stdout(list.length === 0 ? 'No datasets. Import one with `mixture-studio datasets import FILE`.\n' : formatList(list))
  return EXIT_OK
}

async function showCommand(args: string[], context: CliContext): Promise<number> {
  const { values, positionals } = parseOptions(args, { json: { type: 'boolean' } }, true)
  if (positionals.length !== 1) throw new UsageError('datasets show needs exactly one ID')
  const detail = (await callService(context, 'datasetsShow', { id: idArgument(context, 'dataset', positionals[0]) }, values.json)) as DatasetDetail | null
  if (!detail) return EXIT_FAILURE
  context.stdout(values.json ? `${JSON.stringify(detail)}\n` : formatDetail(detail))
  return EXIT_OK
}

async function renameCommand(args: string[], context: CliContext): Promise<number> {
  const { values, positionals } = parseOptions(args, { json: { type: 'boolean' } }, true)
  if (positionals.length !== 2) throw new UsageError('datasets rename needs an ID and a NAME (quote a name with spaces)')
  const [typed, name] = positionals
  const renamed = (await callService(context, 'datasetsRename', { id: idArgument(context, 'dataset', typed), name }, values.json)) as DatasetSummary | null
  if (!renamed) return EXIT_FAILURE
  context.stdout(values.json ? `${JSON.stringify(renamed)}\n` : `Renamed dataset ${renamed.id} to "${renamed.name}".\n`)
  return EXIT_OK
}

async function deleteCommand(args: string[], context: CliContext): Promise<number> {
  const { values, positionals } = parseOptions(args, { json: { type: 'boolean' } }, true)
  if (positionals.length !== 1) throw new UsageError('datasets delete needs exactly one ID')
  const deleted = (await callService(context, 'datasetsDelete', { id: idArgument(context, 'dataset', positionals[0]) }, values.json)) as DatasetSummary | null
  if (!deleted) return EXIT_FAILURE
  context.stdout(
    values.json
      ? `${JSON.stringify(deleted)}\n`
      : `Deleted dataset ${deleted.id} (${deleted.name}) and its tokenized caches; ${deleted.path} is untouched.\n`,
  )
  return EXIT_OK
}

function parseMappings(pairs: string[]): Record<string, string> {
  const mapping: Record<string, string> = {}
  for (const pair of pairs) {
    const at = pair.indexOf('=')
    if (at <= 0 || at === pair.length - 1) throw new UsageError(`--map needs FIELD=COLUMN, not "${pair}"`)
    mapping[pair.slice(0, at)] = pair.slice(at + 1)
  }
  return mapping
}

/** Anything written like a number (1.5, -3, 1e-2, 50%) is meant as one, never as a file name. */
const NUMBER_LIKE = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?%?$/i

function parseValidation(text: string, seedText: string | undefined): unknown {
  const seed = seedText === undefined ? 42 : integer('--seed', seedText)
  if (!NUMBER_LIKE.test(text)) return { kind: 'file', path: text }
  const value = Number(text)
  if (/^\d+$/.test(text) && value >= 1) return { kind: 'count', count: value, seed }
  if (!/^\d+$/.test(text) && value > 0 && value < 1) return { kind: 'fraction', fraction: value, seed }
  throw new UsageError(
    `--validation ${text}: a fraction must be between 0 and 1 (e.g. 0.05), a count a whole number of examples (1 or more, e.g. 500); ` +
      `a file named ${text} is given as ./${text}; leave --validation out for no validation set`,
  )
}

function integer(flag: string, text: string): number {
  if (!/^\d+$/.test(text)) throw new UsageError(`${flag} must be a whole number, not "${text}"`)
  return Number(text)
}

function formatList(list: DatasetSummary[]): string {
  const header = ['ID', 'NAME', 'FORMAT', 'EXAMPLES', 'SKIPPED', 'CREATED']
  const rows = list.map((d) => [d.id, d.name, d.format, String(d.numExamples), String(d.numSkipped), d.createdAt.replace('T', ' ').slice(0, 19)])
  return textTable([header, ...rows])
}

function formatDetail(d: DatasetDetail): string {
  const { counts, stats } = d.report
  const lines = [
    `Dataset ${d.id}  ${d.name}`,
    `  file       ${d.path} (${d.fileType}, ${d.encoding}, ${(d.sizeBytes / 1e6).toFixed(2)} MB, sha256 ${d.contentHash.slice(0, 12)}…)`,
    `  format     ${d.format} (${d.report.detection.reason})`,
    `  mapping    ${Object.entries(d.mapping).map(([field, column]) => `${field}=${column}`).join(' ')}`,
    `  rows       ${counts.rows} read, ${counts.examples} examples, ${counts.skipped} skipped, ${counts.blankLines} blank lines`,
    `  split      ${counts.train} train / ${counts.validation} validation${d.validationDatasetId ? ` (validation file: dataset ${d.validationDatasetId})` : ''}`,
    `  lengths    characters p50 ${stats.characters.p50}, p90 ${stats.characters.p90}, max ${stats.characters.max}`,
  ]
  if (stats.tokens) {
    lines.push(`             tokens p50 ${stats.tokens.p50}, p90 ${stats.tokens.p90}, max ${stats.tokens.max}; ${stats.trainedTokens} of ${stats.tokens.total} trained`)
  }
  for (const cache of d.caches) lines.push(`  cache      ${cache.path} (${cache.numExamples} examples, ${cache.numTokens} tokens, template ${cache.templateName})`)
  if (d.report.problems.length > 0) {
    lines.push('  skipped rows:')
    for (const problem of d.report.problems) lines.push(`    ${problem.file}:${problem.line}: ${problem.reason}`)
    if (d.report.problemsNotListed > 0) lines.push(`    … and ${d.report.problemsNotListed} more (all in ${d.report.problemsFile})`)
  }
  for (const warning of d.report.warnings) lines.push(`  warning: ${warning}`)
  return `${lines.join('\n')}\n`
}
