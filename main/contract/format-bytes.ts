// One way to write a size, for the renderer (renderer/src/format.ts) and for main's messages that
// stand beside its figures (the memory warning beside the Cost panel), so the two read alike.

/** 17179869184 → "16.0 GiB": binary units, as operating systems report memory. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB']
  let value = bytes
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit += 1
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit]}`
}
