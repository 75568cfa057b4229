// Dataset repos through the real @huggingface/hub client against the local Hub: data files by
// split for the layouts repos use, and their download into the HF cache (by the library and by
// `mixture-studio datasets download`), byte-identical, ready for `datasets import PATH`.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { main, type CliContext } from '../../../main/cli'
import type { HubConnection } from '../../../main/hub/hub-api'
import { downloadDatasetFiles, hubDatasetFiles } from '../../../main/hub/hub-datasets'
import { isHubError } from '../../../main/hub/hub-error'
import { startHubServer, type HubServer } from '../../helpers/hub-server'
import { addDatasetRepo, dataBytes } from '../../helpers/hub-server-datasets'
import { makeTempDir } from '../../helpers/temp-dir'

let hub: HubServer
let temp: ReturnType<typeof makeTempDir>
let cacheCount = 0
const alpacaParquet = dataBytes(1_500_000, 1) // over 1 MB: stored in LFS, fetched through the CDN redirect
const dollyLines = '{"instruction":"a","response":"b"}\n{"instruction":"c","response":"d"}\n'

function connection(extra: Partial<HubConnection> = {}): HubConnection & { cacheDir: string } {
  return { endpoint: hub.url, offline: false, token: null, cacheDir: join(temp.dir, `cache-${cacheCount++}`), ...extra }
}

beforeAll(async () => {
  hub = await startHubServer()
  temp = makeTempDir('hub-datasets-')
  await addDatasetRepo(hub, 'tatsu/alpaca', { 'README.md': '# alpaca', '.gitattributes': '*.parquet filter=lfs', 'data/train-00000-of-00001-a09b74b3ef9c3b56.parquet': alpacaParquet })
  await addDatasetRepo(hub, 'databricks/dolly', { 'databricks-dolly-15k.jsonl': dollyLines, 'README.md': '# dolly' })
  await addDatasetRepo(hub, 'org/folders', { 'train/a.csv': 'q,a\n1,2\n', 'test/b.csv': 'q,a\n3,4\n', 'validation.jsonl': '{}\n', 'make.py': 'print()', 'img/x.png': 'png' })
  await addDatasetRepo(hub, 'org/configured', { 'raw/first.jsonl': '{}\n', 'raw/second.jsonl': '{}\n', 'extra.tsv': 'a\tb\n' }, {
    configs: [{ config_name: 'default', data_files: [{ split: 'train', path: 'raw/first.*' }, { split: 'holdout', path: 'raw/second.jsonl' }] }],
  })
  await addDatasetRepo(hub, 'org/gated-data', { 'train.jsonl': '{}\n' }, { gated: 'auto' })
})
afterAll(async () => {
  await hub?.close()
  temp?.remove()
})

describe('hubDatasetFiles', () => {
  test('the parquet conversion layout: one train shard, README and .gitattributes left out', async () => {
    const listed = await hubDatasetFiles(connection(), 'tatsu/alpaca')
    expect(listed.revision).toBe(hub.repo('dataset', 'tatsu/alpaca')!.commit)
    expect(listed.files).toEqual([{ path: 'data/train-00000-of-00001-a09b74b3ef9c3b56.parquet', size: alpacaParquet.length, split: 'train' }])
    expect(listed).toMatchObject({ gated: false, acceptUrl: null })
  })

  test('a single file that names no split has none', async () => {
    const listed = await hubDatasetFiles(connection(), 'databricks/dolly')
    expect(listed.files).toEqual([{ path: 'databricks-dolly-15k.jsonl', size: Buffer.byteLength(dollyLines), split: null }])
  })

  test('split folders and split-named files, grouped by split; scripts and images left out', async () => {
    const listed = await hubDatasetFiles(connection(), 'org/folders')
    expect(listed.files.map((f) => [f.path, f.split])).toEqual([['test/b.csv', 'test'], ['train/a.csv', 'train'], ['validation.jsonl', 'validation']])
  })

  test('the card\'s configs name the splits, the layout the files they leave out', async () => {
    const listed = await hubDatasetFiles(connection(), 'org/configured')
    expect(Object.fromEntries(listed.files.map((f) => [f.path, f.split]))).toEqual({ 'raw/first.jsonl': 'train', 'raw/second.jsonl': 'holdout', 'extra.tsv': null })
  })

  test('a gated dataset says where to accept its conditions', async () => {
    const listed = await hubDatasetFiles(connection(), 'org/gated-data')
    expect(listed).toMatchObject({ gated: true, acceptUrl: `${hub.url}/datasets/org/gated-data` })
  })

  test('a dataset the Hub does not have is not-found; offline mode asks nothing', async () => {
    await expect(hubDatasetFiles(connection(), 'org/none')).rejects.toMatchObject({ kind: 'not-found' })
    const before = hub.requests.length
    await expect(hubDatasetFiles(connection({ offline: true }), 'tatsu/alpaca')).rejects.toMatchObject({ kind: 'offline' })
    expect(hub.requests.length).toBe(before)
  })
})

