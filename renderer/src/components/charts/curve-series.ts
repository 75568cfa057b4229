// The line series a MetricChart draws: each curve as given, or, for a noisy one with smoothing
// on, its smoothed line over the raw points drawn faintly (so a spike still shows).
import { smoothCurve } from '../../runs/smoothing'

export interface ChartSeries {
  name: string
  /** [x, y] pairs, x ascending. */
  points: [number, number][]
  color?: string
  /** Drawn dashed with markers (sparse curves such as eval loss). */
  sparse?: boolean
  /** Noisy (train loss, tokens per second): smoothed when the chart's smoothing is above 0. */
  smooth?: boolean
}

/** What the raw line under a smoothed one is called in the tooltip. */
export const RAW_SUFFIX = ' (raw)'

/** ECharts line series for `curves`, and the names the legend lists (not the raw lines). */
export function curveSeriesOptions(curves: readonly ChartSeries[], smoothing: number): { series: Record<string, unknown>[]; legend: string[] } {
  const series = curves.flatMap((s): Record<string, unknown>[] => {
    const colour = s.color ? { itemStyle: { color: s.color }, color: s.color } : {}
    const line: Record<string, unknown> = {
      name: s.name,
      type: 'line',
      data: s.points,
      showSymbol: s.sparse === true || s.points.length === 1,
      symbolSize: 6,
      lineStyle: { width: 2, type: s.sparse ? 'dashed' : 'solid' },
      ...colour,
    }
    if (!s.smooth || smoothing <= 0 || s.points.length < 2) return [line]
    return [
      { ...line, name: `${s.name}${RAW_SUFFIX}`, showSymbol: false, lineStyle: { width: 1, opacity: 0.28 }, z: 1 },
      { ...line, data: smoothCurve(s.points, smoothing), showSymbol: false, z: 2 },
    ]
  })
  return { series, legend: curves.map((s) => s.name) }
}
