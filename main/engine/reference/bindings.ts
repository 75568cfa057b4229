import { formatShape, type Dim, type Graph, type Shape } from '../ir'
import type { NdArray } from './ndarray'

export class InterpreterError extends Error {
  override name = 'InterpreterError'
}

/**
 * Symbol values ("batch" -> 2) bound from the concrete shapes of the fed inputs. A symbol
 * declared by several inputs must get one value; mismatches name both inputs.
 */
export class SymbolBindings {
  private readonly values = new Map<string, { value: number; from: string }>()

  static fromFeeds(graph: Graph, feeds: Readonly<Record<string, NdArray>>): SymbolBindings {
    const bindings = new SymbolBindings()
    const known = new Set(graph.inputs.map((v) => v.name))
    for (const name of Object.keys(feeds)) {
      if (!known.has(name)) throw new InterpreterError(`feed '${name}' is not a graph input (inputs: ${[...known].join(', ') || 'none'})`)
    }
    const fed = graph.inputs.filter((v) => v.name !== null && feeds[v.name] !== undefined)
    for (const input of fed) {
      const array = feeds[input.name as string]
      const where = `input '${input.name}' (declared ${input.dtype}${formatShape(input.shape)}, fed ${array.dtype}[${array.shape.join(', ')}])`
      if (array.dtype !== input.dtype) throw new InterpreterError(`${where}: dtype differs`)
      if (array.shape.length !== input.rank) throw new InterpreterError(`${where}: rank differs`)
      input.shape.forEach((dim, axis) => bindings.bindSimple(dim, array.shape[axis], `${where} axis ${axis}`, input.name as string))
    }
    // Product dims ("batch*seq") are checked once every simple symbol is bound.
    for (const input of fed) {
      const array = feeds[input.name as string]
      input.shape.forEach((dim, axis) => {
        if (typeof dim === 'string' && dim.includes('*') && bindings.resolveDim(dim) !== array.shape[axis]) {
          throw new InterpreterError(`input '${input.name}' axis ${axis}: '${dim}' = ${bindings.resolveDim(dim)} with the bound symbols, but the feed has ${array.shape[axis]}`)
        }
      })
    }
    return bindings
  }

  private bindSimple(dim: Dim, actual: number, where: string, inputName: string): void {
    if (typeof dim === 'number') {
      if (dim !== actual) throw new InterpreterError(`${where}: expected ${dim}, got ${actual}`)
      return
    }
    if (dim.includes('*')) return
    const bound = this.values.get(dim)
    if (bound && bound.value !== actual) {
      throw new InterpreterError(`${where}: symbol '${dim}' is ${actual} here but was bound to ${bound.value} by input '${bound.from}'`)
    }
    if (!bound) this.values.set(dim, { value: actual, from: inputName })
  }

  resolveDim(dim: Dim): number {
    if (typeof dim === 'number') return dim
    let n = 1
    for (const factor of dim.split('*')) {
      if (/^\d+$/.test(factor)) {
        n *= Number(factor)
        continue
      }
      const bound = this.values.get(factor)
      if (!bound) throw new InterpreterError(`symbol '${factor}' is not bound: feed an input whose declared shape contains it`)
      n *= bound.value
    }
    return n
  }

  resolveShape(shape: Shape): number[] {
    return shape.map((d) => this.resolveDim(d))
  }
}