describe('downloadDatasetFiles', () => {
  test('fetches the chosen files into datasets--ORG--NAME, byte-identical, then answers from the cache without a request', async () => {
    const where = connection()
    const path = 'data/train-00000-of-00001-a09b74b3ef9c3b56.parquet'
    const done = await downloadDatasetFiles({ connection: where, repo: 'tatsu/alpaca', files: [path] })
    const commit = hub.repo('dataset', 'tatsu/alpaca')!.commit
    expect(done).toMatchObject({ commit, fromCache: false })
    expect(done.files).toEqual([{ path, localPath: join(where.cacheDir, 'datasets--tatsu--alpaca', 'snapshots', commit, 'data', 'train-00000-of-00001-a09b74b3ef9c3b56.parquet'), split: 'train' }])
    expect(readFileSync(done.files[0].localPath).equals(Buffer.from(alpacaParquet))).toBe(true)

    const before = hub.requests.length
    const again = await downloadDatasetFiles({ connection: { ...where, offline: true }, repo: 'tatsu/alpaca', files: [path] })
    expect(again).toMatchObject({ fromCache: true, commit, files: done.files })
    expect(hub.requests.length).toBe(before)
  })

  test('with no files named, fetches every data file and only those; offline, the cache gives them all again', async () => {
    const where = connection()
    const done = await downloadDatasetFiles({ connection: where, repo: 'org/folders' })
    expect(done.files.map((f) => f.path)).toEqual(['test/b.csv', 'train/a.csv', 'validation.jsonl'])
    expect(readFileSync(done.files[1].localPath, 'utf8')).toBe('q,a\n1,2\n')
    const before = hub.requests.length
    const again = await downloadDatasetFiles({ connection: { ...where, offline: true }, repo: 'org/folders' })
    expect(again).toMatchObject({ fromCache: true, files: done.files })
    expect(hub.requests.length).toBe(before)
  })

  test('a file the repo does not have is refused before any download, listing those it has', async () => {
    const error = await downloadDatasetFiles({ connection: connection(), repo: 'org/folders', files: ['train.csv'] }).catch((e: unknown) => e)
    expect(isHubError(error, 'not-found')).toBe(true)
    expect((error as Error).message).toMatch(/no data file train\.csv; its data files are test\/b\.csv, train\/a\.csv, validation\.jsonl/)
  })

  test('offline mode with the files not in the cache refuses, without a request', async () => {
    const before = hub.requests.length
    await expect(downloadDatasetFiles({ connection: connection({ offline: true }), repo: 'databricks/dolly', files: ['databricks-dolly-15k.jsonl'] })).rejects.toMatchObject({ kind: 'offline' })
    expect(hub.requests.length).toBe(before)
  })
})

describe('mixture-studio datasets download', () => {
  async function cli(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
    let stdout = ''
    let stderr = ''
    const context: CliContext = {
      env: { MIXTURE_STUDIO_HOME: join(temp.dir, 'home'), HF_ENDPOINT: hub.url, ...env },
      stdout: (text) => (stdout += text),
      stderr: (text) => (stderr += text),
      untilInterrupted: () => new Promise(() => {}),
    }
    const code = await main(['datasets', 'download', ...args], context)
    return { code, stdout, stderr }
  }

  test('prints the local path of each file, byte-identical to the Hub\'s, for datasets import', async () => {
    const cache = join(temp.dir, 'cli-cache')
    const { code, stdout } = await cli(['databricks/dolly'], { HF_HUB_CACHE: cache })
    expect(code).toBe(0)
    const paths = stdout.trim().split('\n')
    expect(paths).toHaveLength(1)
    expect(paths[0].startsWith(join(cache, 'datasets--databricks--dolly', 'snapshots'))).toBe(true)
    expect(readFileSync(paths[0], 'utf8')).toBe(dollyLines)
  })

  test('--json prints progress events, then the files with their local paths and splits', async () => {
    const { code, stdout } = await cli(['tatsu/alpaca', '--json', '--file', 'data/train-00000-of-00001-a09b74b3ef9c3b56.parquet'], { HF_HUB_CACHE: join(temp.dir, 'cli-json-cache') })
    expect(code).toBe(0)
    const lines = stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>)
    const progress = lines.filter((l) => l.type === 'progress')
    expect(progress.length).toBeGreaterThan(0)
    expect(progress.at(-1)).toMatchObject({ bytes: alpacaParquet.length, total_bytes: alpacaParquet.length })
    const done = lines.at(-1) as { type: string; files: Array<{ local_path: string; split: string }> }
    expect(done.type).toBe('done')
    expect(done.files[0].split).toBe('train')
    expect(readFileSync(done.files[0].local_path).equals(Buffer.from(alpacaParquet))).toBe(true)
  })

  test('a gated dataset without a token fails with the link to accept it', async () => {
    const { code, stdout } = await cli(['org/gated-data', '--json'], { HF_HUB_CACHE: join(temp.dir, 'cli-gated-cache') })
    expect(code).toBe(1)
    expect(JSON.parse(stdout.trim().split('\n').at(-1)!)).toMatchObject({ type: 'error', kind: 'gated', accept_url: `${hub.url}/datasets/org/gated-data` })
  })

  test('offline, with nothing cached: a clear message and exit 1, no request', async () => {
    const before = hub.requests.length
    const { code, stderr } = await cli(['databricks/dolly', '--file', 'databricks-dolly-15k.jsonl'], { HF_HUB_CACHE: join(temp.dir, 'cli-offline-cache'), HF_HUB_OFFLINE: '1' })
    expect(code).toBe(1)
    expect(stderr).toMatch(/HF_HUB_OFFLINE/)
    expect(hub.requests.length).toBe(before)
  })

  test('a name that is not ORG/NAME is a usage error', async () => {
    const { code, stderr } = await cli(['../etc'], {})
    expect(code).toBe(2)
    expect(stderr).toMatch(/not a Hub dataset name/)
  })
})
