import { execFile } from 'node:child_process'
import { createWriteStream, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { buildByteLevelTokenizer } from '../demo/byte-level-tokenizer'
import { QWEN_LIKE_TEMPLATE } from './data-template'
import { median } from './timing'

/**
 * docs/BENCHMARKS.md "Data": import throughput, tokenisation throughput and peak memory.
 * Each figure comes from a fresh process per repetition (median reported), so that peak RSS
 * is the import's own. Memory is measured at the full size and at a quarter of it: bounded
 * memory means `import_peak_rss_growth_mb` (full − quarter) stays near zero.
 */
export interface DataBenchOptions {
  /** Size of the generated JSONL for import and memory (docs/BENCHMARKS.md: 500). */
  sizeMb: number
  /** Size of the file tokenised (tokenisation is far slower than reading). */
  tokenizeMb: number
  reps: number
}

export interface DataBenchFigures {
  bench: 'data'
  size_mb: number
  import_mb_per_s: number
  import_rows_per_s: number
  tokenize_mb: number
  tokenize_tokens_per_s: number
  tokenize_rows_per_s: number
  import_peak_rss_mb: number
  import_peak_rss_quarter_size_mb: number
  import_peak_rss_growth_mb: number
  baseline_rss_mb: number
}

interface ChildResult {
  seconds: number
  rows: number
  examples: number
  tokens: number
  baselineRssMb: number
  peakRssMb: number
}

export async function dataBench(options: DataBenchOptions): Promise<DataBenchFigures> {
  const dir = mkdtempSync(join(tmpdir(), 'ms-bench-data-'))
  try {
    const big = join(dir, 'big.jsonl')
    const quarter = join(dir, 'quarter.jsonl')
    const small = join(dir, 'tokenize.jsonl')
    await generateJsonl(big, options.sizeMb)
    await generateJsonl(quarter, options.sizeMb / 4)
    await generateJsonl(small, options.tokenizeMb)
    const modelDir = join(dir, 'model')
    writeTinyModel(modelDir)
    const cacheDir = join(dir, 'cache')
    mkdirSync(cacheDir)

    const runs = async (file: string, model?: string) => {
      const results: ChildResult[] = []
      for (let i = 0; i < options.reps; i++) {
        results.push(await runChild(file, cacheDir, model))
        rmSync(cacheDir, { recursive: true, force: true })
        mkdirSync(cacheDir)
      }
      return results
    }
    const importRuns = await runs(big)
    const quarterRuns = await runs(quarter)
    const tokenizeRuns = await runs(small, modelDir)
    const sizeMb = statSync(big).size / 2 ** 20
    const tokenizeMb = statSync(small).size / 2 ** 20
    const importSeconds = median(importRuns.map((r) => r.seconds))
    const tokenizeSeconds = median(tokenizeRuns.map((r) => r.seconds))
    const peak = median(importRuns.map((r) => r.peakRssMb))
    const peakQuarter = median(quarterRuns.map((r) => r.peakRssMb))
    return {
      bench: 'data',
      size_mb: sizeMb,
      import_mb_per_s: sizeMb / importSeconds,
      import_rows_per_s: importRuns[0].rows / importSeconds,
      tokenize_mb: tokenizeMb,
      tokenize_tokens_per_s: tokenizeRuns[0].tokens / tokenizeSeconds,
      tokenize_rows_per_s: tokenizeRuns[0].rows / tokenizeSeconds,
      import_peak_rss_mb: peak,
      import_peak_rss_quarter_size_mb: peakQuarter,
      import_peak_rss_growth_mb: peak - peakQuarter,
      baseline_rss_mb: median(importRuns.map((r) => r.baselineRssMb)),
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}


const childPath = fileURLToPath(new URL('./data-import-child.ts', import.meta.url))

function runChild(file: string, cacheDir: string, modelDir?: string): Promise<ChildResult> {
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href
  const args = ['--import', tsx, childPath, file, cacheDir, ...(modelDir ? [modelDir] : [])]
  return new Promise((resolve, reject) => {
    execFile(process.execPath, args, { maxBuffer: 1 << 20 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`data bench child failed: ${error.message}\n${stderr}`))
      else resolve(JSON.parse(stdout.trim().split('\n').pop() as string) as ChildResult)
    })
  })
}

/** Chat rows of varied length (about 0.2–2 KB), half with a system prompt; deterministic. */
export async function generateJsonl(path: string, sizeMb: number): Promise<void> {
  const target = Math.round(sizeMb * 2 ** 20)
  const words = 'the quick brown fox jumps over a lazy dog while data flows through every shape of file and model'.split(' ')
  let seed = 1
  const random = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32
  const sentence = (n: number) => Array.from({ length: n }, () => words[Math.floor(random() * words.length)]).join(' ')
  const out = createWriteStream(path)
  let written = 0
  for (let i = 0; written < target; i++) {
    const messages = [
      ...(i % 2 === 0 ? [{ role: 'system', content: 'You are a helpful assistant.' }] : []),
      { role: 'user', content: sentence(5 + Math.floor(random() * 40)) },
      { role: 'assistant', content: sentence(10 + Math.floor(random() * 250)) },
    ]
    const line = `${JSON.stringify({ messages })}\n`
    written += Buffer.byteLength(line)
    if (!out.write(line)) await new Promise<void>((resolve) => out.once('drain', () => resolve()))
  }
  await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())))
}

function writeTinyModel(dir: string): void {
  mkdirSync(dir, { recursive: true })
  const { tokenizerJson } = buildByteLevelTokenizer({ specialTokens: ['<|endoftext|>', '<|im_start|>', '<|im_end|>'] })
  writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(tokenizerJson))
  writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify({ eos_token: '<|im_end|>', chat_template: QWEN_LIKE_TEMPLATE }))
}
