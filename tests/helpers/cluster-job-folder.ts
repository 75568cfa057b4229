// A torchrun job folder's job.json and out/ (/work/notes/torchrun-spec.md), made from a run the app
// trained: job.json carries the run's configuration and adapter tensors, out/ its real checkpoints
// and adapter (the app's formats, which train.py writes too) and a metrics.jsonl written from the
// run's recorded curve as train.py writes its lines. What `runs import-job` reads, without a cluster.
import { cpSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { randomUUID } from 'node:crypto'
import type { Store } from '../../main/store'
import { readAdapterFolder } from '../../main/train/adapter-files'
import { listCheckpoints } from '../../main/train/checkpoint'
import { runFolder } from '../../main/train/run-training'

export interface ClusterJobFolder {
  dir: string
  out: string
  jobId: string
  /** The lines of out/metrics.jsonl, as written. */
  metricsLines: string[]
}

export interface ClusterJobOptions {
  jobId?: string
  /** The start line's facts (default one CPU process, fp32, PyTorch 1.13.1 on node17: no process group, so no backend, as train.py writes it). */
  start?: Record<string, unknown>
}

export function clusterJobFromRun(store: Store, dataDir: string, runId: string, dir: string, options: ClusterJobOptions = {}): ClusterJobFolder {
  const run = store.runs.get(runId)
  if (!run || run.status !== 'completed') throw new Error(`run ${runId} must be a completed run of the store`)
  const jobId = options.jobId ?? randomUUID()
  const runDir = runFolder(dataDir, runId)
  const adapter = readAdapterFolder(join(runDir, 'adapter'))
  const config = run.config as { train: Record<string, unknown> }
  mkdirSync(dir, { recursive: true })
  const job = {
    format: 'mixture-studio-torchrun',
    version: 1,
    job_id: jobId,
    created_at: run.createdAt,
    studio_version: '0.0.0-test',
    run: { id: run.id, name: run.name },
    config: run.config,
    model: { path: (run.config as { model: { path: string } }).model.path, family: 'llama', stored_dtype: 'float32' },
    adapter_config: { ...adapter.config, step: null },
    parameters: [...adapter.tensors.values()].map((t) => ({ name: t.name, shape: [...t.shape] })),
    layout: { seq2seq: false, pad_token_id: 0, decoder_start_token_id: 0 },
    train: { ...config.train, total_steps: run.totalSteps },
    data: { train_examples: 20, validation_examples: 4 },
  }
  writeFileSync(join(dir, 'job.json'), `${JSON.stringify(job, null, 2)}\n`)

  const out = join(dir, 'out')
  mkdirSync(join(out, 'checkpoints'), { recursive: true })
  for (const c of listCheckpoints(join(runDir, 'checkpoints'))) cpSync(c.path, join(out, 'checkpoints', `step-${c.step}`), { recursive: true })
  cpSync(join(runDir, 'adapter'), join(out, 'adapter'), { recursive: true })

  const curve = (name: string) => new Map(store.metrics.curve(runId, name).map((p) => [p.step, p.value]))
  const [loss, lr, gradNorm, tokens, tokensPerS, auxLoss, evalLoss] = ['loss', 'lr', 'grad_norm', 'tokens', 'tokens_per_s', 'aux_loss', 'eval_loss'].map(curve)
  const start = { event: 'start', job_id: jobId, world_size: 1, device: 'cpu', backend: null, precision: 'fp32', torch: '1.13.1', hostname: 'node17', started_at: '2026-12-05T10:00:00.000000+00:00', ...options.start }
  const lines = [JSON.stringify(start)]
  const evalLine = (step: number) => JSON.stringify({ step, eval_loss: evalLoss.get(step), eval_tokens: 96 })
  if (evalLoss.has(0)) lines.push(evalLine(0))
  for (const [step, value] of loss) {
    const seconds = tokens.get(step)! / tokensPerS.get(step)!
    lines.push(JSON.stringify({ step, loss: value, lr: lr.get(step), grad_norm: gradNorm.get(step), tokens: tokens.get(step), ...(auxLoss.has(step) ? { aux_loss: auxLoss.get(step) } : {}), epoch: 0, seconds }))
    if (evalLoss.has(step)) lines.push(evalLine(step))
  }
  lines.push(JSON.stringify({ event: 'end', step: Math.max(...loss.keys()), completed_at: '2026-12-05T10:05:00.000000+00:00' }))
  writeFileSync(join(out, 'metrics.jsonl'), `${lines.join('\n')}\n`)
  return { dir, out, jobId, metricsLines: lines }
}
