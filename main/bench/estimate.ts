// `estimate` (issue 16; docs/BENCHMARKS.md "The time estimate"): how close New run's time estimate
// comes to the run it estimates. The demo run (the model and sample a first-time user trains, made
// in a fresh data folder) is estimated three ways, nominal (FLOPs over an assumed throughput),
// then timed by runsMeasureStep, and then trained through runsStart as the app trains it: the
// figures are each estimate over the run's own wall time, from runsStart to `completed`.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createServices } from '../services'

export interface EstimateFigures {
  bench: 'estimate'
  steps: number
  actual_seconds: number
  measured_estimate_seconds: number
  nominal_estimate_seconds: number
  /** The measured estimate over the actual time: the goal is within 2× either way. */
  measured_over_actual: number
  nominal_over_actual: number
  /** What timing the configuration took (its job process, preparation and 6 steps). */
  measure_seconds: number
}

export async function estimateBench(options: { steps: number }): Promise<EstimateFigures> {
  const dataDir = mkdtempSync(join(tmpdir(), 'mixture-studio-bench-estimate-'))
  const services = createServices({ dataDir })
  try {
    await services.demoMakeModel({})
    await services.demoMakeDataset({})
    const { config: planned } = await services.demoPlan({})
    const config = { ...planned, train: { ...planned.train, max_steps: options.steps, eval_every: Math.max(1, Math.floor(options.steps / 6)), save_every: options.steps } }
    const nominal = await services.runsEstimate({ config })
    const measureStart = performance.now()
    await services.runsMeasureStep({ config })
    const measureSeconds = (performance.now() - measureStart) / 1000
    const measured = await services.runsEstimate({ config })
    if (measured.time.basis !== 'measured-step') throw new Error(`the estimate did not use the measurement (basis ${measured.time.basis})`)

    const started = performance.now()
    const { run } = await services.runsStart({ config })
    for (;;) {
      const { run: now } = await services.runsShow({ runId: run.id })
      if (now.status === 'completed') break
      if (now.status === 'failed' || now.status === 'cancelled' || now.status === 'interrupted') throw new Error(`the demo run ended ${now.status}: ${now.error ?? ''}`)
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    const actual = (performance.now() - started) / 1000
    return {
      bench: 'estimate',
      steps: options.steps,
      actual_seconds: actual,
      measured_estimate_seconds: measured.time.totalSeconds,
      nominal_estimate_seconds: nominal.time.totalSeconds,
      measured_over_actual: measured.time.totalSeconds / actual,
      nominal_over_actual: nominal.time.totalSeconds / actual,
      measure_seconds: measureSeconds,
    }
  } finally {
    await services.close()
    rmSync(dataDir, { recursive: true, force: true })
  }
}
