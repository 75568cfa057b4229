import { GraphBuildError } from './errors'

/**
 * A dimension is a number, or a symbol bound when the graph runs ("batch", "seq").
 * A product of symbols is written "batch*seq" (factors sorted), so that reshapes that merge
 * symbolic axes keep a checkable shape.
 */
export type Dim = number | string
export type Shape = readonly Dim[]

export function formatShape(shape: Shape): string {
  return `[${shape.join(', ')}]`
}

export function isStatic(shape: Shape): shape is readonly number[] {
  return shape.every((d) => typeof d === 'number')
}

export function dimsEqual(a: Dim, b: Dim): boolean {
  return a === b
}

export function shapesEqual(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => dimsEqual(d, b[i]))
}

/** Number of elements when static, else null. */
export function staticSize(shape: Shape): number | null {
  let n = 1
  for (const d of shape) {
    if (typeof d !== 'number') return null
    n *= d
  }
  return n
}

/** Product of dims: numbers multiply, symbols are collected into a sorted "a*b" term. */
export function dimProduct(dims: readonly Dim[]): Dim {
  let n = 1
  const symbols: string[] = []
  for (const d of dims) {
    if (typeof d === 'number') {
      n *= d
      continue
    }
    // A product dim may carry a numeric factor ("8*batch*seq", as this function returns).
    for (const factor of d.split('*')) {
      if (/^\d+$/.test(factor)) n *= Number(factor)
      else symbols.push(factor)
    }
  }
  if (symbols.length === 0) return n
  if (n === 0) return 0
  symbols.sort()
  return n === 1 ? symbols.join('*') : [String(n), ...symbols].join('*')
}

/** Numpy-style broadcasting of two shapes; symbols broadcast only against themselves or 1. */
export function broadcastShapes(a: Shape, b: Shape, where: () => string): Dim[] {
  const rank = Math.max(a.length, b.length)
  const out: Dim[] = []
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1
    const db = b[b.length - rank + i] ?? 1
    if (dimsEqual(da, db) || db === 1) out.push(da)
    else if (da === 1) out.push(db)
    else throw new GraphBuildError(`${where()}: shapes ${formatShape(a)} and ${formatShape(b)} do not broadcast (axis ${i}: ${da} vs ${db})`)
  }
  return out
}

/** Axes of `to` along which `from` was broadcast (for reducing gradients back to `from`). */
export function broadcastAxes(from: Shape, to: Shape): number[] {
  const axes: number[] = []
  const offset = to.length - from.length
  for (let i = 0; i < to.length; i++) {
    if (i < offset) axes.push(i)
    else if (from[i - offset] === 1 && to[i] !== 1) axes.push(i)
  }
  return axes
}

/** Resolves a possibly negative axis against a rank, or throws naming the op. */
export function normalizeAxis(axis: number, rank: number, where: () => string): number {
  const a = axis < 0 ? axis + rank : axis
  if (!Number.isInteger(a) || a < 0 || a >= rank) throw new GraphBuildError(`${where()}: axis ${axis} is out of range for rank ${rank}`)
  return a
}
