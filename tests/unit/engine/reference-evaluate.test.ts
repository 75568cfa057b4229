// The interpreter's contract around the ops: feeds, symbol binding, weights, errors.
import { describe, expect, it } from 'vitest'
import { F, Graph } from '../../../main/engine/ir'
import { evaluate, InterpreterError, ndarray, runReference } from '../../../main/engine/reference'

describe('reference interpreter: feeds and symbols', () => {
  it('binds symbols from fed shapes and runs named outputs', () => {
    const g = new Graph()
    const x = g.input('x', 'float64', ['batch', 'seq'])
    const m = g.input('mask', 'float64', ['batch', 'seq'])
    g.output('y', F.sum(F.mul(x, m), [1]))
    const out = runReference(g, { x: ndarray('float64', [2, 3], [1, 2, 3, 4, 5, 6]), mask: ndarray('float64', [2, 3], [1, 1, 0, 0, 1, 1]) })
    expect(out.y.shape).toEqual([2])
    expect([...out.y.data]).toEqual([3, 11])
  })

  it('names the input and the symbol when two feeds disagree', () => {
    const g = new Graph()
    const x = g.input('tokens', 'int64', ['batch', 'seq'])
    const m = g.input('mask', 'float64', ['batch', 'seq'])
    const call = () => evaluate(g, { tokens: ndarray('int64', [2, 5]), mask: ndarray('float64', [2, 4]) }, [x, m])
    expect(call).toThrow(InterpreterError)
    expect(call).toThrow(/input 'mask'.*symbol 'seq' is 4 here but was bound to 5 by input 'tokens'/)
  })

  it('rejects a fed static dim, a dtype or rank mismatch, and unknown feed names', () => {
    const g = new Graph()
    const x = g.input('x', 'float64', ['b', 3])
    expect(() => evaluate(g, { x: ndarray('float64', [2, 4]) }, [x])).toThrow(/input 'x'.*axis 1: expected 3, got 4/)
    expect(() => evaluate(g, { x: ndarray('float32', [2, 3]) }, [x])).toThrow(/input 'x'.*dtype differs/)
    expect(() => evaluate(g, { x: ndarray('float64', [6]) }, [x])).toThrow(/input 'x'.*rank differs/)
    expect(() => evaluate(g, { x: ndarray('float64', [2, 3]), y: ndarray('float64', [1]) }, [x])).toThrow(/feed 'y' is not a graph input/)
  })

  it('checks product dims of inputs against bound symbols', () => {
    const g = new Graph()
    g.input('x', 'float64', ['b', 's'])
    const flat = g.input('flat', 'float64', ['b*s'])
    expect(() => evaluate(g, { x: ndarray('float64', [2, 3]), flat: ndarray('float64', [5]) }, [flat])).toThrow(/'b\*s' = 6/)
    expect(evaluate(g, { x: ndarray('float64', [2, 3]), flat: ndarray('float64', [6]) }, [flat])[0].shape).toEqual([6])
  })

  it('runs only what the fetches need, so unrelated inputs may stay unfed', () => {
    const g = new Graph()
    const a = g.input('a', 'float64', [2])
    const b = g.input('b', 'float64', [2])
    const ea = F.exp(a)
    F.log(b)
    expect([...evaluate(g, { a: ndarray('float64', [2], [0, 0]) }, [ea])[0].data]).toEqual([1, 1])
    expect(() => evaluate(g, {}, [ea])).toThrow(/input 'a'.*needed but was not fed/)
  })

  it('reports an unbound symbol in a shape attribute', () => {
    const g = new Graph()
    const x = g.input('x', 'float64', [2])
    const e = F.expand(x, ['rows', 2])
    expect(() => evaluate(g, { x: ndarray('float64', [2]) }, [e])).toThrow(/symbol 'rows' is not bound/)
  })

  it('reports out-of-range indices naming the op and scope', () => {
    const g = new Graph()
    const table = g.constant([1, 2, 3], 'float64', [3])
    const idx = g.input('idx', 'int64', [1])
    const out = g.scoped('embed', () => F.gather(table, idx, 0))
    expect(() => evaluate(g, { idx: ndarray('int64', [1], [3]) }, [out])).toThrow(/Gather \(scope embed\): index 3 is out of range for an axis of size 3/)
  })
})

describe('reference interpreter: weights', () => {
  it('reads inline weights', () => {
    const g = new Graph()
    const w = g.weight('w', 'float32', [2], { kind: 'inline', data: [1.5, -2] })
    expect([...evaluate(g, {}, [F.mul(w, 2)])[0].data]).toEqual([3, -4])
  })

  it('decodes file weights through the injected reader (float16, bfloat16, float32, int64)', () => {
    const file = new Uint8Array(64)
    const view = new DataView(file.buffer)
    view.setUint16(0, 0x3c00, true) // f16 1.0
    view.setUint16(2, 0xc100, true) // f16 -2.5
    view.setUint16(4, 0x3fc0, true) // bf16 1.5
    view.setFloat32(8, 0.25, true)
    view.setBigInt64(16, -7n, true)
    const reads: string[] = []
    const g = new Graph()
    const h = g.weight('h', 'float16', [2], { kind: 'file', path: 'model.safetensors', offset: 0, length: 4 })
    const bf = g.weight('bf', 'bfloat16', [1], { kind: 'file', path: 'model.safetensors', offset: 4, length: 2 })
    const f = g.weight('f', 'float32', [1, 1], { kind: 'file', path: 'model.safetensors', offset: 8, length: 4 })
    const i = g.weight('i', 'int64', [], { kind: 'file', path: 'model.safetensors', offset: 16, length: 8 })
    const readWeightBytes = (source: { path: string; offset: number; length: number }) => {
      reads.push(`${source.path}@${source.offset}`)
      return file.subarray(source.offset, source.offset + source.length)
    }
    const [hv, bv, fv, iv] = evaluate(g, {}, [h, bf, f, i], { readWeightBytes })
    expect([...hv.data]).toEqual([1, -2.5])
    expect([...bv.data]).toEqual([1.5])
    expect(fv.shape).toEqual([1, 1])
    expect([...fv.data]).toEqual([0.25])
    expect([...iv.data]).toEqual([-7])
    expect(reads).toEqual(['model.safetensors@0', 'model.safetensors@4', 'model.safetensors@8', 'model.safetensors@16'])
  })

  it('asks for a reader when a file weight is needed, and checks the byte count', () => {
    const g = new Graph()
    const w = g.weight('w', 'float32', [2], { kind: 'file', path: 'a.safetensors', offset: 0, length: 8 })
    expect(() => evaluate(g, {}, [w])).toThrow(/w: float32\[2\] lives in a.safetensors; pass readWeightBytes/)
    expect(() => evaluate(g, {}, [w], { readWeightBytes: () => new Uint8Array(4) })).toThrow(/weight w: 2 float32 elements need 8 bytes, the reader returned 4/)
  })
})
