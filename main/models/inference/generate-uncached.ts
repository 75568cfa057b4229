// Generation without a KV cache: every step recomputes the whole sequence with the forward graph.
// O(n²) and only for checking the cached generator (they must agree token for token).
import { ForwardSession } from './forward'
import type { GeneratedRow, GenerateRequest } from './generate'
import { stopTokensOf } from './generate'
import type { OpenedModel } from './open-model'
import { TokenSampler } from './sampling'

export async function generateWithoutCache(model: OpenedModel, prompts: readonly (readonly number[])[], request: GenerateRequest): Promise<GeneratedRow[]> {
  const session = await ForwardSession.create(model, { threads: 1 })
  const stop = new Set(request.stopTokens ?? stopTokensOf(model))
  const sampler = new TokenSampler(request)
  const spec = model.spec
  const rows: GeneratedRow[] = prompts.map(() => ({ tokens: [], finishReason: 'max_tokens' }))
  const done = prompts.map(() => false)
  try {
    for (let t = 0; t < request.maxTokens && !done.every(Boolean); t++) {
      // Every row has t tokens so far: finished rows keep repeating their last one (as the cached generator feeds them).
      const sofar = rows.map((r) => [...r.tokens, ...new Array<number>(t - r.tokens.length).fill(r.tokens.at(-1) ?? 0)])
      let out
      if (spec.family === 't5') {
        const width = Math.max(...prompts.map((p) => p.length))
        const tokens = {
          ids: prompts.map((p) => [...p, ...new Array<number>(width - p.length).fill(0)]),
          mask: prompts.map((p) => Array.from({ length: width }, (_, i) => (i < p.length ? 1 : 0))),
        }
        out = await session.run({ tokens, decoder: { ids: sofar.map((s) => [spec.decoderStartTokenId, ...s]) } })
      } else {
        // Left padding puts every row's last token in the last slot.
        const sequences = prompts.map((p, b) => [...p, ...sofar[b]])
        const width = Math.max(...sequences.map((s) => s.length))
        out = await session.run({
          tokens: {
            ids: sequences.map((s) => [...new Array<number>(width - s.length).fill(0), ...s]),
            mask: sequences.map((s) => [...new Array<number>(width - s.length).fill(0), ...s.map(() => 1)]),
          },
        })
      }
      const [, length, vocab] = out.logits.shape
      const data = out.logits.data as Float32Array
      rows.forEach((row, b) => {
        if (done[b]) return
        const token = sampler.next(data.subarray((b * length + length - 1) * vocab, (b * length + length) * vocab))
        row.tokens.push(token)
        if (stop.has(token)) {
          done[b] = true
          row.finishReason = 'stop'
        }
      })
    }
  } finally {
    await session.dispose()
  }
  return rows
}
