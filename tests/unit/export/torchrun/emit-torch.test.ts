// model.py of the cluster job, emitted from the engine's forward graph, computes the graph's loss:
// every architecture and method, on a padded batch with random adapter values, against the float64
// reference interpreter (an independent evaluation of the same graph), in one Python process; and
// with each transformer block recomputed in the backward (checkpointing), the same gradients.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parseAdapterConfig, type AdapterConfigInput } from '../../../../main/engine/adapters'
import { evaluate } from '../../../../main/engine/reference'
import { emitJobModel, writeConstants } from '../../../../main/export/torchrun/job-folder'
import { openModel } from '../../../../main/models'
import { makeBatch, type TrainingExample } from '../../../../main/train/batches'
import { readWeightBytes, rng, toNdArray, uniform } from '../../../helpers/ort-vs-reference'
import { PYTHON, pythonHasTorch, runPython } from '../../../helpers/python-torch'
import { useTinyModels } from '../../../helpers/tiny-model-dir'
import type { TinyArch } from '../../../helpers/tiny-models'

const models = useTinyModels('ms-emit-torch-')
const CASES_PY = join(__dirname, 'fixtures/forward_cases.py')

const METHODS: AdapterConfigInput[] = [
  { method: 'mov', experts: 3, load_balancing_coefficient: 0.1 },
  { method: 'molora', experts: 3, rank: 2, top_k: 2, renormalize: true, load_balancing_coefficient: 0.05 },
  { method: 'lora', rank: 3, alpha: 6 },
  { method: 'ia3' },
]
const ARCHS: TinyArch[] = ['llama', 'qwen2', 'gpt2', 't5']

/** Two examples of different lengths (the shorter padded), each with an untrained prompt. */
function examples(vocab: number): TrainingExample[] {
  return [9, 6].map((length, i) => ({
    line: i + 1,
    inputIds: Int32Array.from({ length }, (_, t) => 3 + ((t * 5 + i * 7) % (vocab - 4))),
    trained: Uint8Array.from({ length }, (_, t) => (t >= 2 ? 1 : 0)),
  }))
}

