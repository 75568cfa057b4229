// `export` (docs/BENCHMARKS.md "Export"): how fast `export --format onnx` writes a whole model with a
// MoV-10 adapter built in, and how much memory it takes beyond the process itself. The model is
// the training bench's `medium` shape with random weights (~254 M parameters, ~1 GB float32); the
// export runs in a fresh process (export-onnx-worker.ts), so its peak is its own and the weights
// this process wrote do not count. The export streams the weights: its peak must not grow with
// the model.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseAdapterConfig } from '../engine/adapters'
import { openModel } from '../models'
import { nativeAdapterConfig, writeAdapterFolder } from '../train/adapter-files'
import { buildStepGraph } from '../train/step-graph'
import { runBenchWorker } from './child-worker'
import type { BenchOptions } from './engine'
import { writeBenchLlamaFolder } from './model-folder'
import { TRAINING_SHAPES } from './training'

export interface ExportOnnxRequest {
  adapterDir: string
  out: string
}

export interface ExportOnnxResult {
  seconds: number
  /** Bytes written (model.onnx.data). */
  dataBytes: number
  baselineRssBytes: number
  peakRssBytes: number
}

export interface ExportOnnxFigures {
  bench: 'export_onnx'
  parameters: number
  weights_mb: number
  export_seconds: number
  export_mb_per_s: number
  /** Peak resident memory of the exporting process above its baseline (Node, engine code). */
  peak_rss_growth_mb: number
  peak_rss_growth_over_weights: number
}

const MB = 2 ** 20

export async function exportOnnxBench(o: BenchOptions): Promise<ExportOnnxFigures> {
  const model = writeBenchLlamaFolder(TRAINING_SHAPES.medium)
  const work = mkdtempSync(join(tmpdir(), 'mixture-studio-bench-export-'))
  try {
    const opened = openModel(model.dir)
    const adapter = parseAdapterConfig({ method: 'mov', experts: 10 })
    const step = buildStepGraph(opened, adapter, { kind: 'eval', maxPositions: 512 })
    const values = step.initialValues(1)
    const adapterDir = join(work, 'adapter')
    const base = { path: model.dir, model_type: opened.spec.modelType, architecture: opened.info.architecture, hidden_size: opened.spec.hiddenSize, num_layers: opened.spec.numLayers, vocab_size: opened.spec.vocabSize }
    writeAdapterFolder(adapterDir, nativeAdapterConfig(adapter, base, step.trainableParameterCount, 1), step.parameters.map((p) => ({ name: p.name, shape: p.shape, data: values.get(p.name)! })))
    const worker = fileURLToPath(new URL('./export-onnx-worker.ts', import.meta.url))
    const results: ExportOnnxResult[] = []
    for (let i = 0; i < Math.max(1, Math.min(o.reps, 3)); i++) {
      const out = join(work, `onnx-${i}`)
      results.push(await runBenchWorker<ExportOnnxRequest, ExportOnnxResult>(worker, { adapterDir, out }, 'the ONNX export'))
      rmSync(out, { recursive: true, force: true })
    }
    results.sort((a, b) => a.seconds - b.seconds)
    const median = results[Math.floor(results.length / 2)]
    const growth = Math.max(...results.map((r) => r.peakRssBytes - r.baselineRssBytes))
    return {
      bench: 'export_onnx',
      parameters: opened.info.parameterCount,
      weights_mb: model.weightBytes / MB,
      export_seconds: median.seconds,
      export_mb_per_s: median.dataBytes / MB / median.seconds,
      peak_rss_growth_mb: growth / MB,
      peak_rss_growth_over_weights: growth / model.weightBytes,
    }
  } finally {
    rmSync(work, { recursive: true, force: true })
    model.remove()
  }
}
