// Whether ORT's WebGPU provider has an adapter here. CI machines without a GPU get one from
// Mesa's lavapipe (a software Vulkan driver; .ci/run installs it): the real WebGPU kernels and
// placement rules, computed on the CPU. With MIXTURE_STUDIO_REQUIRE_WEBGPU=1 (set by .ci/run) a
// missing adapter fails the WebGPU tests instead of skipping them.
import { F, Graph } from '../../main/engine/ir'
import { createGraphSession } from '../../main/runtime'

export const WEBGPU_REQUIRED = process.env.MIXTURE_STUDIO_REQUIRE_WEBGPU === '1'

/** null when a WebGPU session can be created, else why not. */
export async function webgpuUnavailableReason(): Promise<string | null> {
  const g = new Graph()
  g.output('y', F.mul(g.input('x', 'float32', [2]), 2))
  try {
    const session = await createGraphSession(g, { device: 'webgpu' })
    await session.dispose()
    return null
  } catch (e) {
    return (e as Error).message
  }
}
