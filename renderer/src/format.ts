export { formatBytes } from '../../main/contract/format-bytes'

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

/** 95 → "1 min 35 s", 7300 → "2 h 1 min": how long, to the precision a person needs. */
export function formatDuration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '–'
  if (seconds < 1) return `${Math.max(0, seconds * 1000).toFixed(0)} ms`
  if (seconds < 60) return `${seconds < 10 ? seconds.toFixed(1) : Math.round(seconds)} s`
  const minutes = Math.floor(seconds / 60)
  if (minutes < 60) return `${minutes} min ${Math.round(seconds % 60)} s`
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`
}

/** Seconds between two ISO timestamps, or null when either is missing. */
export function secondsBetween(start: string | null, end: string | null): number | null {
  if (!start || !end) return null
  const seconds = (new Date(end).getTime() - new Date(start).getTime()) / 1000
  return Number.isFinite(seconds) ? seconds : null
}

/** 0.3214 → "0.321 %", 12.5 → "12.5 %": a share in percent with three significant digits. */
export function formatPercent(percent: number): string {
  if (percent === 0) return '0 %'
  return `${percent >= 10 ? percent.toFixed(1) : percent.toPrecision(3)} %`
}

/** A loss or other small metric: four decimals, or an en dash. */
export function formatMetric(value: number | null | undefined): string {
  return value === null || value === undefined || !Number.isFinite(value) ? '–' : value.toFixed(4)
}

/** ISO timestamp → "Nov 30, 14:05" this year, "Nov 30, 2025" before: dates in a dense table. */
export function formatShortDateTime(iso: string | null, now = new Date()): string {
  if (!iso) return '–'
  const date = new Date(iso)
  if (Number.isNaN(date.getTime())) return iso
  if (date.getFullYear() !== now.getFullYear()) return date.toLocaleDateString(undefined, { dateStyle: 'medium' })
  return `${date.toLocaleDateString(undefined, { month: 'short', day: 'numeric' })}, ${date.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' })}`
}
