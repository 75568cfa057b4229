import { Template } from '@huggingface/jinja'
import { TemplateError } from './errors'
import type { ChosenTemplate } from './templates'
import type { ChatMessage } from './types'

/**
 * A chat template parsed once, rendered with the variables transformers' apply_chat_template
 * passes: messages, add_generation_prompt and the special tokens (bos_token, eos_token ...).
 */
export class ChatRenderer {
  private readonly template: Template

  constructor(
    readonly chosen: ChosenTemplate,
    private readonly specialTokens: Record<string, string>,
    private readonly addBos: boolean,
  ) {
    try {
      this.template = new Template(chosen.source)
    } catch (error) {
      throw new TemplateError(`the ${chosen.name} chat template does not parse: ${(error as Error).message}`)
    }
  }

  get eosToken(): string | null {
    return this.specialTokens.eos_token ?? null
  }

  get bosToken(): string | null {
    return this.addBos ? (this.specialTokens.bos_token ?? null) : null
  }

  render(messages: ChatMessage[], addGenerationPrompt: boolean): string {
    try {
      return this.template.render({
        ...this.specialTokens,
        messages,
        add_generation_prompt: addGenerationPrompt,
        add_bos: this.addBos,
      })
    } catch (error) {
      throw new TemplateError(`the ${this.chosen.name} chat template failed: ${(error as Error).message}`)
    }
  }
}
