// Files the e2e imports through the UI, written fresh into a temp folder for each run.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { tsImport } from 'tsx/esm/api'

export function makeWorkDir() {
  const dir = mkdtempSync(join(tmpdir(), 'mixture-studio-e2e-files-'))
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) }
}

const topics = ['the sea', 'a mountain', 'the moon', 'an old tree', 'the rain', 'a quiet town', 'the wind', 'a river']

/**
 * 40 good rows with a question, a long answer and a short one: detection maps the long one,
 * and the test switches the completion to the short one. Lower case and digits only, which
 * is what the tiny test tokenizer knows.
 */
export function writeGoodDataset(dir) {
  const rows = Array.from({ length: 40 }, (_, i) => {
    const topic = topics[i % topics.length]
    const detail = ' and it is calm'.repeat(1 + (i % 5))
    return {
      question: `what is ${topic} like on day ${i}?`,
      answer: `on day ${i}, ${topic} is bright${detail}.`,
      short_answer: `bright ${i}`,
    }
  })
  const path = join(dir, 'questions.jsonl')
  writeFileSync(path, rows.map((row) => JSON.stringify(row)).join('\n') + '\n')
  return { path, rows }
}

/** Prompt/completion rows with three bad ones: line 3 is cut short, 5 lacks its completion, 8 has an empty one. */
export function writeBrokenDataset(dir) {
  const lines = [
    { prompt: 'say one', completion: 'one' },
    { prompt: 'say two', completion: 'two' },
    '{"prompt": "say three", "completion": "thr',
    { prompt: 'say four', completion: 'four' },
    { prompt: 'say five' },
    { prompt: 'say six', completion: 'six' },
    { prompt: 'say seven', completion: 'seven' },
    { prompt: 'say eight', completion: '' },
    { prompt: 'say nine', completion: 'nine' },
  ]
  const path = join(dir, 'broken.jsonl')
  writeFileSync(path, lines.map((line) => (typeof line === 'string' ? line : JSON.stringify(line))).join('\n') + '\n')
  return { path, badLines: [3, 5, 8], goodRows: 6 }
}

/** A tiny random Qwen2-style model folder with a chat template, from the unit tests' generator. */
export async function writeTinyModelFolder(dir, repoRoot) {
  const { writeTinyModel } = await tsImport(join(repoRoot, 'tests/helpers/tiny-models.ts'), import.meta.url)
  const modelDir = join(dir, 'tiny-qwen2')
  // A context of 512 tokens, as small real models have at least: New run's default Max length (512)
  // fits it, as Start's check of max_length against the context requires (the unit tests' 128 would not).
  writeTinyModel(modelDir, 'qwen2', { config: { max_position_embeddings: 512 } })
  return modelDir
}
