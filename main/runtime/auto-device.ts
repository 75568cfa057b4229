// The System page's one sentence about `device: auto`: which provider a run will train on and why
// the ones preferred before it are not used, as planProviders decides it (docs/DESIGN.md
// "Execution providers"). Pure, so every platform's sentence is tested anywhere.
import type { ProviderFacts } from './execution-providers'
import { planProviders, preferredOrder, type SessionProvider } from './provider-choice'

export interface AutoDeviceSummary {
  /** The provider `auto` tries first. */
  provider: SessionProvider
  sentence: string
}

export interface AutoDeviceContext {
  /** Linux: an NVIDIA GPU is present (cuda-requirements.ts hasNvidiaGpu); undefined when unknown. */
  nvidiaGpu?: boolean
}

const platformNames: Partial<Record<NodeJS.Platform, string>> = { linux: 'Linux', win32: 'Windows', darwin: 'macOS' }

export function describeAutoDevice(facts: ProviderFacts, context: AutoDeviceContext = {}): AutoDeviceSummary {
  const plan = planProviders('auto', facts)
  const provider = plan.candidates[0] ?? 'cpu'
  const order = preferredOrder(facts.platform)
  const passedOver = order.slice(0, order.indexOf(provider))
  const onWhat = deviceLabel(provider, facts.platform)
  const platform = platformNames[facts.platform] ?? facts.platform
  let why: string
  if (passedOver.length === 0) {
    why = provider === 'cpu' ? `onnxruntime-node has no GPU provider for ${platform}` : `it comes first on ${platform}${provider === 'cuda' ? ', and its provider libraries are installed' : ''}`
  } else {
    const reasons = passedOver.map((skipped) => `${providerName(skipped)}: ${shortReason(skipped, facts, context)}`).join('; ')
    why = provider === 'cpu' ? `no GPU provider is available here (${reasons})` : `${passedOver.length === 1 ? 'the provider' : 'the providers'} preferred before it cannot run here (${reasons})`
  }
  const fallbacks = plan.candidates.slice(1).map((next) => deviceLabel(next, facts.platform))
  const fallback = fallbacks.length ? ` If its session cannot open, ${fallbacks.join(', then ')} is tried, and the run's log says why.` : ''
  return { provider, sentence: `Runs will train on ${onWhat}: ${why}.${fallback}` }
}

function deviceLabel(provider: SessionProvider, platform: NodeJS.Platform): string {
  switch (provider) {
    case 'cuda':
      return 'the NVIDIA GPU with CUDA'
    case 'dml':
      return 'the GPU with DirectML'
    case 'webgpu':
      return platform === 'darwin' ? 'the GPU with WebGPU on Metal' : platform === 'win32' ? 'the GPU with WebGPU on Direct3D 12' : 'the GPU with WebGPU on Vulkan'
    case 'cpu':
      return 'the CPU'
  }
}

function providerName(provider: SessionProvider): string {
  return { cuda: 'CUDA', dml: 'DirectML', webgpu: 'WebGPU', cpu: 'CPU' }[provider]
}

/** Why a provider `auto` prefers is not the one used, in a few words. */
function shortReason(provider: SessionProvider, facts: ProviderFacts, context: AutoDeviceContext): string {
  const listed = facts.backends.some((backend) => backend.name === provider)
  switch (provider) {
    case 'cuda':
      if (!listed) return `no CUDA build for ${facts.platform}/${facts.arch}`
      if (context.nvidiaGpu === false) return 'no NVIDIA GPU'
      return context.nvidiaGpu ? 'not installed, Install CUDA support is below' : 'not installed'
    case 'webgpu':
      if (!listed) return 'not in this onnxruntime-node build'
      return facts.platform === 'linux' && facts.gpuDevicePresent === false ? 'no GPU device' : 'unavailable'
    case 'dml':
      return listed ? 'unavailable' : 'not in this onnxruntime-node build'
    case 'cpu':
      return 'unavailable'
  }
}
