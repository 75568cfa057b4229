// `store usage`, `store delete-copies` and `store delete-download`: the storage view of the System
// page, in the terminal.
import { existsSync } from 'node:fs'
import { COPY_STANDING_WORDS, STORAGE_PART_LABELS, type StorageCopiesDeleted, type StorageCopy, type StorageHubRepo, type StorageHubRepoDeleted, type StorageReport } from '../../contract'
import { formatBytes } from '../../contract/format-bytes'
import { repoCacheDir } from '../../hub/hub-cache'
import { hubSettings } from '../../hub/hub-config'
import { callService } from '../call-service'
import { EXIT_FAILURE, EXIT_OK, UsageError, type CliContext } from '../command'
import { parseOptions } from '../parse-options'
import { textTableLines } from '../text-table'

export const STORE_USAGE_SYNOPSIS = `       mixture-studio store usage [--json] [--home DIR]
       mixture-studio store delete-copies (--unused | DIR...) [--json] [--home DIR]
       mixture-studio store delete-download ORG/NAME [--dataset] [--json] [--home DIR]`

export const STORE_USAGE_HELP = `usage: what the data folder holds, by part (the run store, backups, runs, datasets' token
caches, quantized copies of models, the CUDA runtime), its largest runs, every quantized copy
and whether runs still read it, the free space on its disk, and the Hugging Face cache beside it.
delete-copies: deletes quantized copies (each DIR as usage lists it, or --unused: every copy no
run will read again). They are caches: a run that needs one makes it again. A copy a starting
or running run trains on is kept, and named.
delete-download: deletes a model's (or --dataset's) folder from the Hugging Face cache (HF_HUB_CACHE).
Refused while a registered model or dataset lies inside it (remove it first), a run trains on
it, or a download is writing it. Other Hugging Face tools share the cache: they would download
it again.`

/** The data folder the command works on: --home DIR, else the CLI's own. */
function contextFor(context: CliContext, home: string | undefined): CliContext {
  return home === undefined ? context : { ...context, env: { ...context.env, MIXTURE_STUDIO_HOME: home } }
}

export async function storeUsage(args: string[], context: CliContext): Promise<number> {
  const { values } = parseOptions(args, { json: { type: 'boolean' }, home: { type: 'string' } })
  const report = (await callService(contextFor(context, values.home), 'storageShow', {}, values.json)) as StorageReport | null
  if (!report) return EXIT_FAILURE
  context.stdout(values.json ? `${JSON.stringify(report)}\n` : formatReport(report))
  return EXIT_OK
}

export async function storeDeleteCopies(args: string[], context: CliContext): Promise<number> {
  const { values, positionals } = parseOptions(args, { unused: { type: 'boolean' }, json: { type: 'boolean' }, home: { type: 'string' } }, true)
  if (values.unused === (positionals.length > 0)) throw new UsageError('store delete-copies takes --unused or the DIRs of copies (as `store usage` lists them), not both')
  const input = { dirs: values.unused ? 'unused' : positionals }
  const result = (await callService(contextFor(context, values.home), 'storageDeleteCopies', input, values.json)) as StorageCopiesDeleted | null
  if (!result) return EXIT_FAILURE
  context.stdout(values.json ? `${JSON.stringify(result)}\n` : formatDeleted(result))
  return result.kept.length > 0 && result.deleted.length === 0 ? EXIT_FAILURE : EXIT_OK
}

