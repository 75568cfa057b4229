// AdamW (Loshchilov & Hutter 2019), with PyTorch's torch.optim.AdamW semantics (amsgrad off):
//   p ← p·(1 − lr·λ)                                    decoupled weight decay
//   m ← β1·m + (1 − β1)·g,  v ← β2·v + (1 − β2)·g²
//   p ← p − (lr / (1 − β1ᵗ)) · m / (√v / √(1 − β2ᵗ) + ε)
// Arithmetic in float64 per element; state and parameters stored as float32.
import { checkUpdateArguments, OptimizerError, sizeOfShape, SlotStore } from './slots'
import type { Optimizer, OptimizerState, ParameterShape, TensorMap } from './types'

export interface AdamWOptions {
  beta1?: number
  beta2?: number
  eps?: number
  /** Decoupled weight decay λ (docs/DESIGN.md run config default: 0). */
  weightDecay?: number
}

export class AdamW implements Optimizer {
  readonly kind = 'adamw'
  private readonly slots: SlotStore
  private readonly beta1: number
  private readonly beta2: number
  private readonly eps: number
  private readonly weightDecay: number
  private steps = 0

  constructor(
    private readonly params: readonly ParameterShape[],
    options: AdamWOptions = {},
  ) {
    this.beta1 = options.beta1 ?? 0.9
    this.beta2 = options.beta2 ?? 0.999
    this.eps = options.eps ?? 1e-8
    this.weightDecay = options.weightDecay ?? 0
    for (const [k, b] of [['beta1', this.beta1], ['beta2', this.beta2]] as const) {
      if (!(b >= 0 && b < 1)) throw new OptimizerError(`adamw: ${k} ${b} must be in [0, 1)`)
    }
    if (!(this.eps > 0) || !(this.weightDecay >= 0)) throw new OptimizerError(`adamw: eps (${this.eps}) must be > 0 and weight decay (${this.weightDecay}) >= 0`)
    this.slots = new SlotStore('adamw', params, (p) => [
      { slot: 'exp_avg', size: sizeOfShape(p.shape) },
      { slot: 'exp_avg_sq', size: sizeOfShape(p.shape) },
    ])
  }

  get step(): number {
    return this.steps
  }

  update(values: TensorMap, grads: TensorMap, lr: number): void {
    checkUpdateArguments(this.kind, this.params, values, grads, lr)
    const t = this.steps + 1
    const { beta1, beta2, eps } = this
    const stepSize = lr / (1 - beta1 ** t)
    const correction2Sqrt = Math.sqrt(1 - beta2 ** t)
    const decay = 1 - lr * this.weightDecay
    for (const p of this.params) {
      const x = values[p.name]
      const g = grads[p.name]
      const m = this.slots.get(p.name, 'exp_avg')
      const v = this.slots.get(p.name, 'exp_avg_sq')
      for (let i = 0; i < x.length; i++) {
        const gi = g[i]
        const mi = beta1 * m[i] + (1 - beta1) * gi
        const vi = beta2 * v[i] + (1 - beta2) * gi * gi
        m[i] = mi
        v[i] = vi
        x[i] = x[i] * decay - (stepSize * m[i]) / (Math.sqrt(v[i]) / correction2Sqrt + eps)
      }
    }
    this.steps = t
  }

  state(): OptimizerState {
    return this.slots.snapshot(this.steps)
  }

  loadState(state: OptimizerState): void {
    this.steps = this.slots.restore(state)
  }
}
