// A quantized base on ORT's WebGPU provider, CPU fallback refused (every node needs a WebGPU
// kernel): the static int4 step gives the CPU graph's loss and gradients in float32, and stays
// close with fp16 products. lavapipe supplies the adapter on a machine without a GPU.
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openRunModel } from '../../../main/models/quantized/open-run-model'
import type { OpenedModel } from '../../../main/models'
import { makeTempDir } from '../../helpers/temp-dir'
import { WEBGPU_REQUIRED, webgpuUnavailableReason } from '../../helpers/webgpu'
import { writeTinyModel } from '../../helpers/tiny-models'
import { compareStaticStep } from './static-step-support'

const unavailable = await webgpuUnavailableReason()
if (unavailable && WEBGPU_REQUIRED) throw new Error(`WebGPU is required here (MIXTURE_STUDIO_REQUIRE_WEBGPU=1) but unavailable: ${unavailable}`)

describe.skipIf(unavailable !== null)('an int4 base on WebGPU', () => {
  let tmp: ReturnType<typeof makeTempDir>
  let model: OpenedModel
  beforeAll(() => {
    tmp = makeTempDir('ms-webgpu-int4-')
    model = openRunModel({ path: writeTinyModel(join(tmp.dir, 'llama'), 'llama').dir, quantize: 'int4' }, join(tmp.dir, 'data'))
  })
  afterAll(() => tmp.remove())

  it('float32: the CPU graph\'s loss and gradients', async () => {
    const r = await compareStaticStep(model, { method: 'mov', experts: 3 }, { device: 'webgpu', precision: 'fp32' })
    expect(r.provider).toBe('webgpu')
    expect(Math.abs(r.staticLoss - r.cpuLoss)).toBeLessThan(1e-4)
    expect(r.worstGradientError).toBeLessThan(1e-3)
  })

  it('fp16 products: close to the CPU graph', async () => {
    const r = await compareStaticStep(model, { method: 'lora', rank: 2 }, { device: 'webgpu', precision: 'fp16' })
    expect(r.provider).toBe('webgpu')
    expect(Math.abs(r.staticLoss - r.cpuLoss) / r.cpuLoss).toBeLessThan(1e-2)
    expect(r.worstGradientError).toBeLessThan(5e-2)
  })
})
