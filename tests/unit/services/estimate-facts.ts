// The small model and run the estimate-formula tests work out by hand.
import type { EstimateFacts } from '../../../main/services/estimate-formula'

export const ESTIMATE_FACTS: EstimateFacts = {
  model: { parameters: 1_000_000, tiedEmbeddings: false, layers: 4, hiddenSize: 64, ffnSize: 256, heads: 4, vocabSize: 1000 },
  trainable: 2000,
  sites: 12,
  train: { batch_size: 2, grad_accum: 3, optimizer: 'adamw', eval_every: 4, save_every: 5 },
  steps: 10,
  sequenceLength: 32,
  measuredTokensPerSecond: null,
  stepTiming: null,
  device: { kind: 'cpu', cores: 2 },
  precision: 'fp32',
  notes: [],
}
