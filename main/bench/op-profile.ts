// Where a step's time goes, by op type, from an onnxruntime profile (CreateSessionOptions
// .profileFilePrefix): what issue 17 asks for beside a speed ratio far from 1 ("report where the
// time goes"). Only the file's last run counts: the earlier ones are warm-ups.
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
  /** Kernel time over the run's wall time: the rest is launching, copies and waiting. */
  kernel_share: number
  /** The op types by time, most first: at most `top` of them, the rest summed as "(other)". */
  by_op: OpTypeTime[]
}

export function stepProfile(file: string, top = 12): StepProfile {
  const events = JSON.parse(readFileSync(file, 'utf8')) as ProfileEvent[]
  const run = events.filter((e) => e.cat === 'Session' && e.name === 'model_run').at(-1)
  if (!run?.ts || !run.dur) throw new Error(`${file}: no model_run in the profile`)
  const end = run.ts + run.dur
  const byOp = new Map<string, { providers: Set<string>; nodes: number; us: number }>()
  for (const e of events) {
    if (e.cat !== 'Node' || !e.name?.endsWith('_kernel_time') || !e.args?.op_name || e.ts === undefined || e.ts < run.ts || e.ts > end) continue
    const entry = byOp.get(e.args.op_name) ?? { providers: new Set<string>(), nodes: 0, us: 0 }
    entry.nodes++
    entry.us += e.dur ?? 0
    if (e.args.provider) entry.providers.add(e.args.provider)
    byOp.set(e.args.op_name, entry)
  }
  const all = [...byOp].map(([op, t]) => ({ op, providers: [...t.providers].sort(), nodes: t.nodes, ms: t.us / 1000, share: t.us / run.dur! })).sort((a, b) => b.ms - a.ms)
  const kernelUs = all.reduce((n, t) => n + t.ms * 1000, 0)
  const rest = all.slice(top)
  const other = rest.length === 0 ? [] : [{ op: '(other)', providers: [...new Set(rest.flatMap((t) => t.providers))].sort(), nodes: rest.reduce((n, t) => n + t.nodes, 0), ms: rest.reduce((n, t) => n + t.ms, 0), share: rest.reduce((n, t) => n + t.share, 0) }]
  return { run_ms: run.dur / 1000, kernel_share: kernelUs / run.dur, by_op: [...all.slice(0, top), ...other] }
}
