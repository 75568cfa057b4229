import { createHash } from 'node:crypto'
import { TemplateError } from './errors'
import type { TokenizerBundle } from './tokenizer'

/** `model`: the model's own chat template; `chatml`, `plain`: built in; `auto`: model's if it has one, else chatml. */
export type TemplateChoice = 'auto' | 'model' | 'chatml' | 'plain'
export const TEMPLATE_CHOICES: readonly TemplateChoice[] = ['auto', 'model', 'chatml', 'plain']

/**
 * Built-in templates, for models without one. They start with BOS when the tokenizer adds
 * one (`add_bos` is set from tokenizer_config.json's add_bos_token).
 * - chatml: `<|im_start|>role\ncontent<|im_end|>\n` per message.
 * - plain: the texts run together (prompt then completion, as written), EOS after each
 *   answer; the system prompt, if any, is followed by a blank line. For base models.
 */
export const BUILTIN_TEMPLATES = {
  chatml:
    "{%- if add_bos and bos_token %}{{ bos_token }}{% endif %}" +
    "{%- for message in messages %}{{ '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>\\n' }}{%- endfor %}" +
    "{%- if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{%- endif %}",
  plain:
    "{%- if add_bos and bos_token %}{{ bos_token }}{% endif %}" +
    "{%- for message in messages %}" +
    "{%- if message.role == 'system' %}{{ message.content + '\\n\\n' }}" +
    "{%- elif message.role == 'assistant' %}{{ message.content }}{% if eos_token %}{{ eos_token }}{% endif %}" +
    "{%- else %}{{ message.content }}{%- endif %}" +
    "{%- endfor %}",
} as const

export interface ChosenTemplate {
  name: 'model' | 'chatml' | 'plain'
  source: string
  /** sha256 of the source: part of the tokenized-cache key. */
  hash: string
}

export function chooseTemplate(choice: TemplateChoice, bundle: TokenizerBundle | null): ChosenTemplate {
  const modelTemplate = bundle?.chatTemplate ?? null
  if (choice === 'model' && modelTemplate === null) {
    throw new TemplateError(
      bundle
        ? `${bundle.dir} has no chat template (tokenizer_config.json chat_template, chat_template.jinja); choose the built-in "chatml" or "plain" template`
        : 'the "model" template needs a model: pass one, or choose the built-in "chatml" or "plain" template',
    )
  }
  const name = choice === 'auto' ? (modelTemplate !== null ? 'model' : 'chatml') : choice
  const source = name === 'model' ? (modelTemplate as string) : BUILTIN_TEMPLATES[name]
  return { name, source, hash: createHash('sha256').update(source).digest('hex') }
}
