// Tiny models and datasets for the trainer's tests.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { AdapterConfigInput } from '../../../main/engine/adapters'
import { parseAdapterConfig } from '../../../main/engine/adapters'
import type { OpenedModel } from '../../../main/models'
import { nativeAdapterConfig } from '../../../main/train/adapter-files'
import { START_POSITION, type TrainingExample } from '../../../main/train/batches'
import { buildTrainStep } from '../../../main/train/step-graph'
import { Trainer, type TrainSettings } from '../../../main/train/trainer'

export const SETTINGS: TrainSettings = {
  optimizer: 'adamw', lr: 0.05, weight_decay: 0, schedule: 'constant', warmup_steps: 0, batch_size: 4, grad_accum: 1,
  max_steps: 12, epochs: null, early_stopping: null, max_grad_norm: 1, seed: 3, eval_every: 1000, save_every: 1000, precision: 'auto', gradient_checkpointing: false, shuffle: true,
}

/** 16 examples of a learnable pattern: a 4-token prompt (untrained), then an arithmetic run (trained). */
export function patternExamples(vocab: number, count = 16, length = 12): TrainingExample[] {
  return Array.from({ length: count }, (_, i) => ({
    line: i + 1,
    inputIds: Int32Array.from({ length }, (_, t) => 3 + ((t * 3 + i) % (vocab - 4))),
    trained: Uint8Array.from({ length }, (_, t) => (t >= 4 ? 1 : 0)),
  }))
}

/** Trains `adapter` on the examples in-process (no store) and returns the loss per step. */
export async function trainLosses(model: OpenedModel, adapter: AdapterConfigInput, examples: TrainingExample[], dir: string, settings: Partial<TrainSettings> = {}): Promise<number[]> {
  const config = parseAdapterConfig(adapter)
  const step = await buildTrainStep(model, config, { kind: 'train', threads: 1, maxPositions: 32 })
  const losses: number[] = []
  const all = { ...SETTINGS, ...settings }
  const trainer = new Trainer({
    step,
    evalStep: null,
    train: examples,
    validation: [],
    layout: { seq2seq: model.spec.family === 't5', decoderStartTokenId: model.spec.family === 't5' ? model.spec.decoderStartTokenId : 0, padTokenId: 0 },
    settings: all,
    checkpointsDir: join(dir, `checkpoints-${adapter.method}`),
    adapterConfigAt: (at) => nativeAdapterConfig(config, { path: model.info.dir, model_type: model.spec.modelType, architecture: model.info.architecture, hidden_size: model.spec.hiddenSize, num_layers: model.spec.numLayers, vocab_size: model.spec.vocabSize }, step.trainableParameterCount, at),
    start: { step: 0, position: START_POSITION, parameters: step.initialValues(all.seed), optimizer: null, checkpoint: null },
    hooks: { onStep: (e) => losses.push(e.loss) },
  })
  await trainer.run()
  await step.session.dispose()
  return losses
}

/** Mean of the first and last `k` values: robust to the noise of a shuffled small batch. */
export function headAndTail(values: readonly number[], k = 3): { head: number; tail: number } {
  const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length
  return { head: mean(values.slice(0, k)), tail: mean(values.slice(-k)) }
}

/** prompt/completion JSONL rows over the tiny tokenizers' alphabet. */
export function writePromptCompletionFile(path: string, rows = 24): string {
  const words = ['abc', 'bca', 'cab', 'dde', 'eed', 'fab', 'bad', 'cad']
  const lines = Array.from({ length: rows }, (_, i) => JSON.stringify({ prompt: `copy ${words[i % words.length]}`, completion: ` ${words[i % words.length]}` }))
  writeFileSync(path, lines.join('\n') + '\n')
  return path
}

const MC_WORDS = ['abc', 'bca', 'cab', 'dde', 'eed', 'fab']

/** Multiple-choice rows over the tiny tokenizers' alphabet (which word the prompt copies); badLine: a row with one choice there. */
export function writeMultipleChoiceFile(path: string, rows = 8, badLine: number | null = null): string {
  const lines = Array.from({ length: rows }, (_, i) => {
    if (badLine === i + 1) return JSON.stringify({ prompt: `copy ${MC_WORDS[i % 6]}`, choices: [` ${MC_WORDS[i % 6]}`], answer: 0 })
    const choices = [0, 1, 2].map((k) => ` ${MC_WORDS[(i + k) % 6]}`)
    return JSON.stringify({ prompt: `copy ${MC_WORDS[i % 6]}`, choices, answer: i % 3 === 0 ? 0 : choices[0] })
  })
  writeFileSync(path, lines.join('\n') + '\n')
  return path
}
