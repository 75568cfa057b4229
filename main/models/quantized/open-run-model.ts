// A run's model as its configuration asks for it: the folder, and with model.quantize its
// quantized copy (quantize-folder.ts) serving the projection and embedding weights.
import { join } from 'node:path'
import type { CheckpointWeights, QuantizedStoredWeight } from '../../engine/models/weights'
import { openModel, type OpenedModel } from '../inference/open-model'
import { QUANTIZED_WEIGHTS_FILE } from './manifest'
import { ensureQuantizedCopy, type QuantizedCopy, type QuantizeProgress } from './quantize-folder'
import type { QuantizeScheme } from './selection'

export interface ModelChoice {
  path: string
  quantize: QuantizeScheme
}

/** Opens the run's model; a quantized base is made (once) under `dataDir` the first time, told to `onProgress` tensor by tensor. */
export function openRunModel(model: ModelChoice, dataDir: string, log?: (message: string) => void, onProgress?: QuantizeProgress): OpenedModel {
  const opened = openModel(model.path)
  if (model.quantize === 'none') return opened
  return withQuantizedBase(opened, ensureQuantizedCopy(opened.info, model.quantize, dataDir, log, onProgress))
}

/** `opened` with its checkpoint serving the quantized copies of the tensors `copy` holds. */
export function withQuantizedBase(opened: OpenedModel, copy: QuantizedCopy): OpenedModel {
  const file = join(copy.dir, QUANTIZED_WEIGHTS_FILE)
  const checkpoint: CheckpointWeights = {
    ...opened.checkpoint,
    quantized(hfName): QuantizedStoredWeight | null {
      const t = copy.manifest.tensors[hfName]
      if (!t) return null
      return {
        attrs: { bits: t.bits, blockSize: t.blockSize, rows: t.rows, cols: t.cols },
        q: { kind: 'file', path: file, ...t.q },
        scales: { kind: 'file', path: file, ...t.scales },
      }
    },
  }
  return { ...opened, checkpoint, quantized: { scheme: copy.manifest.scheme, dir: copy.dir, bytes: copy.manifest.bytes, kept: copy.manifest.kept } }
}
