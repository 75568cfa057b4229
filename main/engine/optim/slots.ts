// The bookkeeping every optimizer shares: per-parameter state slots (Float32Arrays), argument
// checks that name the offending tensor, and state copies for checkpoints.
import type { OptimizerKind, OptimizerState, ParameterShape, TensorMap } from './types'

export class OptimizerError extends Error {
  override name = 'OptimizerError'
}

export const sizeOfShape = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1)

export interface SlotSpec {
  slot: string
  size: number
}

export class SlotStore {
  readonly tensors = new Map<string, Float32Array>()

  constructor(
    private readonly kind: OptimizerKind,
    params: readonly ParameterShape[],
    slotsOf: (p: ParameterShape) => readonly SlotSpec[],
  ) {
    const names = new Set<string>()
    for (const p of params) {
      if (names.has(p.name)) throw new OptimizerError(`${kind}: parameter ${p.name} is listed twice`)
      names.add(p.name)
      for (const s of slotsOf(p)) this.tensors.set(`${p.name}/${s.slot}`, new Float32Array(s.size))
    }
  }

  get(name: string, slot: string): Float32Array {
    const t = this.tensors.get(`${name}/${slot}`)
    if (!t) throw new OptimizerError(`${this.kind}: no state slot ${name}/${slot}`)
    return t
  }

  snapshot(step: number): OptimizerState {
    return { kind: this.kind, step, tensors: Object.fromEntries([...this.tensors].map(([k, v]) => [k, v.slice()])) }
  }

  /** Copies `state` in after checking it is this optimizer's, tensor by tensor; returns its step. */
  restore(state: OptimizerState): number {
    if (state.kind !== this.kind) throw new OptimizerError(`cannot load ${state.kind} optimizer state into ${this.kind}; resume with the optimizer the checkpoint was written by`)
    if (!Number.isInteger(state.step) || state.step < 0) throw new OptimizerError(`${this.kind} state: step ${state.step} must be a non-negative integer`)
    const extra = Object.keys(state.tensors).filter((k) => !this.tensors.has(k))
    if (extra.length) throw new OptimizerError(`${this.kind} state holds tensors for parameters this run does not train: ${extra.join(', ')}`)
    for (const [key, target] of this.tensors) {
      const saved = state.tensors[key]
      if (!saved) throw new OptimizerError(`${this.kind} state lacks ${key}; the checkpoint was written for a different adapter`)
      if (saved.length !== target.length) throw new OptimizerError(`${this.kind} state ${key} has ${saved.length} values, this run needs ${target.length}; the adapter's shapes changed`)
    }
    for (const [key, target] of this.tensors) target.set(state.tensors[key])
    return state.step
  }
}

/** Checks that every parameter comes with a gradient of its size and that lr is usable. */
export function checkUpdateArguments(kind: OptimizerKind, params: readonly ParameterShape[], values: TensorMap, grads: TensorMap, lr: number): void {
  if (!Number.isFinite(lr) || lr < 0) throw new OptimizerError(`${kind}: learning rate ${lr} must be a finite number >= 0`)
  for (const p of params) {
    const size = sizeOfShape(p.shape)
    const v = values[p.name]
    const g = grads[p.name]
    if (!v) throw new OptimizerError(`${kind}: no values given for parameter ${p.name}`)
    if (!g) throw new OptimizerError(`${kind}: no gradient given for parameter ${p.name}`)
    if (v.length !== size || g.length !== size) throw new OptimizerError(`${kind}: parameter ${p.name} [${p.shape.join(', ')}] needs ${size} values; got ${v.length} values and ${g.length} gradient entries`)
  }
}
