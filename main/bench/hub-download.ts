// `hub-download`: how fast a model downloads from a Hub, against reading the same bytes from disk,
// and that its memory stays flat with the file's size (the download streams: a file is never held
// whole). The Hub is the local one (local-hub.ts: real HTTP on 127.0.0.1, the LFS file redirected
// to its CDN origin, as on huggingface.co), so the figure is the download path's own cost
// (HTTP, sha256 while streaming, writing the blob, the snapshot link) without a network's. Each
// download and each read runs in a fresh process (hub-download-worker.ts), so its peak is its own
// and the server's buffers are not counted. The repo: config.json and a model.safetensors of
// random bytes, of the full size and of a quarter of it.
import { randomBytes } from 'node:crypto'
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { runBenchWorker } from './child-worker'
import { startLocalHub } from './local-hub'
import { modelRoutes } from './local-hub-model-routes'
import { median } from './timing'

export type HubDownloadRequest =
  | { mode: 'download'; endpoint: string; repo: string; cacheDir: string }
  | { mode: 'read'; path: string }

export interface HubDownloadResult {
  seconds: number
  bytes: number
  baselineRssBytes: number
  peakRssBytes: number
}

export interface HubDownloadFigures {
  bench: 'hub-download'
  file_mb: number
  download_mb_per_s: number
  disk_read_mb_per_s: number
  /** download_mb_per_s / disk_read_mb_per_s. */
  download_over_disk_read: number
  /** Peak resident memory of the downloading process, at the full size and at a quarter of it. */
  peak_rss_mb: number
  peak_rss_mb_quarter_size: number
  /** peak_rss_mb - peak_rss_mb_quarter_size: near 0 when memory is flat with the file's size. */
  peak_rss_growth_mb: number
}

const MB = 2 ** 20

export async function hubDownloadBench(options: { sizeMb: number; reps: number }): Promise<HubDownloadFigures> {
  const work = mkdtempSync(join(tmpdir(), 'mixture-studio-bench-hub-'))
  const hub = await startLocalHub(modelRoutes)
  try {
    const quarterMb = Math.max(1, Math.round(options.sizeMb / 4))
    const full = await addRepo(hub, work, 'bench/full', options.sizeMb)
    await addRepo(hub, work, 'bench/quarter', quarterMb)
    const worker = fileURLToPath(new URL('./hub-download-worker.ts', import.meta.url))
    const reps = Math.max(1, Math.min(options.reps, 3))
    let run = 0
    const download = (repo: string) => runBenchWorker<HubDownloadRequest, HubDownloadResult>(worker, { mode: 'download', endpoint: hub.url, repo, cacheDir: join(work, `cache-${run++}`) }, 'the Hub download')
    const read = (path: string) => runBenchWorker<HubDownloadRequest, HubDownloadResult>(worker, { mode: 'read', path }, 'the disk read')
    const downloads: HubDownloadResult[] = []
    const reads: HubDownloadResult[] = []
    // Interleaved, so a slower moment of the machine weighs on both alike.
    for (let i = 0; i < reps; i++) {
      reads.push(await read(full.weights))
      downloads.push(await download('bench/full'))
      rmSync(join(work, `cache-${run - 1}`), { recursive: true, force: true })
    }
    const quarterDownload = await download('bench/quarter')
    const downloadRate = median(downloads.map((r) => r.bytes / MB / r.seconds))
    const readRate = median(reads.map((r) => r.bytes / MB / r.seconds))
    const peak = Math.max(...downloads.map((r) => r.peakRssBytes)) / MB
    const peakQuarter = quarterDownload.peakRssBytes / MB
    return {
      bench: 'hub-download',
      file_mb: options.sizeMb,
      download_mb_per_s: downloadRate,
      disk_read_mb_per_s: readRate,
      download_over_disk_read: downloadRate / readRate,
      peak_rss_mb: peak,
      peak_rss_mb_quarter_size: peakQuarter,
      peak_rss_growth_mb: peak - peakQuarter,
    }
  } finally {
    await hub.close()
    rmSync(work, { recursive: true, force: true })
  }
}

async function addRepo(hub: Awaited<ReturnType<typeof startLocalHub>>, work: string, id: string, sizeMb: number): Promise<{ weights: string }> {
  const dir = join(work, id.replace('/', '--'))
  mkdirSync(dir, { recursive: true })
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ model_type: 'llama', architectures: ['LlamaForCausalLM'] }))
  const weights = join(dir, 'model.safetensors')
  // Random bytes (incompressible), written a megabyte at a time: never the whole file in memory.
  const fd = openSync(weights, 'w')
  try {
    for (let i = 0; i < sizeMb; i++) writeSync(fd, randomBytes(MB))
  } finally {
    closeSync(fd)
  }
  await hub.addRepo({ id, dir, info: { config: { model_type: 'llama', architectures: ['LlamaForCausalLM'] } } })
  return { weights }
}

