// train.gradient_checkpointing: the train step that recomputes each transformer block's forward in
// the backward gives the gradients of the one that keeps the activations (within 1e-6 relative),
// in the float64 reference interpreter and in onnxruntime, and its backward reads nothing from
// inside a block but the recomputation: that is what lets onnxruntime free the activations.
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseRunConfig } from '../../../main/config/run-config-text'
import { RunConfig } from '../../../main/contract'
import { parseAdapterConfig, type AdapterConfigInput } from '../../../main/engine/adapters'
import { isFloat, type Graph, type Node, type Value } from '../../../main/engine/ir'
import { openModel, type OpenedModel } from '../../../main/models'
import { hostTensor, type HostTensor } from '../../../main/runtime'
import { openStore } from '../../../main/store'
import { makeBatch, staticBatchShape, type BatchLayout } from '../../../main/train/batches'
import { runTraining } from '../../../main/train/run-training'
import { buildStepGraph, STEP_OUTPUTS, type StepGraph } from '../../../main/train/step-graph'
import { makeTempDir } from '../../helpers/temp-dir'
import { writeTinyModel, type TinyArch } from '../../helpers/tiny-models'
import { offInitFeeds, runOrtOutputs, runReferenceOutputs, worstRelativeDifference } from './step-comparison'
import { patternExamples, writePromptCompletionFile } from './support'

let tmp: ReturnType<typeof makeTempDir>
const models = new Map<TinyArch, OpenedModel>()

beforeAll(() => {
  tmp = makeTempDir('ms-checkpointing-')
  for (const arch of ['llama', 'gemma3_text', 'gpt2', 't5'] as const) models.set(arch, openModel(writeTinyModel(join(tmp.dir, arch), arch).dir))
})
afterAll(() => tmp.remove())

const MOV: AdapterConfigInput = { method: 'mov', experts: 3, top_k: 2, load_balancing_coefficient: 0.01 }
const LORA: AdapterConfigInput = { method: 'lora', rank: 2 }

function steps(model: OpenedModel, adapter: AdapterConfigInput): { kept: StepGraph; recomputed: StepGraph } {
  const config = parseAdapterConfig(adapter)
  return {
    kept: buildStepGraph(model, config, { kind: 'train', maxPositions: 32 }),
    recomputed: buildStepGraph(model, config, { kind: 'train', maxPositions: 32, gradientCheckpointing: true }),
  }
}

describe('gradient checkpointing gives the same gradients (float64 reference interpreter)', () => {
  for (const arch of ['llama', 'gemma3_text', 'gpt2', 't5'] as const) {
    for (const adapter of [MOV, LORA]) {
      it(`${arch}, ${adapter.method}`, () => {
        const model = models.get(arch)!
        const { kept, recomputed } = steps(model, adapter)
        const feeds = offInitFeeds(model, kept)
        expect(worstRelativeDifference(runReferenceOutputs(kept, feeds), runReferenceOutputs(recomputed, feeds), kept)).toBeLessThan(1e-6)
      })
    }
  }
})

describe('gradient checkpointing in onnxruntime', () => {
  const methods: AdapterConfigInput[] = [MOV, { method: 'molora', experts: 2, rank: 2, load_balancing_coefficient: 0.01 }, { method: 'ia3' }, { method: 'lora', rank: 4 }]
  for (const adapter of methods) {
    it(`tiny llama, ${adapter.method}: every gradient output equals the kept step's`, async () => {
      const model = models.get('llama')!
      const { kept, recomputed } = steps(model, adapter)
      const feeds = offInitFeeds(model, kept)
      expect(worstRelativeDifference(await runOrtOutputs(kept, feeds), await runOrtOutputs(recomputed, feeds), kept)).toBeLessThan(1e-6)
    })
  }
})

/** Nodes autodiff built: gradients and the recomputation (router statistics, built after them, are forward nodes). */
const isBackward = (n: Node) => n.scope !== null && /^(grad|recompute)(\.|$)/.test(n.scope)

describe('gradient checkpointing in a GPU-form step (static shape, fp16 frozen products, loss scale), run on the CPU', () => {
  it('tiny llama, mov: the same gradients', async () => {
    const model = models.get('llama')!
    const config = parseAdapterConfig(MOV)
    const layout: BatchLayout = { seq2seq: false, decoderStartTokenId: 0, padTokenId: 0 }
    const examples = patternExamples(model.spec.vocabSize, 3, 10)
    const shape = staticBatchShape(examples, 3, layout)
    const target = { provider: 'webgpu' as const, precision: 'fp16' as const, shape }
    const build = (gradientCheckpointing: boolean) => buildStepGraph(model, config, { kind: 'train', maxPositions: 32, target, gradientCheckpointing })
    const kept = build(false)
    expect(kept.lossScaled).toBe(true)
    const values = kept.initialValues(5)
    const feeds: Record<string, HostTensor> = {
      ...makeBatch(examples, { ...layout, shape }).feeds,
      ...Object.fromEntries(kept.parameters.map((p) => [p.name, hostTensor('float32', p.shape, values.get(p.name)!.map((v, i) => v + 0.1 * Math.sin(i + 1)))])),
      [STEP_OUTPUTS.lossScale]: hostTensor('float32', [], Float32Array.of(1024)),
    }
    expect(worstRelativeDifference(await runOrtOutputs(kept, feeds, 'gpu'), await runOrtOutputs(build(true), feeds, 'gpu'), kept)).toBeLessThan(1e-6)
  })
})

