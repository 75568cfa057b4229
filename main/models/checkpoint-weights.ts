// A folder's checkpoint as the engine's model builders see it: every role resolves to a weight
// whose bytes stay in the safetensors file (ONNX external data by offset), in its stored dtype.
import type { CheckpointWeights, StoredWeight } from '../engine/models/weights'
import { weightSourceOf } from '../runtime/safetensors'
import { ModelFolderError } from './errors'
import type { ModelFolderInfo } from './folder'

export function checkpointWeightsOf(info: Pick<ModelFolderInfo, 'weightMap' | 'weights'>): CheckpointWeights {
  return {
    map: info.weightMap,
    locate(hfName): StoredWeight {
      const located = info.weights.tensors.get(hfName)
      if (!located) throw new ModelFolderError(`tensor "${hfName}" is not in the checkpoint`, info.weights.indexPath ?? info.weights.files[0]?.path ?? null)
      const { file, entry } = located
      if (!entry.engineDType) throw new ModelFolderError(`${file.path}: tensor "${hfName}" is ${entry.dtype}, which cannot be loaded`, file.path)
      return { dtype: entry.engineDType, shape: entry.shape, source: weightSourceOf(file, hfName) }
    },
  }
}
