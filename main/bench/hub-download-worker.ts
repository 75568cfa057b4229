// Runs in its own process (see hub-download.ts): one model download from the local Hub into a fresh
// cache, or one streamed read of the same file from disk, with the process's baseline and peak
// resident memory, reported over IPC.
// The entry point of that process only: importing it elsewhere would answer that process's IPC.
import { createReadStream } from 'node:fs'
import { downloadModel } from '../hub/model-download'
import type { HubDownloadRequest, HubDownloadResult } from './hub-download'
import { peakRssBytes } from './peak-rss'

async function measure(request: HubDownloadRequest): Promise<HubDownloadResult> {
  const baselineRssBytes = peakRssBytes()
  const started = performance.now()
  let bytes = 0
  if (request.mode === 'download') {
    await downloadModel({
      endpoint: request.endpoint, cacheDir: request.cacheDir, offline: false, repo: request.repo,
      onProgress: (progress) => (bytes = progress.bytes),
    })
  } else {
    for await (const chunk of createReadStream(request.path)) bytes += (chunk as Buffer).length
  }
  const seconds = (performance.now() - started) / 1000
  return { seconds, bytes, baselineRssBytes, peakRssBytes: peakRssBytes() }
}

process.once('message', (request) => {
  measure(request as HubDownloadRequest).then(
    (result) => process.send?.({ ok: true, result }, () => process.exit(0)),
    (error: unknown) => process.send?.({ ok: false, message: error instanceof Error ? error.stack ?? error.message : String(error) }, () => process.exit(1)),
  )
})
