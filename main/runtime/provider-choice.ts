// Which execution providers a session tries, in order (docs/DESIGN.md "Execution providers"):
// Linux cuda -> webgpu -> cpu; Windows dml -> webgpu -> cpu; macOS webgpu -> cpu.
// Pure: the facts about this onnxruntime build come in, so every platform can be tested anywhere.
import { describeProviders, SOFTWARE_WEBGPU_REASON, type ProviderFacts } from './execution-providers'

export type Device = 'auto' | 'cpu' | 'cuda' | 'webgpu' | 'dml'
export type SessionProvider = Exclude<Device, 'auto'>

export interface ProviderVerdict { provider: SessionProvider; reason: string }

export interface ProviderPlan {
  /** Providers to try in order; the first whose session builds is used. */
  candidates: SessionProvider[]
  /** Providers not tried, each with why. */
  skipped: ProviderVerdict[]
}

export function preferredOrder(platform: NodeJS.Platform): SessionProvider[] {
  switch (platform) {
    case 'linux':
      return ['cuda', 'webgpu', 'cpu']
    case 'win32':
      return ['dml', 'webgpu', 'cpu']
    case 'darwin':
      return ['webgpu', 'cpu']
    default:
      return ['cpu']
  }
}

const ALL: SessionProvider[] = ['cuda', 'dml', 'webgpu', 'cpu']

export function planProviders(device: Device, facts: ProviderFacts): ProviderPlan {
  const status = new Map(describeProviders(facts).map((s) => [s.name, s]))
  const order = preferredOrder(facts.platform)
  const wanted = device === 'auto' ? order : [device]
  const candidates: SessionProvider[] = []
  const skipped: ProviderVerdict[] = []
  for (const provider of ALL) {
    const s = status.get(provider)
    if (!wanted.includes(provider)) {
      skipped.push({ provider, reason: device === 'auto' ? `not used on ${facts.platform}` : `device "${device}" was requested` })
    } else if (!s?.available) {
      skipped.push({ provider, reason: s?.reason ?? 'unknown provider' })
    } else if (softwareOnly(provider, device, facts)) {
      skipped.push({ provider, reason: SOFTWARE_WEBGPU_REASON })
    }
  }
  for (const provider of wanted) if (status.get(provider)?.available && !softwareOnly(provider, device, facts)) candidates.push(provider)
  return { candidates, skipped }
}

/** `auto` on Linux without a GPU device node would give WebGPU a software adapter: not worth trying. */
function softwareOnly(provider: SessionProvider, device: Device, facts: ProviderFacts): boolean {
  return provider === 'webgpu' && device === 'auto' && facts.platform === 'linux' && facts.gpuDevicePresent === false
}

/**
 * Whether a verdict is worth telling the user: a provider that was tried or is missing here, not
 * one outside the platform's plan ("not used on linux") or the request ("device ... was requested").
 */
export function wasTried(verdict: ProviderVerdict): boolean {
  return !/^not used on |^device "/.test(verdict.reason)
}
