// `mixture-studio models download ORG/NAME`: a model from the Hub into the Hugging Face cache (only
// what training needs: config, tokenizer, safetensors), registered in the catalog as `models
// import` registers a folder, its snapshot folder printed. Progress goes to stderr (with --json,
// one object per line on stdout); the folder alone goes to stdout. A model already complete in the
// cache at that revision is registered with no request.
import type { ModelSummary } from '../../contract'
import { hubSettings } from '../../hub/hub-config'
import { isHubError } from '../../hub/hub-error'
import { downloadModel, type DownloadedModel } from '../../hub/model-download'
import { createTokenStore } from '../../hub/token-store'
import { dispatchCall } from '../../services'
import { EXIT_FAILURE, EXIT_OK, UsageError, type CliContext } from '../command'
import { openServices } from '../open-services'
import { parseOptions } from '../parse-options'
import { cliDataDir } from '../open-services'

/** Its line among `models`' usage lines. */
export const MODELS_DOWNLOAD_SYNOPSIS = '       mixture-studio models download ORG/NAME [--revision REV] [--name NAME] [--json]'

/** Its paragraph, after the others in `models --help`. */
export const MODELS_DOWNLOAD_HELP = `download fetches a model from the Hugging Face Hub into its cache (HF_HUB_CACHE, or HF_HOME/hub):
config, generation config, tokenizer files and safetensors weights, never pickled .bin, ONNX or
GGUF files; resumed where an earlier download stopped, each file checked against the Hub's sha256.
It registers the snapshot folder as import does and prints it. A repo without safetensors, or of
an architecture we do not train, is refused before anything is fetched. HF_ENDPOINT names a mirror;
HF_HUB_OFFLINE=1 uses only the cache. A gated model needs the HF token (Settings, or HF_TOKEN) of an
account that accepted its conditions.

  --revision REV   (download) branch, tag or commit (default main)
  --name NAME      (download) the name it is registered under (default ORG/NAME)
  --json           (download) print progress events and the result as JSON lines`

const REPO_ID = /^(?:[\w.-]+\/)?[\w.-]+$/
const HUMAN_PROGRESS_MS = 2000

export async function modelsDownloadCommand(args: string[], context: CliContext): Promise<number> {
  const { values, positionals } = parseOptions(args, { revision: { type: 'string' }, name: { type: 'string' }, json: { type: 'boolean' } }, true)
  if (positionals.length !== 1) throw new UsageError('models download needs exactly one model, ORG/NAME (e.g. HuggingFaceTB/SmolLM2-135M-Instruct)')
  const repo = positionals[0]
  if (!REPO_ID.test(repo) || repo.split('/').some((part) => part === '.' || part === '..')) throw new UsageError(`"${repo}" is not a Hub model name: give ORG/NAME, e.g. HuggingFaceTB/SmolLM2-135M-Instruct`)
  const json = values.json === true
  const line = (object: Record<string, unknown>) => context.stdout(`${JSON.stringify(object)}\n`)
  const dataDir = cliDataDir(context)
  const settings = hubSettings(context.env)
  const token = createTokenStore({ dataDir, env: context.env }).get()
  const stop = new AbortController()
  void context.untilInterrupted().then(() => stop.abort())

  let currentFile: string | null = null
  let lastLine = 0
  let downloaded: DownloadedModel
  try {
    downloaded = await downloadModel({
      ...settings,
      token,
      signal: stop.signal,
      repo,
      revision: values.revision,
      onPlan(plan) {
        if (json) line({ type: 'plan', repo, revision: plan.revision, commit: plan.commit, files: plan.files.map((f) => ({ path: f.path, size: f.size })), total_bytes: plan.totalBytes, skipped: plan.skipped })
        else context.stderr(`${repo} at ${plan.commit.slice(0, 12)}: ${plan.files.length} files, ${megabytes(plan.totalBytes)} MB${plan.skipped.length > 0 ? ` (left out: ${plan.skipped.join(', ')})` : ''}\n`)
      },
      onProgress(progress) {
        if (json) {
          line({ type: 'progress', file: progress.file, bytes: progress.bytes, total_bytes: progress.totalBytes, bytes_per_s: progress.bytesPerSecond, eta_s: progress.etaSeconds })
          return
        }
        const now = Date.now()
        if (progress.file === currentFile && now - lastLine < HUMAN_PROGRESS_MS) return
        currentFile = progress.file
        lastLine = now
        const rate = progress.bytesPerSecond > 0 ? `, ${megabytes(progress.bytesPerSecond)} MB/s` : ''
        const eta = progress.etaSeconds !== null && progress.bytes < progress.totalBytes ? `, ${Math.ceil(progress.etaSeconds)} s left` : ''
        context.stderr(`${progress.file}: ${megabytes(progress.bytes)} of ${megabytes(progress.totalBytes)} MB${rate}${eta}\n`)
      },
    })
  } catch (error) {
    if (!isHubError(error)) throw error
    if (json) line({ type: 'error', kind: error.kind, message: error.message, ...(error.acceptUrl ? { accept_url: error.acceptUrl } : {}) })
    else context.stderr(`${error.message}\n`)
    return EXIT_FAILURE
  }

  const registered = await register(context, downloaded.folder, values.name ?? repo)
  if ('error' in registered) {
    const message = `${repo} was downloaded to ${downloaded.folder}, but it cannot be registered: ${registered.error}`
    if (json) line({ type: 'error', kind: 'unsupported', message, folder: downloaded.folder })
    else context.stderr(`${message}\n`)
    return EXIT_FAILURE
  }
  const { model, existing } = registered
  if (json) {
    line({ type: 'done', repo, revision: downloaded.revision, commit: downloaded.commit, folder: downloaded.folder, from_cache: downloaded.fromCache, registered_before: existing, model })
  } else {
    if (downloaded.fromCache) context.stderr(`${repo}: already complete in the Hugging Face cache, nothing fetched\n`)
    context.stderr(existing ? `Already registered as model ${model.id} (${model.name})\n` : `Registered as model ${model.id} (${model.name})\n`)
    context.stdout(`${downloaded.folder}\n`)
  }
  return EXIT_OK
}

/** The catalog's model for the folder: the one registered already, else a new one, checked as `models import` checks it. */
async function register(context: CliContext, folder: string, name: string): Promise<{ model: ModelSummary; existing: boolean } | { error: string }> {
  const services = openServices(context, { longCallsInProcess: true })
  try {
    const list = await dispatchCall(services, 'modelsList', {})
    const known = list.ok ? (list.data as ModelSummary[]).find((m) => m.path === folder) : undefined
    if (known) return { model: known, existing: true }
    const imported = await dispatchCall(services, 'modelsImport', { path: folder, name })
    return imported.ok ? { model: imported.data as ModelSummary, existing: false } : { error: imported.error.message }
  } finally {
    await services.close()
  }
}

function megabytes(bytes: number): string {
  return (bytes / 1e6).toFixed(1)
}
