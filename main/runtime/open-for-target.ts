// Opening a graph on the first provider that can run it, where each provider gets a graph built
// for it (CPU: symbolic float32; a GPU: static shape, half-precision frozen products). Every
// provider not used is reported with why: outside the plan, a precision it cannot run, no static
// shape, or a session that failed. Never a silent fallback (docs/DESIGN.md "Execution providers").
import type { Graph } from '../engine/ir'
import { graphOptionsFor, resolvePrecision, type ComputeTarget, type RequestedPrecision, type StaticBatchShape } from './compute-target'
import type { ProviderFacts } from './execution-providers'
import { createGraphSession, type GraphSession } from './graph-session'
import { planProviders, type Device, type ProviderVerdict } from './provider-choice'
import { currentProviderFacts, SessionError } from './session'

export interface TargetRequest {
  device: Device
  precision: RequestedPrecision
  /** The static shape GPU graphs are built for; without it only the CPU is tried, unless dynamicShapes. */
  batchShape: StaticBatchShape | null
  /** Shapes change between runs (generation): GPU graphs are built without a static shape, and checked by a warm-up run instead. */
  dynamicShapes?: boolean
  /** Dtype of the model's stored weights and its model_type (resolvePrecision). */
  storedDType: string
  modelType: string
  threads?: number
  /** Facts about the onnxruntime build (tests pass their own). */
  facts?: ProviderFacts
  /** What is being opened, for the error: "training step", "forward pass". */
  what: string
  /** On the CPU: ORT's memory-pattern planner (CreateSessionOptions.memPattern); default on. */
  cpuMemPattern?: boolean
  /** Profiles the session's runs until endProfiling (CreateSessionOptions.profileFilePrefix): benches only. */
  profileFilePrefix?: string
}

export interface OpenedForTarget<T> {
  built: T
  target: ComputeTarget
  session: GraphSession
  rejected: ProviderVerdict[]
}

/**
 * `build(target, graphOptions)` makes the graph for one provider (it is called once per provider
 * tried); the first session that opens wins.
 */
export async function openForTarget<T extends { graph: Graph }>(request: TargetRequest, build: (target: ComputeTarget) => T): Promise<OpenedForTarget<T>> {
  const plan = planProviders(request.device, request.facts ?? currentProviderFacts())
  const rejected: ProviderVerdict[] = [...plan.skipped]
  for (const provider of plan.candidates) {
    const resolved = resolvePrecision(provider, request.precision, request.storedDType, request.modelType)
    if ('refused' in resolved) {
      rejected.push({ provider, reason: resolved.refused })
      continue
    }
    if (provider !== 'cpu' && !request.batchShape && !request.dynamicShapes) {
      rejected.push({ provider, reason: `a GPU ${request.what} needs a static batch shape` })
      continue
    }
    const target: ComputeTarget = { provider, precision: resolved.precision, shape: provider === 'cpu' || request.dynamicShapes ? null : request.batchShape }
    const built = build(target)
    try {
      const session = await createGraphSession(built.graph, {
        device: provider,
        emitTarget: graphOptionsFor(target).emit,
        ...(request.dynamicShapes ? { dynamicShapes: true } : {}),
        ...(request.threads ? { threads: request.threads } : {}),
        ...(request.facts ? { facts: request.facts } : {}),
        ...(provider === 'cpu' && request.cpuMemPattern === false ? { memPattern: false } : {}),
        ...(request.profileFilePrefix ? { profileFilePrefix: request.profileFilePrefix } : {}),
      })
      return { built, target, session, rejected: rejected.filter((r) => r.provider !== provider) }
    } catch (e) {
      rejected.push({ provider, reason: e instanceof SessionError ? e.message.replace(/^device "[^"]+" cannot run this graph: [a-z]+: /, '') : (e as Error).message })
    }
  }
  const relevant = request.device === 'auto' ? rejected : rejected.filter((r) => r.provider === request.device)
  const reasons = relevant.map((r) => `${r.provider}: ${r.reason}`).join('; ')
  throw new SessionError(
    request.device === 'auto' ? `no execution provider can run this ${request.what} (${reasons})` : `device "${request.device}" cannot run this ${request.what}: ${reasons}`,
  )
}
