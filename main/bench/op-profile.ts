// Where a step's time goes, by op type, from an onnxruntime profile (CreateSessionOptions
// .profileFilePrefix): what issue 17 asks for beside a speed ratio far from 1 ("report where the
// time goes"). Only the file's last run counts: the earlier ones are warm-ups.
//
// On the CPU each node's `kernel_time` event is its real time. On a GPU that event only times the
// kernel's launch (the GPU runs it later); the WebGPU provider adds what the GPU itself took, from
// timestamp queries, as `Api` events named "<node>&<op type>&<kernel>" (measured here through
// Mesa's lavapipe: 959 of them per run, each inside its run's window). So GPU nodes are timed by
// those, and nodes that ran on the CPU (shape arithmetic) by their kernel_time.
import { readFileSync } from 'node:fs'

interface ProfileEvent {
  cat?: string
  name?: string
  dur?: number
  ts?: number
  args?: { op_name?: string; provider?: string }
}

export interface OpTypeTime {
  op: string
  /** Where its kernels ran (onnxruntime's provider names, e.g. CPUExecutionProvider). */
  providers: string[]
  nodes: number
  ms: number
  /** Of the run's wall time (kernels plus what lies between them). */
  share: number
}

export interface StepProfile {
  run_ms: number
  /** What timed the GPU's nodes: its timestamp queries, or (no GPU, or none reported) each kernel call. */
  timing: 'gpu timestamps' | 'kernel calls'
  /** Kernel time over the run's wall time: the rest is launching, copies and waiting. */
  kernel_share: number
  /** The op types by time, most first: at most `top` of them, the rest summed as "(other)". */
  by_op: OpTypeTime[]
}

const CPU = 'CPUExecutionProvider'

export function stepProfile(file: string, top = 12): StepProfile {
  const events = JSON.parse(readFileSync(file, 'utf8')) as ProfileEvent[]
  const run = events.filter((e) => e.cat === 'Session' && e.name === 'model_run').at(-1)
  if (!run?.ts || !run.dur) throw new Error(`${file}: no model_run in the profile`)
  const inRun = (e: ProfileEvent) => e.ts !== undefined && e.ts >= run.ts! && e.ts <= run.ts! + run.dur!
  const gpu = events.filter((e) => e.cat === 'Api' && e.name?.includes('&') && inRun(e))
  const nodes = events.filter((e) => e.cat === 'Node' && e.name?.endsWith('_kernel_time') && e.args?.op_name && inRun(e))
  const gpuProvider = nodes.find((e) => e.args!.provider && e.args!.provider !== CPU)?.args!.provider ?? 'GPU'
  const timed: { op: string; provider: string; us: number }[] = [
    ...gpu.map((e) => ({ op: e.name!.split('&')[1], provider: gpuProvider, us: e.dur ?? 0 })),
    ...nodes.filter((e) => gpu.length === 0 || e.args!.provider === CPU).map((e) => ({ op: e.args!.op_name!, provider: e.args!.provider ?? CPU, us: e.dur ?? 0 })),
  ]
  const byOp = new Map<string, { providers: Set<string>; nodes: number; us: number }>()
  for (const { op, provider, us } of timed) {
    const entry = byOp.get(op) ?? { providers: new Set<string>(), nodes: 0, us: 0 }
    entry.nodes++
    entry.us += us
    entry.providers.add(provider)
    byOp.set(op, entry)
  }
  const all = [...byOp].map(([op, t]) => ({ op, providers: [...t.providers].sort(), nodes: t.nodes, ms: t.us / 1000, share: t.us / run.dur! })).sort((a, b) => b.ms - a.ms)
  const rest = all.slice(top)
  const other = rest.length === 0 ? [] : [{ op: '(other)', providers: [...new Set(rest.flatMap((t) => t.providers))].sort(), nodes: rest.reduce((n, t) => n + t.nodes, 0), ms: rest.reduce((n, t) => n + t.ms, 0), share: rest.reduce((n, t) => n + t.share, 0) }]
  return {
    run_ms: run.dur / 1000,
    timing: gpu.length > 0 ? 'gpu timestamps' : 'kernel calls',
    kernel_share: timed.reduce((n, t) => n + t.us, 0) / run.dur,
    by_op: [...all.slice(0, top), ...other],
  }
}