/** The float values of block nodes that depend on a float value from outside the block (its activations). */
function blockActivations(forward: readonly Node[]): Set<Value> {
  const activations = new Set<Value>()
  for (const node of forward) {
    if (node.segment === null) continue
    const fromOutside = node.inputs.some((x) => x.origin.kind === 'node' && isFloat(x.dtype) && (x.origin.node.segment !== node.segment || activations.has(x)))
    if (fromOutside) node.outputs.forEach((o) => activations.add(o))
  }
  return activations
}

/** Block activations that forward nodes outside their block read (block outputs, router statistics), or graph outputs. */
function crossingBlocks(graph: Graph, forward: readonly Node[], activations: Set<Value>): Set<Value> {
  const crossing = new Set<Value>(graph.outputs.map((o) => o.value).filter((v) => activations.has(v)))
  for (const node of forward) {
    for (const x of node.inputs) if (activations.has(x) && x.origin.kind === 'node' && x.origin.node.segment !== node.segment) crossing.add(x)
  }
  return crossing
}

describe('what the backward pass reads', () => {
  /** Block activations that backward nodes (gradients, clones) read although no forward node outside the block does. */
  function internalReads(step: StepGraph): Value[] {
    const forward = step.graph.nodes.filter((n) => !isBackward(n))
    const activations = blockActivations(forward)
    const crossing = crossingBlocks(step.graph, forward, activations)
    const backward = step.graph.nodes.filter(isBackward)
    return backward.flatMap((n) => n.inputs).filter((x) => activations.has(x) && !crossing.has(x))
  }

  for (const arch of ['llama', 't5'] as const) {
    it(`${arch}: with checkpointing, only the blocks' inputs and outputs and the recomputation; without, the activations`, () => {
      const { kept, recomputed } = steps(models.get(arch)!, MOV)
      expect(internalReads(kept).length).toBeGreaterThan(0)
      expect(internalReads(recomputed)).toEqual([])
      // The recomputation reads the blocks' activations from its clones.
      expect(recomputed.graph.nodes.filter((n) => n.scope?.startsWith('recompute.')).length).toBeGreaterThan(0)
    })
  }
})

describe('train.gradient_checkpointing in a run', () => {
  it('trains as the run without it does (the same losses), and the run log says so', async () => {
    const dataDir = join(tmp.dir, 'home')
    const train = writePromptCompletionFile(join(tmp.dir, 'train.jsonl'))
    const runWith = (checkpointing: boolean) => {
      const config = RunConfig.parse({
        model: join(tmp.dir, 'llama'), data: { train, max_length: 128 }, adapter: { method: 'mov', experts: 2 },
        train: { lr: 0.05, batch_size: 2, max_steps: 3, seed: 4, gradient_checkpointing: checkpointing }, device: 'cpu',
      })
      const store = openStore(dataDir)
      try {
        return store.runs.create({ name: `checkpointing-${checkpointing}`, config, method: 'mov' }).id
      } finally {
        store.close()
      }
    }
    const stored = (runId: string) => {
      const store = openStore(dataDir)
      try {
        return { losses: store.metrics.curve(runId, 'loss').map((p) => p.value), log: store.runLog.list(runId).map((l) => l.message) }
      } finally {
        store.close()
      }
    }
    const kept = runWith(false)
    const recomputed = runWith(true)
    expect(await runTraining({ dataDir, runId: kept, threads: 1 })).toMatchObject({ status: 'completed', step: 3 })
    expect(await runTraining({ dataDir, runId: recomputed, threads: 1 })).toMatchObject({ status: 'completed', step: 3 })
    const a = stored(kept)
    const b = stored(recomputed)
    expect(b.losses).toHaveLength(3)
    b.losses.forEach((loss, i) => expect(Math.abs(loss - a.losses[i])).toBeLessThanOrEqual(1e-6 * Math.abs(a.losses[i])))
    expect(b.log.filter((line) => line.startsWith('gradient checkpointing:'))).toHaveLength(1)
    expect(a.log.filter((line) => line.startsWith('gradient checkpointing:'))).toHaveLength(0)
  })

  it('is a yes/no field of train, off by default; an unknown train field is still refused', () => {
    const head = 'model: m\ndata: { train: t.jsonl }\nadapter: { method: ia3 }\n'
    expect(parseRunConfig(head, 'run.yaml').train.gradient_checkpointing).toBe(false)
    expect(parseRunConfig(`${head}train: { gradient_checkpointing: true }\n`, 'run.yaml').train.gradient_checkpointing).toBe(true)
    expect(() => parseRunConfig(`${head}train: { gradient_checkpointing: yes please }\n`, 'run.yaml')).toThrow(/train\.gradient_checkpointing/)
    expect(() => parseRunConfig(`${head}train: { gradient_checkpoint: true }\n`, 'run.yaml')).toThrow(/gradient_checkpoint/)
  })
})
