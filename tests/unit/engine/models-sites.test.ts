// The adapter interface of every builder: each site is offered with the shape, names and module
// paths the adapters rely on, what a hook returns is what the model uses, and the loss output is
// the token-mean of the per-token NLL.
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { makeTempDir } from '../../helpers/temp-dir'
import { writeTinyModel, type TinyArch } from '../../helpers/tiny-models'
import { F, type Value } from '../../../main/engine/ir'
import { PROJECTION_NAMES, type ActivationSite, type AdapterHooks, type ProjectionSite } from '../../../main/engine/adapters/sites'
import { buildDecoderOnly, buildT5, type ModelBuildOptions } from '../../../main/engine/models'
import { createGraphSession, type HostTensor } from '../../../main/runtime'
import { openModel, type OpenedModel } from '../../../main/models/inference/open-model'
import { int64Matrix } from '../../../main/models/inference/tensors'

let tmp: ReturnType<typeof makeTempDir>
beforeAll(() => (tmp = makeTempDir()))
afterAll(() => tmp.remove())

interface Offered { kind: string; name?: string; module: string; layer: number; stack: string; attention?: string; shape: string; hasMask: boolean }

function recorder(edit?: (site: ActivationSite | ProjectionSite, x: Value) => Value): { hooks: AdapterHooks; offered: Offered[] } {
  const offered: Offered[] = []
  const record = (site: ActivationSite | ProjectionSite, shape: readonly (string | number)[]) =>
    offered.push({
      kind: site.kind, module: site.module, layer: site.layer, stack: site.stack, shape: `[${shape.join(',')}]`, hasMask: site.tokenMask !== undefined,
      ...(site.kind === 'projection' ? { name: site.name } : {}), ...(site.attention ? { attention: site.attention } : {}),
    })
  return {
    offered,
    hooks: {
      activation(site, x) {
        record(site, x.shape)
        return edit ? edit(site, x) : x
      },
      projection(site, x, base) {
        const y = base(x)
        record(site, [...x.shape, '->', ...y.shape])
        expect([x.shape.at(-1), y.shape.at(-1)]).toEqual([site.inFeatures, site.outFeatures])
        return edit ? edit(site, y) : y
      },
    },
  }
}

function build(model: OpenedModel, options: ModelBuildOptions) {
  return model.spec.family === 't5' ? buildT5(model.spec, model.checkpoint, options) : buildDecoderOnly(model.spec, model.checkpoint, options)
}

async function forward(model: OpenedModel, options: ModelBuildOptions) {
  const session = await createGraphSession(build(model, options).graph, { device: 'cpu', threads: 1 })
  const ids = [[5, 9, 14, 3, 22, 7], [0, 0, 12, 4, 19, 8]]
  const mask = [[1, 1, 1, 1, 1, 1], [0, 0, 1, 1, 1, 1]]
  const feeds: Record<string, HostTensor> = { input_ids: int64Matrix(ids), attention_mask: int64Matrix(mask) }
  if (model.spec.family === 't5') {
    feeds.decoder_input_ids = int64Matrix([[0, 3, 4], [0, 5, 6]])
    feeds.decoder_attention_mask = int64Matrix([[1, 1, 1], [1, 1, 0]])
  }
  const labelRows = model.spec.family === 't5' ? [[3, 4, 9], [5, 6, 0]] : ids.map((r) => [...r.slice(1), 0])
  const labelMask = model.spec.family === 't5' ? [[1, 1, 1], [1, 1, 0]] : mask.map((r, b) => r.map((m, t) => (m && t + 1 < r.length && mask[b][t + 1] ? 1 : 0)))
  if (options.labels) {
    feeds.labels = int64Matrix(labelRows)
    feeds.label_mask = int64Matrix(labelMask)
  }
  try {
    return { outputs: await session.run(feeds), counted: labelMask.flat().reduce((a, b) => a + b, 0) }
  } finally {
    await session.dispose()
  }
}

const EXPECTED: Record<TinyArch, { projections: string[]; modules: RegExp }> = {
  llama: { projections: ['q', 'k', 'v', 'o', 'gate', 'up', 'down'], modules: /^model\.layers\.\d\.(self_attn\.[qkvo]_proj|mlp\.(gate|up|down)_proj|mlp)$/ },
  mistral: { projections: ['q', 'k', 'v', 'o', 'gate', 'up', 'down'], modules: /^model\.layers\.\d\./ },
  qwen2: { projections: ['q', 'k', 'v', 'o', 'gate', 'up', 'down'], modules: /^model\.layers\.\d\./ },
  qwen3: { projections: ['q', 'k', 'v', 'o', 'gate', 'up', 'down'], modules: /^model\.layers\.\d\./ },
  smollm3: { projections: ['q', 'k', 'v', 'o', 'gate', 'up', 'down'], modules: /^model\.layers\.\d\./ },
  gemma3_text: { projections: ['q', 'k', 'v', 'o', 'gate', 'up', 'down'], modules: /^model\.layers\.\d\./ },
  gpt2: { projections: ['c_attn', 'c_proj', 'c_fc', 'mlp_c_proj'], modules: /^transformer\.h\.\d\.(attn\.c_attn(\.[kv])?|attn\.c_proj|mlp\.c_fc|mlp\.c_proj|mlp)$/ },
  t5: { projections: ['q', 'k', 'v', 'o', 'wi_0', 'wi_1', 'wo'], modules: /^(en|de)coder\.block\.\d\.layer\.\d\.(SelfAttention|EncDecAttention|DenseReluDense)(\.(q|k|v|o|wi_0|wi_1|wo))?$/ },
}