function formatReport(r: StorageReport): string {
  const disk = r.disk ? `, on a disk with ${formatBytes(r.disk.freeBytes)} free of ${formatBytes(r.disk.totalBytes)}` : ''
  const lines = [`Data folder ${r.dataDir}: ${formatBytes(r.totalBytes)}${disk}.`]
  const notes: Record<string, string> = {
    runs: `${r.runFolders} run folder${r.runFolders === 1 ? '' : 's'}`,
    quantized: `${r.quantizedCopies.length} cop${r.quantizedCopies.length === 1 ? 'y' : 'ies'}${r.unusedCopies.count ? `, ${r.unusedCopies.count} unused (${formatBytes(r.unusedCopies.bytes)})` : ''}`,
  }
  // Empty parts go unsaid (most data folders have no CUDA runtime, many no demo).
  const parts = r.parts.filter((p) => p.bytes > 0 || p.unreadable > 0)
  lines.push(...textTableLines(parts.map((p) => [STORAGE_PART_LABELS[p.kind], formatBytes(p.bytes), [notes[p.kind], p.unreadable ? `${p.unreadable} entries unreadable: at least this much` : ''].filter(Boolean).join('; ')]), '  '))
  if (r.largestRuns.length) {
    lines.push('', 'Largest runs:')
    lines.push(...textTableLines(r.largestRuns.map((run) => [run.name ?? '(not in the run store)', run.id, run.status ?? '-', formatBytes(run.bytes)]), '  '))
  }
  if (r.quantizedCopies.length) {
    lines.push('', 'Quantized copies:')
    lines.push(...textTableLines(r.quantizedCopies.map((c) => [c.scheme ?? '-', formatBytes(c.bytes), copyOwner(c), copyStanding(c), c.dir]), '  '))
  }
  const hub = r.hubCache
  const repos = hub.repos.length
  lines.push('', `Hugging Face cache (downloads; shared with other Hugging Face tools, not in the total): ${hub.path}, ${hub.exists ? `${formatBytes(hub.bytes)} in ${repos} repo${repos === 1 ? '' : 's'}` : 'not made yet'}.`)
  if (repos) lines.push(...textTableLines(hub.repos.map((repo) => [repo.kind, repo.repo, formatBytes(repo.bytes), hubRepoUse(repo)]), '  '))
  if (r.unusedCopies.count) lines.push(`Delete the unused copies (${formatBytes(r.unusedCopies.bytes)}) with \`mixture-studio store delete-copies --unused\`.`)
  return `${lines.join('\n')}\n`
}

function hubRepoUse(repo: StorageHubRepo): string {
  const names = [...repo.runs.map((r) => `run "${r.name}"`), ...repo.models.map((m) => `model "${m.name}"`), ...repo.datasets.map((d) => `dataset "${d.name}"`)]
  if (repo.downloading) names.unshift('a download')
  return names.length ? `used by ${names.join(', ')}` : 'not used here (store delete-download can delete it)'
}

function copyOwner(c: StorageCopy): string {
  if (c.model) return `${c.model.name} (${c.model.id})`
  return c.modelPath ?? '(no model recorded)'
}

function copyStanding(c: StorageCopy): string {
  return c.usedBy ? `in use by run "${c.usedBy.name}" (${c.usedBy.id})` : COPY_STANDING_WORDS[c.standing]
}

export async function storeDeleteDownload(args: string[], context: CliContext): Promise<number> {
  const { values, positionals } = parseOptions(args, { dataset: { type: 'boolean' }, json: { type: 'boolean' }, home: { type: 'string' } }, true)
  if (positionals.length !== 1) throw new UsageError('store delete-download takes one ORG/NAME (a model; --dataset for a dataset), as `store usage` lists it')
  const kind = values.dataset ? 'dataset' : 'model'
  const ctx = contextFor(context, values.home)
  const { cacheDir } = hubSettings(ctx.env)
  const folder = repoCacheDir(cacheDir, kind, positionals[0])
  if (!existsSync(folder)) {
    const message = `No ${kind} ${positionals[0]} in the Hugging Face cache ${cacheDir}; nothing was deleted`
    context.stderr(values.json ? '' : `${message}\n`)
    if (values.json) context.stdout(`${JSON.stringify({ type: 'error', message })}\n`)
    return EXIT_FAILURE
  }
  const deleted = (await callService(ctx, 'storageDeleteHubRepo', { folder }, values.json)) as StorageHubRepoDeleted | null
  if (!deleted) return EXIT_FAILURE
  context.stdout(values.json ? `${JSON.stringify(deleted)}\n` : `Deleted ${deleted.repo} from the Hugging Face cache (${formatBytes(deleted.bytes)} freed): ${deleted.folder}\n`)
  return EXIT_OK
}

function formatDeleted(r: StorageCopiesDeleted): string {
  const lines: string[] = []
  if (r.deleted.length) lines.push(`Deleted ${r.deleted.length} quantized cop${r.deleted.length === 1 ? 'y' : 'ies'} (${formatBytes(r.freedBytes)} freed):`, ...r.deleted.map((d) => `  ${d.dir}`))
  else if (!r.kept.length) lines.push('No copy to delete.')
  for (const kept of r.kept) lines.push(`Kept ${kept.dir} (${formatBytes(kept.bytes)}): ${kept.why}.`)
  return `${lines.join('\n')}\n`
}
