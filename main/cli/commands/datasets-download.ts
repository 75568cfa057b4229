// `mixture-studio datasets download ORG/NAME`: a dataset repo's data files into the Hugging Face
// cache, printed as local paths, so `datasets import PATH` can follow. Progress goes to stderr
// (or, with --json, one object per line on stdout); the paths alone go to stdout.
import { hubSettings } from '../../hub/hub-config'
import { downloadDatasetFiles, type DownloadedDataset } from '../../hub/hub-datasets'
import { isHubError } from '../../hub/hub-error'
import { createTokenStore } from '../../hub/token-store'
import { EXIT_FAILURE, EXIT_OK, UsageError, type CliContext } from '../command'
import { parseOptions } from '../parse-options'
import { cliDataDir } from '../open-services'

/** Its line among `datasets`' usage lines. */
export const DATASETS_DOWNLOAD_SYNOPSIS = '       mixture-studio datasets download ORG/NAME [--file PATH]... [--revision REV] [--json]'

/** Its paragraph and options, after import's in `datasets --help`. */
export const DATASETS_DOWNLOAD_HELP = `download fetches a Hub dataset's data files (parquet, JSONL, JSON, CSV, TSV; every one, or each
--file PATH given as the repo names it) into the Hugging Face cache (HF_HUB_CACHE, or HF_HOME/hub)
and prints their local paths, one a line, for \`datasets import PATH\`. HF_ENDPOINT names a mirror;
HF_HUB_OFFLINE=1 uses only files already in the cache. A gated dataset needs the HF token
(Settings, or HF_TOKEN).

  --file PATH        (download) a file of the repo; repeatable (default: all its data files)
  --revision REV     (download) branch, tag or commit (default main)
  --json             (download) print progress events and the result as JSON lines`

const REPO_ID = /^(?:[\w.-]+\/)?[\w.-]+$/

export async function datasetsDownloadCommand(args: string[], context: CliContext): Promise<number> {
  const { values, positionals } = parseOptions(args, { file: { type: 'string', multiple: true }, revision: { type: 'string' }, json: { type: 'boolean' } }, true)
  if (positionals.length !== 1) throw new UsageError('datasets download needs exactly one dataset, ORG/NAME (e.g. tatsu-lab/alpaca)')
  const repo = positionals[0]
  if (!REPO_ID.test(repo) || repo.split('/').some((part) => part === '.' || part === '..')) throw new UsageError(`"${repo}" is not a Hub dataset name: give ORG/NAME, e.g. tatsu-lab/alpaca`)
  const json = values.json === true
  const line = (object: Record<string, unknown>) => context.stdout(`${JSON.stringify(object)}\n`)
  const settings = hubSettings(context.env)
  const token = createTokenStore({ dataDir: cliDataDir(context), env: context.env }).get()
  const stop = new AbortController()
  void context.untilInterrupted().then(() => stop.abort())

  let currentFile: string | null = null
  let result: DownloadedDataset
  try {
    result = await downloadDatasetFiles({
      connection: { ...settings, token, signal: stop.signal },
      repo,
      revision: values.revision,
      files: values.file,
      onProgress(progress) {
        if (json) {
          line({ type: 'progress', file: progress.file, bytes: progress.bytes, total_bytes: progress.totalBytes, bytes_per_s: progress.bytesPerSecond, eta_s: progress.etaSeconds })
        } else if (progress.file !== currentFile) {
          currentFile = progress.file
          context.stderr(`fetching ${progress.file} (${megabytes(progress.bytes)} of ${megabytes(progress.totalBytes)} MB)\n`)
        }
      },
    })
  } catch (error) {
    if (!isHubError(error)) throw error
    if (json) line({ type: 'error', kind: error.kind, message: error.message, ...(error.acceptUrl ? { accept_url: error.acceptUrl } : {}) })
    else context.stderr(`${error.message}\n`)
    return EXIT_FAILURE
  }
  if (json) {
    line({ type: 'done', repo: result.repo, revision: result.revision, commit: result.commit, from_cache: result.fromCache, files: result.files.map((f) => ({ path: f.path, local_path: f.localPath, split: f.split })) })
  } else {
    if (result.fromCache) context.stderr(`${repo}: already in the Hugging Face cache\n`)
    for (const file of result.files) context.stdout(`${file.localPath}\n`)
  }
  return EXIT_OK
}

function megabytes(bytes: number): string {
  return (bytes / 1e6).toFixed(1)
}
