// fixtures/toy_model.py's math in TypeScript (float64), with its gradients by hand, as a train
// step the studio's Trainer runs: the same toy trained by the app's loop and by train.py must give
// the same losses, learning rates, norms and parameters. Forward, per real position of a row:
//   x = E[id]                       (T5: E[decoder id] + mean of the row's encoder embeddings)
//   h = x ⊙ ia3,  u = A·h,  z = Wᵀ·h + B·u,  nll = logsumexp(z) − z[label]
//   loss = Σ label_mask·nll / max(Σ label_mask, 1)
//   aux  = c · Σ real·mean_r(u²) / max(Σ real, 1)        (HAS_AUX_LOSS)
import { hostTensor, type HostTensor } from '../../../../main/runtime'
import type { TrainStep } from '../../../../main/train/step-graph'

export const TOY_AUX_WEIGHT = 0.01

export interface ToyWeights {
  vocab: number
  dim: number
  rank: number
  /** [vocab, dim], float32 values (what E.npy holds). */
  embed: Float32Array
  /** [dim, vocab]. */
  head: Float32Array
}

export function toyParameters(w: ToyWeights): { name: string; shape: number[] }[] {
  return [
    { name: 'toy.ia3', shape: [w.dim] },
    { name: 'toy.lora_A.weight', shape: [w.rank, w.dim] },
    { name: 'toy.lora_B.weight', shape: [w.vocab, w.rank] },
  ]
}

interface ToyOptions {
  seq2seq: boolean
  aux: boolean
}

type Feeds = Record<string, HostTensor>

const int = (t: HostTensor, i: number) => Number((t.data as BigInt64Array)[i])

/** Loss, aux term and the gradient of loss + aux for each parameter. */
export function toyLossAndGradients(w: ToyWeights, options: ToyOptions, feeds: Feeds): { loss: number; aux: number; grads: Map<string, Float64Array> } {
  const { vocab: V, dim: D, rank: R, embed: E, head: W } = w
  const ia3 = feeds['toy.ia3'].data as Float32Array
  const A = feeds['toy.lora_A.weight'].data as Float32Array
  const B = feeds['toy.lora_B.weight'].data as Float32Array
  const ids = options.seq2seq ? feeds.decoder_input_ids : feeds.input_ids
  const realMask = options.seq2seq ? feeds.decoder_attention_mask : feeds.attention_mask
  const [rows, width] = ids.shape
  const labelMask = feeds.label_mask
  const labels = feeds.labels

  let labelCount = 0
  let realCount = 0
  for (let i = 0; i < rows * width; i++) {
    labelCount += int(labelMask, i)
    realCount += int(realMask, i)
  }
  const nLabels = Math.max(labelCount, 1)
  const nReal = Math.max(realCount, 1)

  // T5: each row's mean encoder embedding.
  const encoded: Float64Array[] = []
  if (options.seq2seq) {
    const [, srcWidth] = feeds.input_ids.shape
    for (let b = 0; b < rows; b++) {
      const mean = new Float64Array(D)
      let n = 0
      for (let t = 0; t < srcWidth; t++) {
        if (!int(feeds.attention_mask, b * srcWidth + t)) continue
        n++
        const id = int(feeds.input_ids, b * srcWidth + t)
        for (let d = 0; d < D; d++) mean[d] += E[id * D + d]
      }
      for (let d = 0; d < D; d++) mean[d] /= n
      encoded.push(mean)
    }
  }

  const gIa3 = new Float64Array(D)
  const gA = new Float64Array(R * D)
  const gB = new Float64Array(V * R)
  let loss = 0
  let aux = 0
  for (let b = 0; b < rows; b++) {
    for (let t = 0; t < width; t++) {
      const at = b * width + t
      const real = int(realMask, at)
      const mask = int(labelMask, at)
      // Padded positions count for neither term (their mask and real flag are 0).
      if (!real && !mask) continue
      const id = int(ids, at)
      const x = Float64Array.from({ length: D }, (_, d) => E[id * D + d] + (options.seq2seq ? encoded[b][d] : 0))
      const h = x.map((v, d) => v * ia3[d])
      const u = Float64Array.from({ length: R }, (_, r) => h.reduce((s, hd, d) => s + A[r * D + d] * hd, 0))
      const z = Float64Array.from({ length: V }, (_, v) => {
        let s = 0
        for (let d = 0; d < D; d++) s += h[d] * W[d * V + v]
        for (let r = 0; r < R; r++) s += u[r] * B[v * R + r]
        return s
      })
      const max = Math.max(...z)
      const sumExp = z.reduce((s, zv) => s + Math.exp(zv - max), 0)
      const lse = max + Math.log(sumExp)
      const label = int(labels, at)
      const dz = new Float64Array(V)
      if (mask) {
        loss += lse - z[label]
        for (let v = 0; v < V; v++) dz[v] = (Math.exp(z[v] - lse) - (v === label ? 1 : 0)) / nLabels
      }
      const du = new Float64Array(R)
      for (let r = 0; r < R; r++) {
        for (let v = 0; v < V; v++) du[r] += dz[v] * B[v * R + r]
        if (options.aux && real) du[r] += (TOY_AUX_WEIGHT * 2 * u[r]) / (R * nReal)
      }
      if (options.aux && real) aux += (TOY_AUX_WEIGHT * u.reduce((s, ur) => s + ur * ur, 0)) / R / nReal
      for (let v = 0; v < V; v++) for (let r = 0; r < R; r++) gB[v * R + r] += dz[v] * u[r]
      for (let r = 0; r < R; r++) for (let d = 0; d < D; d++) gA[r * D + d] += du[r] * h[d]
      for (let d = 0; d < D; d++) {
        let dh = 0
        for (let v = 0; v < V; v++) dh += W[d * V + v] * dz[v]
        for (let r = 0; r < R; r++) dh += A[r * D + d] * du[r]
        gIa3[d] += dh * x[d]
      }
    }
  }
  return {
    loss: loss / nLabels,
    aux,
    grads: new Map([['toy.ia3', gIa3], ['toy.lora_A.weight', gA], ['toy.lora_B.weight', gB]]),
  }
}

/** The toy as the train (and eval) step the Trainer drives: its session computes the toy's outputs. */
export function toyTrainStep(w: ToyWeights, options: ToyOptions): TrainStep {
  const parameters = toyParameters(w).map((p) => ({ ...p, size: p.shape.reduce((a, b) => a * b, 1) }))
  const session = {
    async run(feeds: Feeds, fetches: string[]): Promise<Record<string, HostTensor>> {
      const { loss, aux, grads } = toyLossAndGradients(w, options, feeds)
      const out: Record<string, HostTensor> = {}
      for (const name of fetches) {
        if (name === 'loss') out[name] = hostTensor('float32', [], Float32Array.of(loss))
        else if (name === 'aux_loss') out[name] = hostTensor('float32', [], Float32Array.of(aux))
        else if (name.startsWith('grad.')) {
          const p = parameters.find((q) => `grad.${q.name}` === name)!
          out[name] = hostTensor('float32', p.shape, Float32Array.from(grads.get(p.name)!))
        } else throw new Error(`the toy step has no output ${name}`)
      }
      return out
    },
  }
  // Only what the Trainer reads of a step: its parameters, outputs and flags.
  return {
    kind: 'train',
    parameters,
    trainableParameterCount: parameters.reduce((n, p) => n + p.size, 0),
    hasAuxLoss: options.aux,
    routers: [],
    seq2seq: options.seq2seq,
    lossScaled: false,
    packed: false,
    session,
  } as unknown as TrainStep
}
