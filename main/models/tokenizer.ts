// A model's tokenizer for inference: @huggingface/tokenizers from tokenizer.json (+ the special
// tokens of tokenizer_config.json), and the model's chat template rendered with @huggingface/jinja.
// Loading and template rendering are main/data's (the same code prepares training data), so a
// prompt is tokenized here exactly as training saw it.
import type { Tokenizer } from '@huggingface/tokenizers'
import { ChatRenderer, chooseTemplate, loadTokenizerBundle, type TokenizerBundle } from '../data'
import type { ChatMessage } from '../data'

export class ModelTokenizer {
  private renderer: ChatRenderer | null = null

  private constructor(readonly bundle: TokenizerBundle) {}

  static load(dir: string): ModelTokenizer {
    return new ModelTokenizer(loadTokenizerBundle(dir))
  }

  get tokenizer(): Tokenizer {
    return this.bundle.tokenizer
  }

  get hasChatTemplate(): boolean {
    return this.bundle.chatTemplate !== null
  }

  /** Token ids of text; with special tokens the tokenizer's post-processor adds BOS / EOS as the model expects. */
  encode(text: string, addSpecialTokens: boolean): number[] {
    return this.bundle.tokenizer.encode(text, { add_special_tokens: addSpecialTokens }).ids
  }

  decode(ids: readonly number[], skipSpecialTokens = true): string {
    return this.bundle.tokenizer.decode([...ids], { skip_special_tokens: skipSpecialTokens })
  }

  /** The id of a special token named in tokenizer_config.json ("eos_token" ...), or null. */
  specialTokenId(key: 'bos_token' | 'eos_token' | 'pad_token' | 'unk_token'): number | null {
    const token = this.bundle.specialTokens[key]
    return token === undefined ? null : (this.bundle.tokenizer.token_to_id(token) ?? null)
  }

  /** The model's own chat template applied to messages (throws a TemplateError naming the fix when there is none). */
  renderChat(messages: ChatMessage[], addGenerationPrompt: boolean): string {
    this.renderer ??= new ChatRenderer(chooseTemplate('model', this.bundle), this.bundle.specialTokens, this.bundle.addBosToken)
    return this.renderer.render(messages, addGenerationPrompt)
  }

  /** Prompt ids for generation: chat-rendered with the generation prompt (no extra specials), or plain text with them. */
  promptIds(prompt: string, chat: boolean): number[] {
    return chat ? this.encode(this.renderChat([{ role: 'user', content: prompt }], true), false) : this.encode(prompt, true)
  }
}
