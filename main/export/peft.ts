// PEFT's on-disk layout for LoRA and (IA)³ (what `PeftModel.from_pretrained` reads):
//   adapter_config.json          peft_type LORA | IA3, target_modules, ...
//   adapter_model.safetensors    base_model.model.<module>.lora_A.weight [r, in]
//                                base_model.model.<module>.lora_B.weight [out, r]
//                                base_model.model.<module>.ia3_l  [out, 1], or [1, in] for a
//                                module listed in feedforward_modules (PEFT then scales its input)
// <module> is the path inside the *ForCausalLM / ForConditionalGeneration model PEFT wraps.
// GPT-2's Conv1D weights are [in, out]; PEFT reads its features from the weight's shape in that
// order and needs fan_in_fan_out: true, while lora_A / lora_B keep the nn.Linear shapes above.
import type { ArchFamily } from '../engine/models/spec'
import type { WeightMap } from '../engine/models/weight-map'
import type { TensorToWrite } from '../runtime/safetensors'
import type { FoldPlan } from './fold-plan'

/** The model PEFT wraps is prefixed `base_model.model.`. */
export const PEFT_PREFIX = 'base_model.model.'

export interface PeftBaseInfo {
  family: ArchFamily
  /** base_model_name_or_path: the folder the adapter was trained on. */
  path: string
  map: WeightMap
}

export interface PeftAdapter {
  config: Record<string, unknown>
  tensors: TensorToWrite[]
}

export function peftAdapter(plan: FoldPlan, base: PeftBaseInfo, lora: { rank: number; alpha: number } | null): PeftAdapter {
  const modulePath = (module: string) => peftModulePath(base.family, module)
  const tensors: TensorToWrite[] = []
  for (const target of plan.targets) {
    const prefix = `${PEFT_PREFIX}${modulePath(target.module)}`
    switch (target.kind) {
      case 'low-rank':
        tensors.push({ name: `${prefix}.lora_A.weight`, dtype: 'float32', shape: target.a.shape, data: target.a.data })
        tensors.push({ name: `${prefix}.lora_B.weight`, dtype: 'float32', shape: target.b.shape, data: target.b.data })
        break
      case 'scale-outputs':
        tensors.push({ name: `${prefix}.ia3_l`, dtype: 'float32', shape: [target.scales.length, 1], data: target.scales })
        break
      case 'scale-inputs':
        tensors.push({ name: `${prefix}.ia3_l`, dtype: 'float32', shape: [1, target.scales.length], data: target.scales })
        break
    }
  }

  const projections = base.map.entries
    .filter((e) => e.role.param === 'weight' && (e.layout === 'linear' || e.layout === 'conv1d') && e.role.part !== 'lm_head')
    .map((e) => modulePath(e.hfName.replace(/\.weight$/, '')))
  const targets = plan.targets.map((t) => modulePath(t.module))
  const common = {
    base_model_name_or_path: base.path,
    revision: null,
    task_type: base.family === 't5' ? 'SEQ_2_SEQ_LM' : 'CAUSAL_LM',
    inference_mode: true,
    target_modules: moduleSuffixes(targets, projections),
    fan_in_fan_out: base.family === 'gpt2',
    modules_to_save: null,
  }
  if (plan.method === 'lora') {
    if (!lora) throw new Error('internal: a LoRA plan needs its rank and alpha')
    return {
      config: {
        peft_type: 'LORA',
        ...common,
        r: lora.rank,
        lora_alpha: lora.alpha,
        lora_dropout: 0,
        bias: 'none',
        init_lora_weights: true,
        layers_to_transform: null,
        layers_pattern: null,
      },
      tensors,
    }
  }
  const feedforward = plan.targets.filter((t) => t.kind === 'scale-inputs').map((t) => modulePath(t.module))
  return {
    config: { peft_type: 'IA3', ...common, feedforward_modules: moduleSuffixes(feedforward, projections), init_ia3_weights: true },
    tensors,
  }
}

/**
 * A module's path in the model class PEFT wraps. A bare LlamaModel / GPT2Model save lacks the
 * `model.` / `transformer.` level that LlamaForCausalLM / GPT2LMHeadModel put above the layers.
 */
export function peftModulePath(family: ArchFamily, module: string): string {
  if (family === 'llama' && !module.startsWith('model.')) return `model.${module}`
  if (family === 'gpt2' && !module.startsWith('transformer.')) return `transformer.${module}`
  return module
}

/**
 * The shortest dotted suffixes that select exactly `chosen` among `all` modules, the way PEFT
 * matches a target_modules list (a module matches a suffix s when its path is s or ends in ".s").
 * GPT-2 needs two levels for its FFN output ("mlp.c_proj"), since "c_proj" also names attn.c_proj.
 */
export function moduleSuffixes(chosen: readonly string[], all: readonly string[]): string[] {
  const wanted = new Set(chosen)
  const others = all.filter((m) => !wanted.has(m))
  const matches = (module: string, suffix: string) => module === suffix || module.endsWith(`.${suffix}`)
  const suffixes = new Set<string>()
  for (const module of wanted) {
    const parts = module.split('.')
    for (let k = 1; k <= parts.length; k++) {
      const suffix = parts.slice(-k).join('.')
      if (!others.some((m) => matches(m, suffix))) {
        suffixes.add(suffix)
        break
      }
    }
  }
  return [...suffixes].sort()
}