describe.skipIf(!pythonHasTorch())(`model.py against the float64 reference (${PYTHON})`, () => {
  it('gives the reference loss and load-balancing term for every architecture and method', () => {
    const expected: { what: string; loss: number; aux: number | null; routers: [number[], number][]; blocks: number }[] = []
    const caseFiles: string[] = []
    for (const arch of ARCHS) {
      const tiny = models.write(arch)
      const model = openModel(tiny.dir)
      for (const input of METHODS) {
        const what = `${arch} ${input.method}`
        const { graph, emitted, parameters } = emitJobModel(model, parseAdapterConfig(input), 64)
        const random = rng(ARCHS.indexOf(arch) * 10 + METHODS.indexOf(input) + 1)
        // Adapter values of a trained adapter's size: at ±0.5 a rank-2 MoLoRA on the tiny T5 is so
        // ill-conditioned that float32 itself (ORT's CPU step included) strays 5e-5 from float64.
        const values = Object.fromEntries(parameters.map((p) => [p.name, uniform(random, p.shape.reduce((a, b) => a * b, 1), -0.2, 0.2)]))
        const batch = makeBatch(examples(model.spec.vocabSize), {
          seq2seq: arch === 't5',
          decoderStartTokenId: model.spec.family === 't5' ? model.spec.decoderStartTokenId : 0,
          padTokenId: 0,
        })
        const feeds = { ...Object.fromEntries(Object.entries(batch.feeds).map(([k, t]) => [k, toNdArray(t)])), ...Object.fromEntries(parameters.map((p) => [p.name, { dtype: 'float32' as const, shape: p.shape, data: Float64Array.from(values[p.name]) }])) }
        const outs = evaluate(graph, feeds, graph.outputs.map((o) => o.value), { readWeightBytes })
        const out = (name: string) => outs[graph.outputs.findIndex((o) => o.name === name)]
        const routers = graph.outputs.filter((o) => o.name.endsWith('.load')).map((o) => [Array.from(out(o.name).data), out(o.name.replace(/load$/, 'entropy')).data[0]] as [number[], number])
        expected.push({ what, loss: out('loss').data[0], aux: out('aux_loss')?.data[0] ?? null, routers, blocks: new Set(graph.nodes.map((n) => n.segment).filter((s) => s !== null)).size })
        // model.py reads its large constants from constants.safetensors beside it, as in a job folder.
        const dir = join(models.dir, `${arch}-${input.method}-job`)
        mkdirSync(dir)
        const modelPy = join(dir, 'model.py')
        writeFileSync(modelPy, emitted.source)
        if (emitted.constants.length > 0) writeConstants(join(dir, 'constants.safetensors'), emitted.constants)
        const caseFile = join(dir, 'case.json')
        writeFileSync(caseFile, JSON.stringify({
          model_py: modelPy,
          model_dir: tiny.dir,
          frozen_dtype: 'float32',
          parameters: Object.fromEntries(parameters.map((p) => [p.name, { shape: p.shape, data: Array.from(values[p.name]) }])),
          feeds: Object.fromEntries(Object.entries(batch.feeds).map(([k, t]) => [k, { shape: t.shape, data: Array.from(t.data as BigInt64Array, Number) }])),
        }))
        caseFiles.push(caseFile)
      }
    }
    // The first case once more with bf16 products, as on a GPU: frozen weights held in bf16, a loss near float32's.
    const bf16Case = caseFiles[0].replace(/case\.json$/, 'case-bf16.json')
    writeFileSync(bf16Case, JSON.stringify({ ...JSON.parse(readFileSync(caseFiles[0], 'utf8')), frozen_dtype: 'bfloat16' }))
    const all = runPython([CASES_PY, ...caseFiles, bf16Case]).trim().split('\n').map((l) => JSON.parse(l) as { loss: number; aux_loss: number | null; frozen_buffer_dtypes: string[]; checkpoint_grad_diff: number; gradient_scale: number; blocks: number; routers: [number[], number][]; router_sites: { experts: number }[] })
    const bf16 = all.pop()!
    expect(all[0].frozen_buffer_dtypes).toEqual(['torch.float32'])
    expect(bf16.frozen_buffer_dtypes).toEqual(['torch.bfloat16'])
    expect(Math.abs(bf16.loss - expected[0].loss) / expected[0].loss).toBeLessThan(0.03)
    expect(bf16.loss).not.toBe(all[0].loss)
    const lines = all
    expect(lines).toHaveLength(expected.length)
    lines.forEach((got, i) => {
      const want = expected[i]
      expect(Math.abs(got.loss - want.loss) / Math.abs(want.loss), `${want.what}: loss ${got.loss} vs reference ${want.loss}`).toBeLessThan(1e-5)
      // Each transformer block (Graph.block) is one method of its own, never split.
      expect(want.blocks, want.what).toBeGreaterThanOrEqual(2)
      expect(got.blocks, want.what).toBe(want.blocks)
      expect(got.gradient_scale, want.what).toBeGreaterThan(0)
      expect(got.checkpoint_grad_diff, `${want.what}: gradients with checkpointing`).toBeLessThan(1e-6)
      // The router statistics of every routed site (the Run page's Expert routing panel).
      expect(got.routers.length, want.what).toBe(want.routers.length)
      expect(got.router_sites.map((r) => r.experts), want.what).toEqual(want.routers.map(([load]) => load.length))
      if (['mov', 'molora'].some((m) => want.what.endsWith(m))) expect(want.routers.length, want.what).toBeGreaterThan(0)
      got.routers.forEach(([load, entropy], r) => {
        load.forEach((v, e) => expect(Math.abs(v - want.routers[r][0][e]), `${want.what} router ${r} load ${e}`).toBeLessThan(1e-6))
        expect(Math.abs(entropy - want.routers[r][1]), `${want.what} router ${r} entropy`).toBeLessThan(1e-6)
      })
      if (want.aux === null) expect(got.aux_loss, want.what).toBeNull()
      else {
        expect(want.aux, `${want.what}: the balancing term is there`).toBeGreaterThan(0)
        expect(Math.abs(got.aux_loss! - want.aux), `${want.what}: aux ${got.aux_loss} vs reference ${want.aux}`).toBeLessThan(1e-6 + 1e-5 * want.aux)
      }
    })
  }, 180_000)
})
