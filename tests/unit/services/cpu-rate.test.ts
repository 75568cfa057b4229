// The CPU's MatMul rate behind the time estimate (services/cpu-rate.ts): measured with a real
// onnxruntime session once per machine, kept in the data folder, read back without measuring,
// measured again for another machine's key, and never measured while a run trains.
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { cpuMatmulGflops, cpuRatePath } from '../../../main/services/cpu-rate'
import { thisProcess } from '../../../main/services/work-place'
import { makeTempDir } from '../../helpers/temp-dir'

let temp: ReturnType<typeof makeTempDir>
beforeEach(() => (temp = makeTempDir('ms-cpu-rate-')))
afterEach(() => temp.remove())

describe('the CPU MatMul rate', () => {
  it('is measured once and kept under this machine\'s key', async () => {
    expect(await cpuMatmulGflops(temp.dir, null)).toBeNull() // nothing kept, and not allowed to measure
    expect(existsSync(cpuRatePath(temp.dir))).toBe(false)

    const measured = await cpuMatmulGflops(temp.dir, thisProcess)
    // Any CPU onnxruntime runs on does more than a GFLOP/s and less than a hundred TFLOP/s.
    expect(measured).toBeGreaterThan(1)
    expect(measured).toBeLessThan(1e5)
    const kept = JSON.parse(readFileSync(cpuRatePath(temp.dir), 'utf8'))
    expect(kept).toMatchObject({ version: 1, gflops: measured, key: expect.stringMatching(/ \| \d+ cores \| onnxruntime \d+\.\d+\.\d+$/) })

    // Read back, even where measuring is not allowed now (a run trains).
    expect(await cpuMatmulGflops(temp.dir, null)).toBe(measured)
    // Another machine's figure (a data folder moved, a new onnxruntime) is not this one's.
    writeFileSync(cpuRatePath(temp.dir), JSON.stringify({ ...kept, key: 'Other CPU | 64 cores | onnxruntime 1.0.0', gflops: 5000 }))
    expect(await cpuMatmulGflops(temp.dir, null)).toBeNull()
    const again = await cpuMatmulGflops(temp.dir, thisProcess)
    expect(again).not.toBe(5000)
    expect(JSON.parse(readFileSync(cpuRatePath(temp.dir), 'utf8')).key).toBe(kept.key)
    // A damaged file is measured again, not trusted.
    writeFileSync(cpuRatePath(temp.dir), '{"version":1,')
    expect(await cpuMatmulGflops(temp.dir, null)).toBeNull()
  })

  it('is measured again after a week, in the background, and the faster figure kept', { timeout: 120_000 }, async () => {
    const first = (await cpuMatmulGflops(temp.dir, thisProcess))!
    const kept = JSON.parse(readFileSync(cpuRatePath(temp.dir), 'utf8'))
    const weekLater = new Date(Date.parse(kept.measuredAt) + 8 * 24 * 3600 * 1000)
    // A week on, with a figure no CPU here reaches: it answers at once, and stays the faster one.
    writeFileSync(cpuRatePath(temp.dir), JSON.stringify({ ...kept, gflops: 1e6 }))
    expect(await cpuMatmulGflops(temp.dir, thisProcess, weekLater)).toBe(1e6)
    await expect.poll(() => JSON.parse(readFileSync(cpuRatePath(temp.dir), 'utf8')).measuredAt, { timeout: 60_000 }).toBe(weekLater.toISOString())
    expect(JSON.parse(readFileSync(cpuRatePath(temp.dir), 'utf8')).gflops).toBe(1e6)
    // A figure taken on a busy machine (far below this one's) is replaced by the new measurement.
    writeFileSync(cpuRatePath(temp.dir), JSON.stringify({ ...kept, gflops: 0.001 }))
    expect(await cpuMatmulGflops(temp.dir, thisProcess, weekLater)).toBe(0.001)
    await expect.poll(() => JSON.parse(readFileSync(cpuRatePath(temp.dir), 'utf8')).gflops, { timeout: 60_000 }).toBeGreaterThan(1)
    // Within the week, or where measuring is not allowed, the kept figure answers and nothing runs.
    writeFileSync(cpuRatePath(temp.dir), JSON.stringify({ ...kept, gflops: 0.001 }))
    expect(await cpuMatmulGflops(temp.dir, thisProcess)).toBe(0.001)
    expect(await cpuMatmulGflops(temp.dir, null, weekLater)).toBe(0.001)
    expect(JSON.parse(readFileSync(cpuRatePath(temp.dir), 'utf8')).gflops).toBe(0.001)
    expect(first).toBeGreaterThan(1)
  })

  it('is measured once when asked twice at the same time', async () => {
    const [a, b] = await Promise.all([cpuMatmulGflops(temp.dir, thisProcess), cpuMatmulGflops(temp.dir, thisProcess)])
    expect(a).toBe(b)
  })
})
