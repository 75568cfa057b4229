// One onnxruntime session per graph, created once and reused every step (repeated
// create/release leaks in onnxruntime-node). Provider choice follows provider-choice.ts and is
// reported: which provider runs, and why each other one does not.
import { mkdtempSync, rmSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import ort from 'onnxruntime-node'
import { explainProviderFailure, machineProviderFacts, type ProviderFacts } from './execution-providers'
import { cpuWork, describeCpuWork, profileFileFor, readProfilePlacement } from './placement'
import { planProviders, type Device, type ProviderVerdict, type SessionProvider } from './provider-choice'
import { fromOrtTensor, toOrtTensor, type HostTensor } from './tensors'

export interface CreateSessionOptions {
  device?: Device
  /** Intra-op threads; default: all cores. */
  threads?: number
  /** Folder that external-data locations are relative to, when the model is given as bytes (see external-data.ts). */
  externalDataFolder?: string | null
  optimizationLevel?: 'disabled' | 'basic' | 'extended' | 'all'
  /** ORT's memory-pattern planner; on by default. */
  memPattern?: boolean
  /**
   * Let the CPU provider pre-pack constant MatMul/Gemm operands at session creation: faster
   * products, but one packed copy per reading kernel, so a weight read twice (forward Gemm and
   * backward MatMul of a train step) is held twice more (measured 2.5× the weight bytes for a
   * train step). Off unless asked here; createGraphSession turns it on only when every weight
   * has one reader (prepack-choice.ts). Without it weights stay memory-mapped, read in place.
   */
  prepackWeights?: boolean
  /** Writes the graph as ORT optimised it to this path (to inspect what it folded and fused). */
  optimizedModelFilePath?: string
  /** Writes an ORT profile (JSON) with this prefix. */
  profileFilePrefix?: string
  /** Facts about the onnxruntime build (tests pass their own). */
  facts?: ProviderFacts
  /**
   * A graph whose shapes change between runs (generation: the prompt, then one token a step).
   * On a GPU, ORT computes such a graph's shape arithmetic on the CPU by design, so CPU fallback
   * cannot be refused outright. The session is opened with it instead, run once on `warmup`
   * with profiling, and refused like a missing kernel when any node did model work on the CPU
   * (placement.ts). Ignored on the CPU.
   */
  dynamicShapes?: { warmup: Record<string, HostTensor> }
}

export interface EngineSession {
  readonly provider: SessionProvider
  /** Every provider not used, with the reason (not available here, or failed to build this graph). */
  readonly rejected: readonly ProviderVerdict[]
  readonly inputNames: readonly string[]
  readonly outputNames: readonly string[]
  /** Whether ORT's memory-pattern planner is on (CreateSessionOptions.memPattern). */
  readonly memPattern: boolean
  /** Runs the graph; `fetches` defaults to every output. Blocks the thread while ORT computes. */
  run(feeds: Record<string, HostTensor>, fetches?: readonly string[]): Promise<Record<string, HostTensor>>
  endProfiling(): void
  dispose(): Promise<void>
}

export class SessionError extends Error {
  override name = 'SessionError'
}

export function currentProviderFacts(): ProviderFacts {
  return machineProviderFacts(ort.listSupportedBackends())
}

export async function createSession(model: Uint8Array | string, options: CreateSessionOptions = {}): Promise<EngineSession> {
  const device = options.device ?? 'auto'
  const plan = planProviders(device, options.facts ?? currentProviderFacts())
  const rejected: ProviderVerdict[] = [...plan.skipped]
  for (const provider of plan.candidates) {
    try {
      const checked = provider !== 'cpu' && options.dynamicShapes ? await openCheckedDynamic(model, provider, options, options.dynamicShapes.warmup) : null
      const session = checked ?? (await openSession(model, provider, options))
      return wrap(session, provider, rejected.filter((r) => r.provider !== provider), options.memPattern ?? true)
    } catch (e) {
      rejected.push({ provider, reason: explainFailure(provider, (e as Error).message) })
    }
  }
  const relevant = device === 'auto' ? rejected : rejected.filter((r) => r.provider === device)
  const reasons = relevant.map((r) => `${r.provider}: ${r.reason}`).join('; ')
  throw new SessionError(device === 'auto' ? `no execution provider could run this graph (${reasons})` : `device "${device}" cannot run this graph: ${reasons}`)
}

/** A dynamic-shape session on a GPU, kept only if its warm-up run did no model work on the CPU. */
async function openCheckedDynamic(model: Uint8Array | string, provider: SessionProvider, options: CreateSessionOptions, warmup: Record<string, HostTensor>): Promise<ort.InferenceSession> {
  const dir = mkdtempSync(join(tmpdir(), 'mixture-studio-placement-'))
  try {
    const profileFilePrefix = join(dir, 'warmup')
    const session = await openSession(model, provider, { ...options, profileFilePrefix }, { cpuShapeArithmetic: true })
    try {
      await session.run(Object.fromEntries(Object.entries(warmup).map(([name, t]) => [name, toOrtTensor(name, t)])))
      session.endProfiling() // later runs are not profiled
      const onCpu = cpuWork(readProfilePlacement(profileFileFor(profileFilePrefix)))
      if (onCpu.length > 0) throw new SessionError(`part of this graph has no ${provider} kernel and would run on the CPU: ${describeCpuWork(onCpu)}`)
      return session
    } catch (e) {
      await session.release()
      throw e
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

function openSession(model: Uint8Array | string, provider: SessionProvider, options: CreateSessionOptions, { cpuShapeArithmetic = false } = {}): Promise<ort.InferenceSession> {
  const session: Record<string, string> = {}
  // A GPU session must not quietly run kernels on the CPU: ORT then refuses to build it,
  // and we report why instead of training at a fraction of the speed. (A dynamic-shape graph's
  // shape arithmetic is the exception, checked by openCheckedDynamic.)
  if (provider !== 'cpu' && !cpuShapeArithmetic) session.disable_cpu_ep_fallback = '1'
  if (!options.prepackWeights) session.disable_prepacking = '1'
  if (options.externalDataFolder && typeof model !== 'string') session.model_external_initializers_file_folder_path = options.externalDataFolder
  const sessionOptions: ort.InferenceSession.SessionOptions = {
    executionProviders: [provider],
    intraOpNumThreads: options.threads ?? cpus().length,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: options.optimizationLevel ?? 'all',
    enableMemPattern: options.memPattern ?? true,
    enableCpuMemArena: true,
    extra: { session },
  }
  if (options.optimizedModelFilePath) sessionOptions.optimizedModelFilePath = options.optimizedModelFilePath
  if (options.profileFilePrefix) {
    sessionOptions.enableProfiling = true
    sessionOptions.profileFilePrefix = options.profileFilePrefix
  }
  return typeof model === 'string' ? ort.InferenceSession.create(model, sessionOptions) : ort.InferenceSession.create(model, sessionOptions)
}

function explainFailure(provider: SessionProvider, message: string): string {
  if (/fallback to CPU EP has been explicitly disabled|assigned to the default CPU EP/i.test(message)) {
    return `some nodes of this graph have no ${provider} kernel and would silently run on the CPU (${message.split('\n')[0].trim()})`
  }
  return explainProviderFailure(provider, message)
}

function wrap(session: ort.InferenceSession, provider: SessionProvider, rejected: ProviderVerdict[], memPattern: boolean): EngineSession {
  const inputs = new Set(session.inputNames)
  const outputs = new Set(session.outputNames)
  return {
    provider,
    rejected,
    memPattern,
    inputNames: session.inputNames,
    outputNames: session.outputNames,
    async run(feeds, fetches) {
      const missing = session.inputNames.filter((n) => !(n in feeds))
      if (missing.length) throw new SessionError(`missing graph input(s): ${missing.join(', ')}`)
      const ortFeeds: Record<string, ort.Tensor> = {}
      for (const [name, t] of Object.entries(feeds)) {
        if (!inputs.has(name)) throw new SessionError(`"${name}" is not a graph input (inputs: ${session.inputNames.join(', ')})`)
        ortFeeds[name] = toOrtTensor(name, t)
      }
      const wanted = fetches ? [...fetches] : session.outputNames
      for (const name of wanted) if (!outputs.has(name)) throw new SessionError(`"${name}" is not a graph output (outputs: ${session.outputNames.join(', ')})`)
      const result = await session.run(ortFeeds, wanted)
      const out: Record<string, HostTensor> = {}
      for (const name of wanted) out[name] = fromOrtTensor(name, result[name] as ort.Tensor)
      return out
    },
    endProfiling: () => session.endProfiling(),
    dispose: () => session.release(),
  }
}
