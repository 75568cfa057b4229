import type { DatasetDetail, DatasetPreview, DatasetSummary, ModelSummary } from '../../main/contract'

type PreviewRow = DatasetPreview['rows'][number]

export function goodRow(line: number, prompt = `q${line}`, completion = `a${line}`): PreviewRow {
  const text = `<|im_start|>user\n${prompt}<|im_end|>\n<|im_start|>assistant\n${completion}<|im_end|>\n`
  const start = text.indexOf(completion)
  return {
    line,
    raw: { question: prompt, answer: completion, short: completion.slice(0, 1) },
    problem: null,
    rendered: { text, spans: [{ start: 0, end: start, trained: false }, { start, end: text.length, trained: true }] },
    tokens: null,
    boundaryMerges: 0,
  }
}

export function badRow(line: number, reason: string): PreviewRow {
  return { line, raw: null, problem: reason, rendered: null, tokens: null, boundaryMerges: 0 }
}

export function preview(overrides: Partial<DatasetPreview> = {}): DatasetPreview {
  return {
    source: { path: '/data/train.jsonl', fileType: 'jsonl', encoding: 'utf-8', sizeBytes: 2048 },
    detection: {
      format: 'prompt-completion',
      mapping: { prompt: 'question', completion: 'answer' },
      columns: ['question', 'answer', 'short'],
      reason: 'columns "question", "answer" fit the prompt-completion format',
    },
    format: 'prompt-completion',
    mapping: { prompt: 'question', completion: 'answer' },
    mappingProblem: null,
    template: { name: 'chatml', hash: 'abc' },
    rows: [goodRow(1), goodRow(2), badRow(3, 'bad JSON: unexpected end'), goodRow(4)],
    tokenLengths: null,
    ...overrides,
  }
}

export function summary(id: string, overrides: Partial<DatasetSummary> = {}): DatasetSummary {
  return {
    id, name: `${id}.jsonl`, path: `/data/${id}.jsonl`, fileType: 'jsonl', format: 'prompt-completion',
    numExamples: 10, numSkipped: 0, numTrain: 9, numValidation: 1, validationDatasetId: null,
    sizeBytes: 1000, createdAt: '2025-01-01T10:00:00.000Z', ...overrides,
  }
}

export function detail(id: string, overrides: Partial<DatasetDetail> = {}): DatasetDetail {
  const lengths = { unit: 'characters' as const, count: 10, total: 800, min: 70, max: 90, mean: 80, p50: 80, p90: 88, p99: 90, histogram: [] }
  return {
    ...summary(id),
    numRuns: 0,
    encoding: 'utf-8',
    contentHash: 'f'.repeat(64),
    mapping: { prompt: 'question', completion: 'answer' },
    options: { template: 'auto', trainOnPrompt: false, onError: 'skip', model: null },
    report: {
      counts: { rows: 11, examples: 10, skipped: 1, blankLines: 0, train: 9, validation: 1 },
      detection: { format: 'prompt-completion', columns: ['question', 'answer'], reason: 'fits' },
      template: { name: 'chatml', hash: 'abc' },
      problems: [{ file: `/data/${id}.jsonl`, line: 3, reason: 'bad JSON' }],
      problemsNotListed: 0,
      problemsFile: null,
      warnings: [],
      stats: { characters: lengths, tokens: null, trainedTokens: null },
      seconds: 0.1,
    },
    caches: [],
    ...overrides,
  }
}

export function modelSummary(id: string, overrides: Partial<ModelSummary> = {}): ModelSummary {
  return {
    id, name: `model-${id}`, path: `/models/${id}`, architecture: 'Qwen2ForCausalLM', modelType: 'qwen2',
    parameterCount: 494_032_768, dtype: 'bfloat16', sizeBytes: 988_097_824, contextLength: 32768, vocabSize: 151936,
    hasChatTemplate: true, createdAt: '2025-01-01T10:00:00.000Z', ...overrides,
  }
}
