/** 4830.2 → "1h20m30s", 95 → "1m35s", 4.2 → "4.2s". */
export function formatSeconds(seconds: number): string {
  if (seconds < 60) return `${seconds.toFixed(1)}s`
  const s = Math.round(seconds)
  const minutes = Math.floor(s / 60)
  const rest = `${String(s % 60).padStart(2, '0')}s`
  return minutes < 60 ? `${minutes}m${rest}` : `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m${rest}`
}