describe.each(['llama', 'mistral', 'qwen2', 'qwen3', 'smollm3', 'gemma3_text', 'gpt2', 't5'] as const)('%s adapter sites', (arch) => {
  it('offers keys/values per KV head, the FFN branch and every projection, with module paths of the checkpoint', async () => {
    const model = openModel(writeTinyModel(join(tmp.dir, `${arch}-sites`), arch).dir)
    const { hooks, offered } = recorder()
    build(model, { hooks })
    const spec = model.spec
    const stacks = spec.family === 't5' ? spec.numLayers + spec.numDecoderLayers : spec.numLayers
    const attentions = spec.family === 't5' ? spec.numLayers + 2 * spec.numDecoderLayers : spec.numLayers
    const kv = (kind: string) => offered.filter((o) => o.kind === kind)
    expect(kv('keys')).toHaveLength(attentions)
    expect(kv('values')).toHaveLength(attentions)
    expect(kv('ffn')).toHaveLength(stacks)
    for (const o of kv('keys')) expect(o.shape).toMatch(new RegExp(`^\\[batch,(seq|src|tgt),${spec.numKvHeads},${spec.headDim}\\]$`))
    for (const o of kv('ffn')) expect(o.shape).toMatch(new RegExp(`,${spec.intermediateSize}\\]$`))
    const names = [...new Set(offered.filter((o) => o.kind === 'projection').map((o) => o.name!))].sort()
    expect(names).toEqual([...EXPECTED[arch].projections].sort())
    for (const name of names) expect(PROJECTION_NAMES).toContain(name)
    for (const o of offered) expect(o.module).toMatch(EXPECTED[arch].modules)
    // Projection modules are real checkpoint modules.
    for (const o of offered.filter((x) => x.kind === 'projection')) expect(model.info.weights.tensors.has(`${o.module}.weight`)).toBe(true)
    // Keys and values never share a module (adapter tensors are named after it).
    expect(new Set(kv('keys').map((o) => o.module)).size).toBe(attentions)
    expect(kv('keys').some((o) => kv('values').some((v) => v.module === o.module))).toBe(false)
    // Every site knows which tokens are real (cross-attention keys: the encoder's).
    expect(offered.every((o) => o.hasMask)).toBe(true)
    if (arch === 't5') {
      expect(offered.filter((o) => o.attention === 'cross' && o.kind === 'keys').every((o) => o.shape === `[batch,src,${spec.numKvHeads},${spec.headDim}]`)).toBe(true)
    }
  })

  it('uses what the hooks return, and loss = Σ token_nll / Σ label_mask', async () => {
    const model = openModel(writeTinyModel(join(tmp.dir, `${arch}-hooks`), arch).dir)
    const base = await forward(model, { labels: true, outputs: ['logits', 'loss', 'token_nll'] })
    const nll = base.outputs.token_nll.data as Float32Array
    expect(base.counted).toBe(model.spec.family === 't5' ? 5 : 8)
    expect((base.outputs.loss.data as Float32Array)[0]).toBeCloseTo(nll.reduce((a, b) => a + b, 0) / base.counted, 5)
    // Zeroing the values of one layer, or doubling and shifting one projection's output, changes the
    // logits (doubling alone would not on Gemma, whose post-FFN RMSNorm divides any scale away).
    for (const edit of [
      (site: ActivationSite | ProjectionSite, x: Value) => (site.kind === 'values' && site.layer === 0 ? F.mul(x, 0) : x),
      (site: ActivationSite | ProjectionSite, x: Value) => (site.kind === 'projection' && site.layer === 1 && /^(down|mlp_c_proj|wo)$/.test(site.name) ? F.add(F.mul(x, 2), 0.5) : x),
    ]) {
      const edited = await forward(model, { hooks: recorder(edit).hooks })
      const a = base.outputs.logits.data as Float32Array
      const b = edited.outputs.logits.data as Float32Array
      expect(Math.max(...a.map((v, i) => Math.abs(v - b[i])))).toBeGreaterThan(1e-3)
    }
  })
})
