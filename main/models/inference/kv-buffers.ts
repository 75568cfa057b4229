// The generator's side of the KV cache: one float32 buffer per layer for keys and one for values,
// [batch, kv_heads, cache, head_dim], fed to every step and written in place with the step's
// new keys/values (the graph returns only those; see main/engine/models/kv-cache.ts).
import { cacheNames } from '../../engine/models'
import { hostTensor, type HostTensor } from '../../runtime'

export class KvBuffers {
  private readonly keys: Float32Array[]
  private readonly values: Float32Array[]

  constructor(
    readonly layers: number,
    readonly batch: number,
    readonly kvHeads: number,
    readonly length: number,
    readonly headDim: number,
  ) {
    const size = batch * kvHeads * length * headDim
    this.keys = Array.from({ length: layers }, () => new Float32Array(size))
    this.values = Array.from({ length: layers }, () => new Float32Array(size))
  }

  get bytes(): number {
    return 2 * this.layers * this.keys[0].byteLength
  }

  feeds(): Record<string, HostTensor> {
    const shape = [this.batch, this.kvHeads, this.length, this.headDim]
    const out: Record<string, HostTensor> = {}
    for (let l = 0; l < this.layers; l++) {
      const n = cacheNames(l)
      out[n.pastKey] = hostTensor('float32', shape, this.keys[l])
      out[n.pastValue] = hostTensor('float32', shape, this.values[l])
    }
    return out
  }

  /** Copies present.{l}.key/value [batch, kv, step, head_dim] into slots [start, start + step). */
  write(outputs: Record<string, HostTensor>, start: number): void {
    for (let l = 0; l < this.layers; l++) {
      const n = cacheNames(l)
      this.copy(outputs[n.presentKey], this.keys[l], start, n.presentKey)
      this.copy(outputs[n.presentValue], this.values[l], start, n.presentValue)
    }
  }

  private copy(present: HostTensor | undefined, target: Float32Array, start: number, name: string): void {
    if (!present || present.dtype !== 'float32') throw new Error(`step output ${name} is missing or not float32`)
    const [batch, heads, step, headDim] = present.shape
    if (batch !== this.batch || heads !== this.kvHeads || headDim !== this.headDim || start + step > this.length) {
      throw new Error(`step output ${name} is [${present.shape.join(', ')}]; the cache is [${this.batch}, ${this.kvHeads}, ${this.length}, ${this.headDim}] from slot ${start}`)
    }
    const source = present.data as Float32Array
    for (let row = 0; row < batch * heads; row++) {
      target.set(source.subarray(row * step * headDim, (row + 1) * step * headDim), (row * this.length + start) * headDim)
    }
  }
}

/** Position of each cache slot (the cache_positions input): the real tokens before it in its row. */
export function cachePositions(mask: BigInt64Array, batch: number, length: number): HostTensor {
  const out = new BigInt64Array(batch * length)
  for (let b = 0; b < batch; b++) {
    let seen = 0n
    for (let s = 0; s < length; s++) {
      out[b * length + s] = seen
      seen += mask[b * length + s]
    }
  }
  return hostTensor('int64', [batch, length], out)
}
