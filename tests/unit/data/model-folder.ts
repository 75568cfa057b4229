import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { buildByteLevelTokenizer } from '../../../main/demo/byte-level-tokenizer'

/** A Qwen2-style chat template: a default system prompt, ChatML turns, BOS-free. */
export const QWEN_STYLE_TEMPLATE =
  "{%- if messages[0]['role'] == 'system' %}{%- set system = messages[0]['content'] %}{%- set rest = messages[1:] %}" +
  "{%- else %}{%- set system = 'You are a helpful assistant.' %}{%- set rest = messages %}{%- endif %}" +
  "{{ '<|im_start|>system\\n' + system + '<|im_end|>\\n' }}" +
  "{%- for message in rest %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] | trim + '<|im_end|>\\n' }}{%- endfor %}" +
  "{%- if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{%- endif %}"

/** A Llama-2-style template: BOS from bos_token, [INST] blocks, EOS after each answer, raises on bad order. */
export const LLAMA2_STYLE_TEMPLATE =
  "{%- for message in messages %}" +
  "{%- if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{%- endif %}" +
  "{%- if message['role'] == 'user' %}{{ bos_token + '[INST] ' + message['content'] | trim + ' [/INST]' }}" +
  "{%- elif message['role'] == 'assistant' %}{{ ' ' + message['content'] | trim + ' ' + eos_token }}{%- endif %}" +
  "{%- endfor %}"

/** A template that drops earlier assistant turns' reasoning: not prefix-stable. */
export const DROPS_PAST_TURNS_TEMPLATE =
  "{%- for message in messages %}{%- if message['role'] == 'assistant' and not loop.last %}{{ '<|im_start|>assistant\\n(earlier answer)<|im_end|>\\n' }}" +
  "{%- else %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' }}{%- endif %}{%- endfor %}" +
  "{%- if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{%- endif %}"

export interface TinyModelOptions {
  chatTemplate?: string | null
  bos?: string | null
  eos?: string
  addBosToken?: boolean
  forcedMerges?: [string, string][]
}

/** Writes tokenizer.json + tokenizer_config.json (a byte-level BPE built in code) into `dir`. */
export function writeTinyModel(dir: string, options: TinyModelOptions = {}): string {
  mkdirSync(dir, { recursive: true })
  const { tokenizerJson } = buildByteLevelTokenizer({
    specialTokens: ['<s>', '</s>', '<|im_start|>', '<|im_end|>'],
    forcedMerges: options.forcedMerges,
  })
  writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(tokenizerJson))
  const config: Record<string, unknown> = {
    bos_token: options.bos === undefined ? '<s>' : options.bos,
    eos_token: { content: options.eos ?? '</s>', special: true },
    add_bos_token: options.addBosToken ?? false,
  }
  if (options.chatTemplate !== null) config.chat_template = options.chatTemplate ?? QWEN_STYLE_TEMPLATE
  writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify(config))
  return dir
}
