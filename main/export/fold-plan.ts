// Where each tensor of a LoRA or (IA)³ adapter acts on the base model's own weights, in the
// terms both the PEFT exporter and the merger need (pure: no files).
//   LoRA  `<m>.lora_A.weight` [r, in], `<m>.lora_B.weight` [out, r]  ->  W_m += (α/r)·B·A
//   (IA)³ k/v `<m>.ia3_l` [kv_heads·head_dim]  ->  scales the OUTPUT features of projection m
//         (rows of an nn.Linear [out, in], and its bias); GPT-2 keeps k and v inside the fused
//         c_attn, so `<c_attn>.k.ia3_l` scales output features d..2d of c_attn and `.v` 2d..3d.
//   (IA)³ ffn `<mlp>.ia3_l` [d_ff]  ->  scales the INPUT features of the FFN's output projection
//         (down_proj / mlp.c_proj / wo): act(gate x) ⊙ l ⊙ up x = (act(gate x) ⊙ up x) ⊙ l, and
//         down(h ⊙ l) = W·diag(l)·h + b, so the columns of an nn.Linear are scaled, its bias is not.
// MoV and MoLoRA have no such plan: their scale (or update) is chosen per token by a router.
import type { AdapterMethodName } from '../engine/adapters/names'
import type { WeightMap, WeightMapEntry } from '../engine/models/weight-map'
import type { AdapterFolder, AdapterTensor } from '../train/adapter-files'
import { ExportError } from './types'

export interface LowRankTarget {
  kind: 'low-rank'
  module: string
  weight: WeightMapEntry
  /** [r, in] */
  a: AdapterTensor
  /** [out, r] */
  b: AdapterTensor
  /** α / r */
  scale: number
}

export interface OutputScaleTarget {
  kind: 'scale-outputs'
  module: string
  weight: WeightMapEntry
  bias: WeightMapEntry | null
  /** One factor per output feature; 1 where no adapter tensor acts (q of GPT-2's c_attn). */
  scales: Float32Array
}

export interface InputScaleTarget {
  kind: 'scale-inputs'
  module: string
  weight: WeightMapEntry
  /** One factor per input feature. */
  scales: Float32Array
}

export type FoldTarget = LowRankTarget | OutputScaleTarget | InputScaleTarget

export interface FoldPlan {
  method: 'lora' | 'ia3'
  /** One target per adapted base module, in adapter tensor order. */
  targets: FoldTarget[]
}

const FOLDABLE: readonly AdapterMethodName[] = ['lora', 'ia3']

/** A projection weight's features, whatever its layout: nn.Linear [out, in], GPT-2 Conv1D [in, out]. */
export function projectionFeatures(weight: WeightMapEntry): { inFeatures: number; outFeatures: number } {
  const [first, second] = weight.shape
  if (weight.layout === 'conv1d') return { inFeatures: first, outFeatures: second }
  if (weight.layout === 'linear') return { inFeatures: second, outFeatures: first }
  throw new ExportError(`${weight.hfName} is a ${weight.layout} tensor, not a projection`)
}

