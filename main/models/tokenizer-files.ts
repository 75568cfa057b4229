// Which tokenizer files a model folder has, and whether it carries a chat template.
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { ModelFolderError } from './errors'

export interface TokenizerFiles {
  tokenizerJson: string | null
  tokenizerConfig: string | null
  /** The model ships a chat template (in tokenizer_config.json, or beside it as chat_template.jinja / .json). */
  hasChatTemplate: boolean
}

export function findTokenizerFiles(dir: string, fileNames: readonly string[]): TokenizerFiles {
  const at = (name: string) => (fileNames.includes(name) ? join(dir, name) : null)
  const tokenizerConfig = at('tokenizer_config.json')
  const separateTemplate = ['chat_template.jinja', 'chat_template.json'].some((n) => existsSync(join(dir, n)))
  return {
    tokenizerJson: at('tokenizer.json'),
    tokenizerConfig,
    hasChatTemplate: separateTemplate || (tokenizerConfig !== null && configHasChatTemplate(tokenizerConfig)),
  }
}

function configHasChatTemplate(path: string): boolean {
  let raw: unknown
  try {
    raw = JSON.parse(readFileSync(path, 'utf-8'))
  } catch (e) {
    throw new ModelFolderError(`${path}: not valid JSON (${(e as Error).message})`, path)
  }
  const template = (raw as { chat_template?: unknown } | null)?.chat_template
  // A string, or (several named templates) a list of { name, template }.
  if (typeof template === 'string') return template.trim().length > 0
  return Array.isArray(template) && template.some((t) => typeof (t as { template?: unknown })?.template === 'string')
}
