import type { ModelDetail, ModelRemoved, ModelSummary, QuantizedCopyInfo } from '../../contract'
import { EXIT_FAILURE, EXIT_OK, UsageError, type CliContext, type Command } from '../command'
import { callService } from '../call-service'
import { idArgument } from '../id-argument'
import { parseOptions } from '../parse-options'
import { textTable } from '../text-table'
import { formatBytes } from '../../contract/format-bytes'
import { MODELS_DOWNLOAD_HELP, MODELS_DOWNLOAD_SYNOPSIS, modelsDownloadCommand } from './models-download'

export const modelsCommand: Command = {
  name: 'models',
  summary: 'register, list and inspect Hugging Face model folders; download them from the Hub',
  usage: `Usage: mixture-studio models import DIR [--name NAME] [--json]
       mixture-studio models list [--json]
       mixture-studio models show ID [--json]
       mixture-studio models remove ID [--json]
${MODELS_DOWNLOAD_SYNOPSIS}

import checks a Hugging Face folder (config.json, safetensors weights or shards, tokenizer files)
and registers it: architecture, parameter count, dtype, size on disk, context length, vocabulary,
chat template. A folder that cannot be used (pickle weights, corrupt or mismatched safetensors,
unsupported architecture) is refused with the reason and nothing is registered.
remove forgets the model and deletes the quantized copies the app made of it (model.quantize);
its folder is left alone.
${MODELS_DOWNLOAD_HELP}`,

  async run(args, context) {
    const [subcommand, ...rest] = args
    switch (subcommand) {
      case 'import': {
        const { values, positionals } = parseOptions(rest, { name: { type: 'string' }, json: { type: 'boolean' } }, true)
        if (positionals.length !== 1) throw new UsageError('models import needs exactly one DIR')
        const input = { path: positionals[0], ...(values.name !== undefined ? { name: values.name } : {}) }
        return print(context, values.json, await callService(context, 'modelsImport', input, values.json), formatDetail)
      }
      case 'list': {
        const { values } = parseOptions(rest, { json: { type: 'boolean' } })
        const list = (await callService(context, 'modelsList', {}, values.json)) as ModelSummary[] | null
        if (!list) return EXIT_FAILURE
        if (values.json) for (const model of list) context.stdout(`${JSON.stringify(model)}\n`)
        else context.stdout(list.length === 0 ? 'No models. Register one with `mixture-studio models import DIR`.\n' : formatList(list))
        return EXIT_OK
      }
      case 'show':
      case 'remove': {
        const { values, positionals } = parseOptions(rest, { json: { type: 'boolean' } }, true)
        if (positionals.length !== 1) throw new UsageError(`models ${subcommand} needs exactly one ID`)
        const id = idArgument(context, 'model', positionals[0])
        if (subcommand === 'show') return print(context, values.json, await callService(context, 'modelsShow', { id }, values.json), formatDetail)
        return print(context, values.json, await callService(context, 'modelsRemove', { id }, values.json), formatRemoved)
      }
      case 'download':
        return modelsDownloadCommand(rest, context)
      case undefined:
        throw new UsageError('Which models command? (import, list, show, remove, download)')
      default:
        throw new UsageError(`Unknown models command "${subcommand}"`)
    }
  },
}

function print<T>(context: CliContext, json: boolean | undefined, result: unknown, format: (value: T) => string): number {
  if (result === null) return EXIT_FAILURE
  context.stdout(json ? `${JSON.stringify(result)}\n` : format(result as T))
  return EXIT_OK
}


export function formatCount(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)}B`
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)}M`
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)}K`
  return String(n)
}

function formatList(list: ModelSummary[]): string {
  const header = ['ID', 'NAME', 'ARCHITECTURE', 'PARAMS', 'DTYPE', 'SIZE', 'CONTEXT', 'VOCAB', 'CHAT']
  const rows = list.map((m) => [m.id, m.name, m.architecture, formatCount(m.parameterCount), m.dtype, formatBytes(m.sizeBytes), m.contextLength === null ? '-' : String(m.contextLength), String(m.vocabSize), m.hasChatTemplate ? 'yes' : 'no'])
  return textTable([header, ...rows])
}

function formatDetail(m: ModelDetail): string {
  const lines = [
    `Model ${m.id}  ${m.name}`,
    `  folder        ${m.path}`,
    `  architecture  ${m.architecture} (${m.modelType})`,
    `  parameters    ${formatCount(m.parameterCount)} (${m.parameterCount})`,
    `  weights       ${m.dtype}, ${formatBytes(m.sizeBytes)} in ${m.files.length} file${m.files.length === 1 ? '' : 's'}`,
    `  shape         ${m.layers} layers${m.decoderLayers !== null ? ` + ${m.decoderLayers} decoder layers` : ''}, hidden ${m.hiddenSize}, ${m.heads} heads (${m.kvHeads} KV) of ${m.headDim}, FFN ${m.ffnSize}${m.tiedEmbeddings ? ', tied head' : ''}`,
    `  context       ${m.contextLength ?? 'unbounded (relative positions)'}`,
    `  vocabulary    ${m.vocabSize}`,
    `  tokenizer     ${m.hasTokenizer ? 'tokenizer.json' : 'missing (training needs tokenizer.json)'}; chat template ${m.hasChatTemplate ? 'yes' : 'no'}`,
  ]
  for (const copy of m.quantizedCopies) lines.push(`  quantized     ${formatCopy(copy)}`)
  for (const note of m.notes) lines.push(`  note: ${note}`)
  return `${lines.join('\n')}\n`
}

function formatCopy(copy: QuantizedCopyInfo): string {
  const state = copy.current ? 'used by runs with model.quantize' : 'of earlier weight files or an older app: deleted when the next copy is made'
  return `${copy.scheme}, ${formatBytes(copy.bytes)} in ${copy.dir} (${copy.modifiedAt.slice(0, 16).replace('T', ' ')} UTC; ${state})`
}

function formatRemoved(m: ModelRemoved): string {
  const lines = [`Removed model ${m.id} (${m.name}); ${m.path} is untouched.`]
  const deleted = m.quantizedCopiesDeleted
  if (deleted.length) lines.push(`Deleted its quantized ${deleted.length === 1 ? 'copy' : 'copies'} from the data folder: ${deleted.map((c) => `${c.scheme} ${formatBytes(c.bytes)}`).join(', ')}.`)
  for (const kept of m.quantizedCopiesKept) lines.push(`Could not delete ${kept.dir} now (${kept.why}); delete it by hand once no run uses it.`)
  return `${lines.join('\n')}\n`
}