export function foldPlan(adapter: AdapterFolder, map: WeightMap, why: string): FoldPlan {
  const method = adapter.adapter.method
  if (!FOLDABLE.includes(method)) throw new ExportError(`${why}: ${method} is not LoRA or (IA)³`)
  const byName = new Map(map.entries.map((e) => [e.hfName, e]))
  const where = (tensor: string) => `${adapter.dir}: tensor "${tensor}"`
  const projection = (module: string, tensor: string): WeightMapEntry => {
    const entry = byName.get(`${module}.weight`)
    if (!entry || (entry.layout !== 'linear' && entry.layout !== 'conv1d')) {
      throw new ExportError(`${where(tensor)} adapts "${module}", which is not a projection of the base model; the adapter was trained on another model`)
    }
    return entry
  }
  const checkLength = (tensor: AdapterTensor, expected: number, what: string) => {
    if (tensor.data.length !== expected) throw new ExportError(`${where(tensor.name)} has ${tensor.data.length} values, ${what} has ${expected}; the adapter was trained on another model`)
  }

  const targets = new Map<string, FoldTarget>()
  if (method === 'lora') {
    const { rank, alpha } = adapter.adapter as { rank: number; alpha: number }
    for (const tensor of adapter.tensors.values()) {
      if (tensor.name.endsWith('.lora_B.weight')) continue
      const module = stripSuffix(tensor.name, '.lora_A.weight')
      if (module === null) throw new ExportError(`${where(tensor.name)} is not a LoRA tensor (<module>.lora_A.weight / .lora_B.weight)`)
      const b = adapter.tensors.get(`${module}.lora_B.weight`)
      if (!b) throw new ExportError(`${where(tensor.name)} has no partner ${module}.lora_B.weight; the adapter folder is incomplete`)
      const weight = projection(module, tensor.name)
      const { inFeatures, outFeatures } = projectionFeatures(weight)
      if (!sameShape(tensor.shape, [rank, inFeatures])) throw new ExportError(`${where(tensor.name)} is [${tensor.shape.join(', ')}], expected [${rank}, ${inFeatures}] (rank, ${module} input features)`)
      if (!sameShape(b.shape, [outFeatures, rank])) throw new ExportError(`${where(b.name)} is [${b.shape.join(', ')}], expected [${outFeatures}, ${rank}] (${module} output features, rank)`)
      targets.set(module, { kind: 'low-rank', module, weight, a: tensor, b, scale: alpha / rank })
    }
    const orphan = [...adapter.tensors.keys()].find((n) => n.endsWith('.lora_B.weight') && !targets.has(n.slice(0, -'.lora_B.weight'.length)))
    if (orphan) throw new ExportError(`${where(orphan)} has no partner lora_A.weight; the adapter folder is incomplete`)
    return { method: 'lora', targets: [...targets.values()] }
  }

  // (IA)³: sort each vector into the projection whose outputs or inputs it scales.
  const downOf = new Map(map.entries.filter((e) => e.role.part === 'down' && e.role.param === 'weight').map((e) => [parentModule(e.hfName.replace(/\.weight$/, '')), e]))
  for (const tensor of adapter.tensors.values()) {
    const module = stripSuffix(tensor.name, '.ia3_l')
    if (module === null) throw new ExportError(`${where(tensor.name)} is not an (IA)³ tensor (<module>.ia3_l)`)
    const down = downOf.get(module)
    if (down) {
      const { inFeatures } = projectionFeatures(down)
      checkLength(tensor, inFeatures, `the input of ${down.hfName}`)
      const downModule = stripSuffix(down.hfName, '.weight')!
      targets.set(downModule, { kind: 'scale-inputs', module: downModule, weight: down, scales: tensor.data })
      continue
    }
    const direct = byName.get(`${module}.weight`)
    if (direct && (direct.layout === 'linear' || direct.layout === 'conv1d')) {
      const { outFeatures } = projectionFeatures(direct)
      checkLength(tensor, outFeatures, `the output of ${direct.hfName}`)
      targets.set(module, { kind: 'scale-outputs', module, weight: direct, bias: byName.get(`${module}.bias`) ?? null, scales: tensor.data })
      continue
    }
    // GPT-2: keys and values are the 2nd and 3rd thirds of the fused c_attn projection.
    const fused = parentModule(module)
    const part = module.slice(fused.length + 1)
    const qkv = byName.get(`${fused}.weight`)
    if (qkv && qkv.role.part === 'qkv' && (part === 'k' || part === 'v')) {
      const { outFeatures } = projectionFeatures(qkv)
      const width = outFeatures / 3
      checkLength(tensor, width, `one third of ${qkv.hfName}'s output`)
      const existing = targets.get(fused)
      const target: OutputScaleTarget =
        existing?.kind === 'scale-outputs' ? existing : { kind: 'scale-outputs', module: fused, weight: qkv, bias: byName.get(`${fused}.bias`) ?? null, scales: new Float32Array(outFeatures).fill(1) }
      targets.set(fused, target)
      target.scales.set(tensor.data, part === 'k' ? width : 2 * width)
      continue
    }
    throw new ExportError(`${where(tensor.name)} scales "${module}", which is neither a key/value projection nor an FFN block of the base model; the adapter was trained on another model`)
  }
  return { method: 'ia3', targets: [...targets.values()] }
}

function stripSuffix(name: string, suffix: string): string | null {
  return name.endsWith(suffix) && name.length > suffix.length ? name.slice(0, -suffix.length) : null
}

function parentModule(module: string): string {
  const dot = module.lastIndexOf('.')
  return dot < 0 ? module : module.slice(0, dot)
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i])
}
