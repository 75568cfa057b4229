// Adafactor (Shazeer & Stern 2018, Algorithms 4 and 5) with the semantics of HF transformers'
// `transformers.optimization.Adafactor`, which the paper's T5 setups are usually reproduced with:
//   t ← t + 1;  β2ₜ = 1 − t^decay_rate                     (decay_rate −0.8: the paper's 1 − t^−0.8)
//   u = g² + ε1
//   tensors of rank ≥ 2, viewed as [batch…, R, C] (factored second moments):
//     r ← β2ₜ·r + (1 − β2ₜ)·mean_C(u)   [batch…, R]
//     c ← β2ₜ·c + (1 − β2ₜ)·mean_R(u)   [batch…, C]
//     U = g / √(r / mean_R(r) ⊗ c)
//   rank 1 (vectors):  v ← β2ₜ·v + (1 − β2ₜ)·u;  U = g / √v
//   U ← U / max(1, RMS(U) / d)                            update clipping, d = clip_threshold = 1
//   αₜ = ρₜ · (scale_parameter ? max(ε2, RMS(p)) : 1),  ρₜ = lr, or min(10⁻², 1/√t) with relative_step
//   U ← αₜ·U;  with β1: m ← β1·m + (1 − β1)·U, U ← m     (no momentum by default)
//   p ← p − λ·αₜ·p − U                                   (weight decay as HF applies it)
// Defaults: when a learning rate drives the optimizer (docs/METHOD.md: constant 3e-4) relative_step is
// off, and so is scale_parameter — HF's documented setting for an external learning rate. With
// scale_parameter on, LoRA's zero-initialised B would move at ε2·lr (RMS(B) = 0), i.e. barely.
import { checkUpdateArguments, OptimizerError, sizeOfShape, SlotStore, type SlotSpec } from './slots'
import type { Optimizer, OptimizerState, ParameterShape, TensorMap } from './types'

export interface AdafactorOptions {
  /** Exponent of the β2 schedule β2ₜ = 1 − t^decayRate (default −0.8). */
  decayRate?: number
  /** Regularisation added to g² (default 1e-30). */
  eps1?: number
  /** Floor of the parameter scale when scaleParameter is on (default 1e-3). */
  eps2?: number
  /** Update clipping threshold d (default 1.0). */
  clipThreshold?: number
  /** First-moment decay; null (default) = no momentum, as in the paper's memory-saving setting. */
  beta1?: number | null
  /** Multiply the step by max(eps2, RMS(p)) (default false; see the header). */
  scaleParameter?: boolean
  /** Ignore the given lr and use ρₜ = min(10⁻², 1/√t) (default false). */
  relativeStep?: boolean
  /** With relativeStep: ρₜ = min(10⁻⁶·t, 1/√t) (default false). */
  warmupInit?: boolean
  weightDecay?: number
}

interface Layout {
  factored: boolean
  batch: number
  rows: number
  cols: number
}

function layoutOf(shape: readonly number[]): Layout {
  if (shape.length < 2) return { factored: false, batch: 1, rows: 1, cols: sizeOfShape(shape) }
  const rows = shape[shape.length - 2]
  const cols = shape[shape.length - 1]
  return { factored: true, batch: sizeOfShape(shape.slice(0, -2)), rows, cols }
}

const rms = (values: ArrayLike<number>): number => {
  let s = 0
  for (let i = 0; i < values.length; i++) s += values[i] * values[i]
  return Math.sqrt(s / Math.max(values.length, 1))
}

export class Adafactor implements Optimizer {
  readonly kind = 'adafactor'
  private readonly slots: SlotStore
  private readonly o: Required<Omit<AdafactorOptions, 'beta1'>> & { beta1: number | null }
  private steps = 0

