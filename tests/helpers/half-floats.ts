// Encoding float32 values as IEEE half (float16) and bfloat16 bit patterns, rounding to nearest
// even like torch's .half() / .bfloat16(), so tiny test checkpoints can be saved in those dtypes.

const f32 = new Float32Array(1)
const u32 = new Uint32Array(f32.buffer)

export function float32ToBfloat16Bits(value: number): number {
  f32[0] = value
  const bits = u32[0]
  if ((bits & 0x7fffffff) > 0x7f800000) return 0x7fc0 // NaN stays a quiet NaN
  // Round to nearest, ties to even, on the 16 bits that are dropped.
  return ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16) & 0xffff
}

export function float32ToFloat16Bits(value: number): number {
  f32[0] = value
  const bits = u32[0]
  const sign = (bits >>> 16) & 0x8000
  const exponent = (bits >>> 23) & 0xff
  const mantissa = bits & 0x7fffff
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa ? 0x200 : 0) // Inf / NaN
  const halfExponent = exponent - 127 + 15
  if (halfExponent >= 0x1f) return sign | 0x7c00 // overflow → Inf
  if (halfExponent <= 0) {
    // Subnormal half (or zero): shift the full significand into place, rounding to nearest even.
    if (halfExponent < -10) return sign
    const significand = mantissa | 0x800000
    const shift = 14 - halfExponent
    const rounded = roundShift(significand, shift)
    return sign | rounded // a carry into bit 10 correctly yields the smallest normal
  }
  const rounded = roundShift(mantissa, 13) // 23 → 10 mantissa bits
  // A carry out of the mantissa bumps the exponent (and may reach Inf), as it should.
  return sign | ((halfExponent << 10) + rounded)
}

/** value >> shift, rounded to nearest with ties to even. */
function roundShift(value: number, shift: number): number {
  const truncated = value >>> shift
  const remainder = value - truncated * 2 ** shift
  const half = 2 ** (shift - 1)
  if (remainder > half || (remainder === half && (truncated & 1) === 1)) return truncated + 1
  return truncated
}
