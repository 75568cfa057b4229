// One import in a fresh process, so its peak resident memory is the import's alone.
// Usage: data-import-child.ts FILE CACHE_DIR [MODEL_DIR]; prints one JSON line.
import { importDataset, loadTokenizerBundle } from '../data'

const [path, cacheDir, modelDir] = process.argv.slice(2)
const baselineRssMb = process.memoryUsage().rss / 2 ** 20
const bundle = modelDir ? loadTokenizerBundle(modelDir) : null
const started = performance.now()
const report = await importDataset({
  path,
  onError: 'skip',
  template: 'auto',
  trainOnPrompt: false,
  tokenization: bundle ? { bundle, maxLength: null, cacheDir } : null,
  split: { kind: 'none' },
})
const seconds = (performance.now() - started) / 1000
process.stdout.write(
  `${JSON.stringify({
    seconds,
    rows: report.counts.rows,
    examples: report.counts.examples,
    tokens: report.stats.tokens?.total ?? 0,
    baselineRssMb,
    // maxRSS is in kilobytes.
    peakRssMb: process.resourceUsage().maxRSS / 1024,
  })}\n`,
)
