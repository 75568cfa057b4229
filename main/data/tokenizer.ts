import { createHash } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Tokenizer } from '@huggingface/tokenizers'

/** A model's tokenizer with what rendering needs from its tokenizer_config.json. */
export interface TokenizerBundle {
  dir: string
  tokenizer: Tokenizer
  /** sha256 over tokenizer.json and tokenizer_config.json: part of every tokenized-cache key. */
  hash: string
  /** The model's own chat template, if it ships one. */
  chatTemplate: string | null
  /** bos_token, eos_token, pad_token, unk_token as strings (what templates see). */
  specialTokens: Record<string, string>
  /** tokenizer_config.json's add_bos_token: built-in templates then start with BOS. */
  addBosToken: boolean
}

export class TokenizerLoadError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'TokenizerLoadError'
  }
}

const SPECIAL_TOKEN_KEYS = ['bos_token', 'eos_token', 'pad_token', 'unk_token'] as const

/** Loads tokenizer.json + tokenizer_config.json (+ chat_template.jinja/.json) from a model folder. */
export function loadTokenizerBundle(dir: string): TokenizerBundle {
  const tokenizerPath = join(dir, 'tokenizer.json')
  if (!existsSync(tokenizerPath)) {
    throw new TokenizerLoadError(
      `${dir} has no tokenizer.json. Mixture Studio needs the "fast" tokenizer file; ` +
        `save it from Python with AutoTokenizer.from_pretrained(...).save_pretrained(folder)`,
    )
  }
  const configPath = join(dir, 'tokenizer_config.json')
  const tokenizerBytes = readFileSync(tokenizerPath)
  const configBytes = existsSync(configPath) ? readFileSync(configPath) : Buffer.from('{}')
  const tokenizerJson = parseJson(tokenizerPath, tokenizerBytes)
  const config = parseJson(configPath, configBytes)

  const specialTokens: Record<string, string> = {}
  for (const key of SPECIAL_TOKEN_KEYS) {
    const token = tokenString(config[key])
    if (token !== null) specialTokens[key] = token
  }
  let tokenizer: Tokenizer
  try {
    tokenizer = new Tokenizer(tokenizerJson, config)
  } catch (error) {
    throw new TokenizerLoadError(`${tokenizerPath}: cannot build the tokenizer: ${(error as Error).message}`)
  }
  return {
    dir,
    tokenizer,
    hash: createHash('sha256').update(tokenizerBytes).update('\0').update(configBytes).digest('hex'),
    chatTemplate: readChatTemplate(dir, config),
    specialTokens,
    addBosToken: config.add_bos_token === true,
  }
}

/** Special tokens are written as a string or as an AddedToken object `{ content: ... }`. */
function tokenString(value: unknown): string | null {
  if (typeof value === 'string') return value
  if (value && typeof value === 'object' && typeof (value as { content?: unknown }).content === 'string') {
    return (value as { content: string }).content
  }
  return null
}

/** tokenizer_config.json's chat_template (a string, or named templates: "default" is used), or the separate files newer models ship. */
function readChatTemplate(dir: string, config: Record<string, unknown>): string | null {
  const jinjaPath = join(dir, 'chat_template.jinja')
  if (existsSync(jinjaPath)) return readFileSync(jinjaPath, 'utf8')
  const jsonPath = join(dir, 'chat_template.json')
  if (existsSync(jsonPath)) {
    const template = (parseJson(jsonPath, readFileSync(jsonPath)) as { chat_template?: unknown }).chat_template
    if (typeof template === 'string') return template
  }
  const template = config.chat_template
  if (typeof template === 'string') return template
  if (Array.isArray(template)) {
    const named = template as { name?: string; template?: string }[]
    return (named.find((t) => t.name === 'default') ?? named[0])?.template ?? null
  }
  return null
}

function parseJson(path: string, bytes: Buffer): Record<string, unknown> {
  try {
    return JSON.parse(bytes.toString('utf8')) as Record<string, unknown>
  } catch (error) {
    throw new TokenizerLoadError(`${path}: not valid JSON (${(error as Error).message})`)
  }
}
