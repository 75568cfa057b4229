// Run records, estimates and configurations as the server would answer them, for store tests.
import { RunConfig, type RunDetail, type RunEstimate } from '../../main/contract'
import { run } from './fixtures'

export const movConfig = RunConfig.parse({
  name: 'mov run',
  model: '/models/tiny',
  data: { train: '/data/train.jsonl', split: 0.1 },
  adapter: { method: 'mov', experts: 4 },
  train: { max_steps: 50 },
})

export function runDetail(id: string, overrides: Partial<RunDetail['run']> = {}, config: unknown = movConfig): RunDetail {
  return {
    run: run(id, { status: 'running', finishedAt: null, trainingSeconds: 0, segmentStartedAt: '2025-01-01T10:00:01.000Z', ...overrides }),
    config,
    folder: `/home/test/runs/${id}`,
    latest: {},
    checkpoints: [],
    adapter: null,
    importedFrom: null,
  }
}

export function estimate(trainable: number, overrides: Partial<RunEstimate> = {}): RunEstimate {
  return {
    trainableParameters: trainable,
    baseParameters: 1_000_000,
    trainablePercent: trainable / 10_000,
    sites: 12,
    tokensPerStep: 4096,
    measurable: true,
    sequenceLength: 512,
    memory: { totalBytes: 2 ** 30, terms: [{ label: 'base weights', bytes: 2 ** 30, formula: 'N × 4 B' }] },
    frozenWeights: { quantize: 'none', bytes: 2 ** 30, unquantizedBytes: 2 ** 30 },
    time: { secondsPerStep: 1.5, totalSeconds: 75, basis: 'nominal', formula: 'FLOPs / throughput' },
    notes: [],
    ...overrides,
  }
}
