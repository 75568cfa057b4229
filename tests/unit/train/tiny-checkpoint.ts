// A real checkpoint small enough to write many times: one (IA)³ vector and its AdamW moment. The
// moment holds which save of its step it is, so a test can tell two saves of one step apart.
import { parseAdapterConfig } from '../../../main/engine/adapters'
import { nativeAdapterConfig } from '../../../main/train/adapter-files'
import type { CheckpointContents, CheckpointToWrite } from '../../../main/train/checkpoint'

const VECTOR = 'model.layers.0.mlp.ia3_l'

/** Step `step`'s checkpoint; `save` (1, 2 ...) tells one save of the same step from another. */
export function tinyCheckpoint(step: number, save = 1): CheckpointToWrite {
  const base = { path: 'model', model_type: 'llama', architecture: 'LlamaForCausalLM', hidden_size: 4, num_layers: 1, vocab_size: 16 }
  return {
    step,
    position: { epoch: 0, batch: step },
    adapterConfig: nativeAdapterConfig(parseAdapterConfig({ method: 'ia3' }), base, 4, step),
    parameters: [{ name: VECTOR, shape: [4], data: new Float32Array(4).fill(step) }],
    optimizer: { kind: 'adamw', step, tensors: { [`${VECTOR}.m`]: new Float32Array(4).fill(save) } },
  }
}

/** Which save of its step a checkpoint read back is (tinyCheckpoint's `save`). */
export function saveOf(checkpoint: CheckpointContents): number {
  return checkpoint.optimizer.tensors[`${VECTOR}.m`][0]
}