  constructor(
    private readonly params: readonly ParameterShape[],
    options: AdafactorOptions = {},
  ) {
    this.o = {
      decayRate: options.decayRate ?? -0.8,
      eps1: options.eps1 ?? 1e-30,
      eps2: options.eps2 ?? 1e-3,
      clipThreshold: options.clipThreshold ?? 1.0,
      beta1: options.beta1 ?? null,
      scaleParameter: options.scaleParameter ?? false,
      relativeStep: options.relativeStep ?? false,
      warmupInit: options.warmupInit ?? false,
      weightDecay: options.weightDecay ?? 0,
    }
    if (!(this.o.decayRate < 0)) throw new OptimizerError(`adafactor: decay rate ${this.o.decayRate} must be negative (β2ₜ = 1 − t^decayRate; the paper uses −0.8)`)
    if (!(this.o.clipThreshold > 0)) throw new OptimizerError(`adafactor: clip threshold ${this.o.clipThreshold} must be > 0`)
    if (this.o.beta1 !== null && !(this.o.beta1 >= 0 && this.o.beta1 < 1)) throw new OptimizerError(`adafactor: beta1 ${this.o.beta1} must be in [0, 1) or null`)
    if (this.o.warmupInit && !this.o.relativeStep) throw new OptimizerError('adafactor: warmupInit needs relativeStep')
    this.slots = new SlotStore('adafactor', params, (p) => {
      const l = layoutOf(p.shape)
      const slots: SlotSpec[] = l.factored
        ? [{ slot: 'exp_avg_sq_row', size: l.batch * l.rows }, { slot: 'exp_avg_sq_col', size: l.batch * l.cols }]
        : [{ slot: 'exp_avg_sq', size: l.cols }]
      if (this.o.beta1 !== null) slots.push({ slot: 'exp_avg', size: sizeOfShape(p.shape) })
      return slots
    })
  }

  get step(): number {
    return this.steps
  }

  /** ρₜ (the relative or given step size) before the parameter scale. */
  private stepSize(t: number, lr: number): number {
    if (!this.o.relativeStep) return lr
    const cap = this.o.warmupInit ? 1e-6 * t : 1e-2
    return Math.min(cap, 1 / Math.sqrt(t))
  }

  update(values: TensorMap, grads: TensorMap, lr: number): void {
    checkUpdateArguments(this.kind, this.params, values, grads, lr)
    const t = this.steps + 1
    const beta2t = 1 - t ** this.o.decayRate
    const rho = this.stepSize(t, lr)
    for (const p of this.params) {
      const x = values[p.name]
      const g = grads[p.name]
      const alpha = this.o.scaleParameter ? rho * Math.max(this.o.eps2, rms(x)) : rho
      const u = this.preconditioned(p, g, beta2t) // float64 update direction U
      const clip = Math.max(1, rms(u) / this.o.clipThreshold)
      for (let i = 0; i < u.length; i++) u[i] = (u[i] / clip) * alpha
      if (this.o.beta1 !== null) {
        const m = this.slots.get(p.name, 'exp_avg')
        for (let i = 0; i < u.length; i++) {
          m[i] = this.o.beta1 * m[i] + (1 - this.o.beta1) * u[i]
          u[i] = m[i]
        }
      }
      const decay = this.o.weightDecay * alpha
      for (let i = 0; i < x.length; i++) x[i] = x[i] - decay * x[i] - u[i]
    }
    this.steps = t
  }

  /** Updates the second-moment state with g and returns g divided by its root (float64). */
  private preconditioned(p: ParameterShape, g: Float32Array, beta2t: number): Float64Array {
    const l = layoutOf(p.shape)
    const eps1 = this.o.eps1
    const out = new Float64Array(g.length)
    if (!l.factored) {
      const v = this.slots.get(p.name, 'exp_avg_sq')
      for (let i = 0; i < g.length; i++) {
        v[i] = beta2t * v[i] + (1 - beta2t) * (g[i] * g[i] + eps1)
        out[i] = g[i] / Math.sqrt(v[i])
      }
      return out
    }
    const row = this.slots.get(p.name, 'exp_avg_sq_row')
    const col = this.slots.get(p.name, 'exp_avg_sq_col')
    const { batch, rows, cols } = l
    for (let b = 0; b < batch; b++) {
      const base = b * rows * cols
      const colMeans = new Float64Array(cols)
      for (let i = 0; i < rows; i++) {
        let rowSum = 0
        for (let j = 0; j < cols; j++) {
          const gij = g[base + i * cols + j]
          const uij = gij * gij + eps1
          rowSum += uij
          colMeans[j] += uij / rows
        }
        row[b * rows + i] = beta2t * row[b * rows + i] + (1 - beta2t) * (rowSum / cols)
      }
      for (let j = 0; j < cols; j++) col[b * cols + j] = beta2t * col[b * cols + j] + (1 - beta2t) * colMeans[j]
      let rowMean = 0
      for (let i = 0; i < rows; i++) rowMean += row[b * rows + i] / rows
      for (let i = 0; i < rows; i++) {
        const rFactor = 1 / Math.sqrt(row[b * rows + i] / rowMean)
        for (let j = 0; j < cols; j++) {
          const k = base + i * cols + j
          out[k] = g[k] * rFactor * (1 / Math.sqrt(col[b * cols + j]))
        }
      }
    }
    return out
  }

  state(): OptimizerState {
    return this.slots.snapshot(this.steps)
  }

  loadState(state: OptimizerState): void {
    this.steps = this.slots.restore(state)
  }
}
