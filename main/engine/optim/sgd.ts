// SGD with optional momentum, with PyTorch's torch.optim.SGD semantics:
//   g ← g + λ·p                      (L2 weight decay, coupled, when λ > 0)
//   b ← g on the first update, else b ← μ·b + (1 − dampening)·g     (when μ > 0)
//   g ← g + μ·b (Nesterov) or g ← b
//   p ← p − lr·g
import { checkUpdateArguments, OptimizerError, sizeOfShape, SlotStore } from './slots'
import type { Optimizer, OptimizerState, ParameterShape, TensorMap } from './types'

export interface SgdOptions {
  /** μ; 0 = plain SGD (no state). */
  momentum?: number
  dampening?: number
  nesterov?: boolean
  weightDecay?: number
}

export class Sgd implements Optimizer {
  readonly kind = 'sgd'
  private readonly slots: SlotStore
  private readonly momentum: number
  private readonly dampening: number
  private readonly nesterov: boolean
  private readonly weightDecay: number
  private steps = 0

  constructor(
    private readonly params: readonly ParameterShape[],
    options: SgdOptions = {},
  ) {
    this.momentum = options.momentum ?? 0
    this.dampening = options.dampening ?? 0
    this.nesterov = options.nesterov ?? false
    this.weightDecay = options.weightDecay ?? 0
    if (!(this.momentum >= 0 && this.momentum < 1)) throw new OptimizerError(`sgd: momentum ${this.momentum} must be in [0, 1)`)
    if (this.nesterov && (this.momentum === 0 || this.dampening !== 0)) throw new OptimizerError('sgd: Nesterov momentum needs momentum > 0 and dampening 0')
    const useMomentum = this.momentum > 0
    this.slots = new SlotStore('sgd', params, (p) => (useMomentum ? [{ slot: 'momentum_buffer', size: sizeOfShape(p.shape) }] : []))
  }

  get step(): number {
    return this.steps
  }

  update(values: TensorMap, grads: TensorMap, lr: number): void {
    checkUpdateArguments(this.kind, this.params, values, grads, lr)
    const { momentum, dampening, nesterov, weightDecay } = this
    const first = this.steps === 0
    for (const p of this.params) {
      const x = values[p.name]
      const g = grads[p.name]
      const buffer = momentum > 0 ? this.slots.get(p.name, 'momentum_buffer') : null
      for (let i = 0; i < x.length; i++) {
        let d = g[i] + weightDecay * x[i]
        if (buffer) {
          buffer[i] = first ? d : momentum * buffer[i] + (1 - dampening) * d
          d = nesterov ? d + momentum * buffer[i] : buffer[i]
        }
        x[i] = x[i] - lr * d
      }
    }
    this.steps++
  }

  state(): OptimizerState {
    return this.slots.snapshot(this.steps)
  }

  loadState(state: OptimizerState): void {
    this.steps = this.slots.restore(state)
  }
}
