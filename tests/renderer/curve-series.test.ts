import { describe, expect, it } from 'vitest'
import { curveSeriesOptions, RAW_SUFFIX, type ChartSeries } from '../../renderer/src/components/charts/curve-series'
import { smoothCurve } from '../../renderer/src/runs/smoothing'

const loss: ChartSeries = { name: 'train loss', points: [[1, 5], [2, 3], [3, 4], [4, 2]], color: '#3563e9', smooth: true }
const evalLoss: ChartSeries = { name: 'eval loss', points: [[0, 5.2], [4, 2.5]], sparse: true }

describe('curveSeriesOptions', () => {
  it('draws a noisy curve smoothed over its raw points, and the legend names each curve once', () => {
    const { series, legend } = curveSeriesOptions([loss, evalLoss], 0.6)
    expect(series.map((s) => s.name)).toEqual([`train loss${RAW_SUFFIX}`, 'train loss', 'eval loss'])
    expect(series[0].data).toEqual(loss.points)
    expect(series[1].data).toEqual(smoothCurve(loss.points, 0.6))
    // The raw line is faint and under the smoothed one, in the same colour.
    expect(series[0]).toMatchObject({ color: '#3563e9', z: 1, lineStyle: { opacity: 0.28 } })
    expect(series[1]).toMatchObject({ color: '#3563e9', z: 2 })
    // Sparse curves (eval loss) are never smoothed.
    expect(series[2].data).toEqual(evalLoss.points)
    expect(legend).toEqual(['train loss', 'eval loss'])
  })

  it('draws every curve as it is when smoothing is off, or a curve has one point', () => {
    expect(curveSeriesOptions([loss], 0).series.map((s) => [s.name, s.data])).toEqual([['train loss', loss.points]])
    const single = { ...loss, points: [[1, 5]] as [number, number][] }
    expect(curveSeriesOptions([single], 0.9).series).toHaveLength(1)
  })
})
