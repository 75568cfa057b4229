// The demo's MoV routers must stay spread over their experts while the loss falls: a shortened
// `mixture-studio demo` (its own config, fewer steps) with every logged router statistic checked
// against the Run page's collapse threshold. The former settings (lr 3e-2 from step 1, no load
// balancing) put an FFN site at a max expert load of 1.00 from step 10 on.
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ROUTER_COLLAPSE_LOAD, type RouterSiteStats } from '../../../main/contract'
import { demoRunConfig, DEMO_WARMUP_STEPS } from '../../../main/demo/demo-run-config'
import { runCli } from '../../helpers/cli-in-process'
import { makeTempDir } from '../../helpers/temp-dir'

let tmp: ReturnType<typeof makeTempDir>
beforeAll(() => (tmp = makeTempDir('ms-demo-routing-')))
afterAll(() => tmp.remove())

interface StepLine {
  type: 'step'
  step: number
  loss: number
  routers?: RouterSiteStats[]
}

describe('mixture-studio demo routing', () => {
  it('keeps every router below the collapse threshold while the loss falls', async () => {
    // Warm-up, then as many steps at the full rate: the old settings collapsed within 10.
    const steps = 2 * DEMO_WARMUP_STEPS
    const { code, stdout } = await runCli(['demo', '--steps', String(steps), '--json'], { home: join(tmp.dir, 'home') })
    expect(code).toBe(0)

    const stepLines = stdout.trim().split('\n').map((line) => JSON.parse(line) as { type: string }).filter((e): e is StepLine => e.type === 'step')
    const logged = stepLines.filter((e) => e.routers)
    expect(logged.length).toBeGreaterThanOrEqual(steps / 10)
    const worst = { load: 0, where: '' }
    for (const { step, routers } of logged) {
      for (const site of routers!) {
        const load = Math.max(...site.load)
        if (load > worst.load) Object.assign(worst, { load, where: `${site.module} at step ${step}` })
      }
    }
    expect(worst.load, `max expert load ${worst.load.toFixed(3)} at ${worst.where}`).toBeLessThan(ROUTER_COLLAPSE_LOAD)
    expect(stepLines.at(-1)!.loss).toBeLessThan(stepLines[0].loss - 3)
  }, 120_000)

  it('is MoV with load balancing and a warm-up that a short demo still finishes', () => {
    const config = demoRunConfig({ model: '/m', data: '/d.jsonl' }, 600)
    expect(config.adapter).toMatchObject({ method: 'mov', experts: 4, load_balancing_coefficient: 0.1 })
    expect(config.train).toMatchObject({ lr: 3e-2, warmup_steps: DEMO_WARMUP_STEPS, max_steps: 600 })
    expect(demoRunConfig({ model: '/m', data: '/d.jsonl' }, 4).train.warmup_steps).toBe(2)
  })
})
