// Runs in its own process (see models.ts), so that its peak resident memory is the model's alone:
// opens a model folder and measures the forward pass or generation, then reports over IPC.
// The entry point of that process only: importing it elsewhere would answer that process's IPC.
import { ForwardSession } from '../models/inference/forward'
import { Generator } from '../models/inference/generate'
import { openModel } from '../models/inference/open-model'
import { describeTarget } from '../runtime'
import { peakRssBytes } from './peak-rss'
import { timeRepeated } from './timing'
import { FORWARD_BATCH, FORWARD_SEQ, NEW_TOKENS, PROMPT_TOKENS, type ModelWorkerRequest, type ModelWorkerResult } from './model-workload'

function tokenIds(n: number, vocab: number, seed: number): number[] {
  return Array.from({ length: n }, (_, i) => (i * 7919 + seed * 104729) % (vocab - 3) + 3)
}

async function measure(request: ModelWorkerRequest): Promise<ModelWorkerResult> {
  const model = openModel(request.dir)
  const vocab = model.spec.vocabSize
  const session = { threads: request.threads, device: request.device ?? 'cpu' }
  const started = performance.now()
  if (request.measure === 'forward') {
    // A GPU graph is static: built for the one batch shape measured (ignored on the CPU).
    const forward = await ForwardSession.create(model, { ...session, outputs: ['token_nll'], batchShape: { batch: FORWARD_BATCH, seq: FORWARD_SEQ } })
    const sessionSeconds = (performance.now() - started) / 1000
    const rows = Array.from({ length: FORWARD_BATCH }, (_, b) => tokenIds(FORWARD_SEQ, vocab, b))
    const batch = { tokens: { ids: rows }, labels: rows.map((r) => [...r.slice(1), 0]), labelMask: rows.map((r) => r.map((_, t) => (t + 1 < r.length ? 1 : 0))) }
    const t = await timeRepeated(() => forward.run(batch), request.reps, request.warmup)
    await forward.dispose()
    return { provider: forward.session.provider, device: describeTarget(forward.target), sessionSeconds, tokensPerSecond: (FORWARD_BATCH * FORWARD_SEQ) / t.median, peakRssBytes: peakRss() }
  }
  const generator = await Generator.create(model, { ...session, maxPositions: PROMPT_TOKENS + NEW_TOKENS })
  const sessionSeconds = (performance.now() - started) / 1000
  const prompt = tokenIds(PROMPT_TOKENS, vocab, 1)
  const request2 = { maxTokens: NEW_TOKENS, stopTokens: [] }
  const runs: { decode: number; prefill: number; steps: number[] }[] = []
  await timeRepeated(async () => {
    const { stats } = await generator.generate([prompt], request2)
    runs.push({ decode: stats.decodeSeconds, prefill: stats.prefillSeconds, steps: stats.stepSeconds })
  }, request.reps, request.warmup)
  const timed = runs.slice(request.warmup).sort((a, b) => a.decode - b.decode)
  const median = timed[Math.floor(timed.length / 2)]
  const quarters = stepQuarters(timed.map((r) => r.steps))
  await generator.dispose()
  return {
    provider: generator.provider, device: describeTarget(generator.target), sessionSeconds, tokensPerSecond: (NEW_TOKENS - 1) / median.decode, prefillSeconds: median.prefill,
    firstQuarterStepSeconds: quarters.first, lastQuarterStepSeconds: quarters.last, peakRssBytes: peakRss(),
  }
}

/** Median step time over the first and over the last quarter of the steps of the timed runs. */
function stepQuarters(runs: number[][]): { first: number; last: number } {
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
  const q = Math.max(1, Math.floor(runs[0].length / 4))
  return { first: median(runs.flatMap((r) => r.slice(0, q))), last: median(runs.flatMap((r) => r.slice(-q))) }
}

function peakRss(): number {
  return peakRssBytes()
}

process.once('message', (message) => {
  measure(message as ModelWorkerRequest).then(
    (result) => process.send!({ ok: true, result }, () => process.exit(0)),
    (error: Error) => process.send!({ ok: false, message: error.stack ?? error.message }, () => process.exit(1)),
  )
})
