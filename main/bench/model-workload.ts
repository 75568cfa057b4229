// What the models bench measures, shared by the bench (models.ts) and its worker process.

export interface ModelWorkerRequest {
  dir: string
  measure: 'forward' | 'generate'
  reps: number
  warmup: number
  threads?: number
  device?: 'auto' | 'cpu' | 'cuda' | 'webgpu' | 'dml'
}

export interface ModelWorkerResult {
  provider: string
  /** Where it ran, as runs and the Playground say it: "cpu, float32", "cuda, fp16 frozen products, ...". */
  device: string
  sessionSeconds: number
  /** forward: tokens per second of a [FORWARD_BATCH, FORWARD_SEQ] scoring pass. generate: new tokens per second after the prefill. */
  tokensPerSecond: number
  /** generate: seconds of the prompt's prefill step. */
  prefillSeconds?: number
  /** generate: median step seconds over the first and the last quarter of the new tokens (equal when a step does not grow with the tokens so far). */
  firstQuarterStepSeconds?: number
  lastQuarterStepSeconds?: number
  peakRssBytes: number
}

export const FORWARD_BATCH = 2
export const FORWARD_SEQ = 128
export const PROMPT_TOKENS = 32
export const NEW_TOKENS = 64
