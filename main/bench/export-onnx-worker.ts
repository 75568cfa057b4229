// Runs in its own process (see export-onnx.ts): one `export --format onnx` of an adapter folder,
// with the process's baseline and peak resident memory, reported over IPC.
// The entry point of that process only: importing it elsewhere would answer that process's IPC.
import { statSync } from 'node:fs'
import { join } from 'node:path'
import { exportAdapter } from '../export'
import { ONNX_DATA_FILE } from '../export/onnx-model'
import type { ExportOnnxRequest, ExportOnnxResult } from './export-onnx'
import { peakRssBytes } from './peak-rss'

async function measure(request: ExportOnnxRequest): Promise<ExportOnnxResult> {
  const baselineRssBytes = peakRssBytes()
  const started = performance.now()
  const result = await exportAdapter({ adapterDir: request.adapterDir }, { format: 'onnx', out: request.out })
  const seconds = (performance.now() - started) / 1000
  return { seconds, dataBytes: statSync(join(result.path, ONNX_DATA_FILE)).size, baselineRssBytes, peakRssBytes: peakRssBytes() }
}

process.once('message', (request) => {
  measure(request as ExportOnnxRequest).then(
    (result) => process.send?.({ ok: true, result }, () => process.exit(0)),
    (error: unknown) => process.send?.({ ok: false, message: error instanceof Error ? error.stack ?? error.message : String(error) }, () => process.exit(1)),
  )
})
