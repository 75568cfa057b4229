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

const platformNames: Record<string, string> = { linux: 'Linux', darwin: 'macOS', win32: 'Windows' }

export function formatPlatform(platform: string): string {
  return platformNames[platform] ?? platform
}

/** ISO timestamp → local date and time; null (not happened yet) → an en dash. */
export function formatDateTime(iso: string | null): string {
  if (!iso) return '–'
  const date = new Date(iso)
  if (Number.isNaN(date.getTime())) return iso
  return date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' })
}

export function formatTime(iso: string | null): string {
  if (!iso) return '–'
  const date = new Date(iso)
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleTimeString()
}

/** 124439808 → "124.4 M": parameter counts as model cards write them. */
export function formatCount(count: number): string {
  const units: [number, string][] = [[1e12, 'T'], [1e9, 'B'], [1e6, 'M'], [1e3, 'K']]
  for (const [size, suffix] of units) {
    if (count >= size) return `${(count / size).toFixed(count >= size * 100 ? 0 : 1)} ${suffix}`
  }
  return String(count)
}
