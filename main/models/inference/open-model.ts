// A model folder opened for inference: inspected (config, weights, tokenizer files) and its
// checkpoint in the form the engine's builders take. Nothing is read beyond headers.
import type { ModelSpec } from '../../engine/models/spec'
import { checkpointWeightsOf } from '../checkpoint-weights'
import { inspectModelFolder, type ModelFolderInfo } from '../folder'
import type { CheckpointWeights } from '../../engine/models'

export interface OpenedModel {
  info: ModelFolderInfo
  spec: ModelSpec
  checkpoint: CheckpointWeights
  /** Set when the frozen base is quantized (main/models/quantized/open-run-model.ts). */
  quantized?: { scheme: 'int8' | 'int4'; dir: string; bytes: number; kept: { hfName: string; why: string }[] }
}

export function openModel(dir: string): OpenedModel {
  const info = inspectModelFolder(dir)
  return { info, spec: info.spec, checkpoint: checkpointWeightsOf(info) }
}
