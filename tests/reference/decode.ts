// float16 / bfloat16 bit patterns → numbers, exactly (every half and bfloat16 value is a double).

export function float16BitsToNumber(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1
  const exponent = (bits >>> 10) & 0x1f
  const mantissa = bits & 0x3ff
  if (exponent === 0) return sign * mantissa * 2 ** -24 // zero and subnormals
  if (exponent === 0x1f) return mantissa ? NaN : sign * Infinity
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15)
}

const scratch = new DataView(new ArrayBuffer(4))

/** bfloat16 is the top half of a float32. */
export function bfloat16BitsToNumber(bits: number): number {
  scratch.setUint32(0, (bits & 0xffff) << 16)
  return scratch.getFloat32(0)
}
