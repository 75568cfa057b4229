import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parseRunConfig, readRunConfigFile, RunConfigError } from '../../../main/config/run-config-file'

function problemsOf(text: string): RunConfigError['problems'] {
  try {
    parseRunConfig(text, 'run.yaml')
  } catch (error) {
    expect(error).toBeInstanceOf(RunConfigError)
    return (error as RunConfigError).problems
  }
  throw new Error('expected the configuration to be refused')
}

describe('run configuration', () => {
  it('fills every default of docs/DESIGN.md from a minimal file', () => {
    const config = parseRunConfig('model: ./m\ndata: { train: t.jsonl }\nadapter: { method: mov }\n', 'run.yaml')
    expect(config.adapter).toEqual({ method: 'mov', experts: 10, top_k: null, renormalize: false, load_balancing_coefficient: 0, init_std: 0.02, sites: null, init: null })
    expect(config.train).toMatchObject({ optimizer: 'adamw', lr: 3e-4, schedule: 'constant', batch_size: 8, grad_accum: 1, max_steps: 1000, max_grad_norm: 1, seed: 42 })
    expect(config.data).toMatchObject({ format: 'auto', max_length: 512, train_on_prompt: false, shuffle: true })
    expect(config.device).toBe('auto')
  })

  it('reads model as a folder (the shorthand) or { path, quantize }, and always gives { path, quantize }', () => {
    const rest = 'data: { train: t.jsonl }\nadapter: { method: mov }\n'
    expect(parseRunConfig(`model: ./m\n${rest}`, 'run.yaml').model).toEqual({ path: './m', quantize: 'none' })
    expect(parseRunConfig(`model: { path: ./m }\n${rest}`, 'run.yaml').model).toEqual({ path: './m', quantize: 'none' })
    expect(parseRunConfig(`model:\n  path: ./m\n  quantize: int4\n${rest}`, 'run.yaml').model).toEqual({ path: './m', quantize: 'int4' })
    expect(parseRunConfig(JSON.stringify({ model: { path: 'm', quantize: 'int8' }, data: { train: 't.jsonl' }, adapter: { method: 'mov' } }), 'run.json').model).toEqual({ path: 'm', quantize: 'int8' })
  })

  it('refuses a model field it cannot use, naming the field and its line', () => {
    const rest = 'data: { train: t.jsonl }\nadapter: { method: mov }\n'
    expect(problemsOf(`model:\n  path: ./m\n  bits: 4\n${rest}`)).toEqual([{ line: 3, field: 'model.bits', message: expect.stringContaining('unknown field') }])
    expect(problemsOf(`model:\n  path: ./m\n  quantize: int3\n${rest}`)).toEqual([{ line: 3, field: 'model.quantize', message: expect.stringMatching(/none.*int8.*int4/) }])
    expect(problemsOf(`model: ''\n${rest}`)).toEqual([{ line: 1, field: 'model', message: 'give a model folder' }])
    expect(problemsOf(`model: { quantize: int4 }\n${rest}`)).toEqual([{ line: 1, field: 'model.path', message: expect.any(String) }])
    expect(problemsOf(`model: 4\n${rest}`)).toEqual([{ line: 1, field: 'model', message: 'give a model folder, or { path: FOLDER, quantize: none | int8 | int4 }' }])
  })

  it('accepts JSON, which is YAML', () => {
    const config = parseRunConfig(JSON.stringify({ model: 'm', data: { train: 'a.jsonl', split: 0.1 }, adapter: { method: 'lora', rank: 16 } }), 'run.json')
    expect(config.adapter).toMatchObject({ method: 'lora', rank: 16, alpha: 16, sites: null })
  })

  it('names an unknown field with its line, and the field it likely stands for', () => {
    const problems = problemsOf('model: m\ndata: { train: t.jsonl }\nadapter:\n  method: mov\n  expertz: 30\n')
    expect(problems).toEqual([{ line: 5, field: 'adapter.expertz', message: 'unknown field (did you mean experts?)' }])
    // Nothing near: the adapter's own list of what it knows.
    expect(problemsOf('model: m\ndata: { train: t.jsonl }\nadapter: { method: mov, dropout: 0.1 }\n')).toEqual([
      { line: 3, field: 'adapter.dropout', message: expect.stringMatching(/is not an adapter option \(known: .*experts/) },
    ])
    const rest = 'model: m\ndata: { train: t.jsonl }\nadapter: { method: lora }\n'
    expect(problemsOf(`${rest}train:\n  max_step: 10\n  batchsize: 4\n  gradient-checkpointing: true\n  momentum: 0.9\n`)).toEqual([
      { line: 5, field: 'train.max_step', message: 'unknown field (did you mean max_steps?)' },
      { line: 6, field: 'train.batchsize', message: 'unknown field (did you mean batch_size?)' },
      { line: 7, field: 'train.gradient-checkpointing', message: 'unknown field (did you mean gradient_checkpointing?)' },
      { line: 8, field: 'train.momentum', message: 'unknown field (check its spelling; see docs/DESIGN.md "Run configuration")' },
    ])
    // At the top level, and with another problem beside it.
    expect(problemsOf(`${rest}devise: cpu\ntrain: { lr: fast }\n`)).toEqual(
      expect.arrayContaining([{ line: 4, field: 'devise', message: 'unknown field (did you mean device?)' }, { line: 5, field: 'train.lr', message: expect.any(String) }]),
    )
  })

  it("names our field for another tool's name of it (Hugging Face Trainer and PEFT, axolotl, LLaMA-Factory)", () => {
    const problems = problemsOf('model: m\ndata: { train: t.jsonl, cutoff_len: 1024 }\nadapter: { method: lora, r: 8, lora_alpha: 16 }\ntrain: { learning_rate: 0.001, num_train_epochs: 3, gradient_accumulation_steps: 4 }\n')
    expect(problems.map((p) => `${p.field}: ${p.message}`).sort()).toEqual([
      'adapter.lora_alpha: unknown field (did you mean alpha?)',
      'adapter.r: unknown field (did you mean rank?)',
      'data.cutoff_len: unknown field (did you mean max_length?)',
      'train.gradient_accumulation_steps: unknown field (did you mean grad_accum?)',
      'train.learning_rate: unknown field (did you mean lr?)',
      'train.num_train_epochs: unknown field (did you mean epochs?)',
    ])
  })

  it('names a field of the wrong type with its line', () => {
    const problems = problemsOf('model: m\ndata: { train: t.jsonl }\nadapter: { method: mov }\ntrain:\n  lr: fast\n')
    expect(problems).toHaveLength(1)
    expect(problems[0]).toMatchObject({ line: 5, field: 'train.lr' })
  })

  it('reports every problem at once, including cross-field rules', () => {
    const problems = problemsOf('model: m\ndata: { train: t.jsonl, validation: v.jsonl, split: 0.1 }\nadapter: { method: mov, experts: 4, top_k: 6 }\ntrain: { lr: -1 }\n')
    expect(problems.map((p) => p.field).sort()).toEqual(['adapter.top_k', 'data.split', 'train.lr'])
    // zod checks top_k against experts only once every adapter field parses, so a bad site comes first
    const sites = problemsOf('model: m\ndata: { train: t.jsonl }\nadapter:\n  method: mov\n  sites: [k, q]\n')
    expect(sites).toEqual([{ line: 5, field: 'adapter.sites.1', message: expect.stringMatching(/must be one of k, v, ffn/) }])
  })

  it('refuses an unknown method, listing the known ones', () => {
    const [problem] = problemsOf('model: m\ndata: { train: t.jsonl }\nadapter: { method: prefix }\n')
    expect(problem.field).toBe('adapter.method')
    expect(problem.message).toMatch(/ia3, mov, lora, molora/)
  })

  it('gives the line of a YAML syntax error', () => {
    const problems = problemsOf('model: m\ndata: [\n')
    expect(problems[0].line).toBeGreaterThanOrEqual(2)
  })

  it('refuses an alias bomb with a message naming the file, and still reads a few aliases', () => {
    const levels = ['a: &a [x, x, x, x, x, x, x, x, x]', ...'bcdefg'.split('').map((name, i) => `${name}: &${name} [${new Array(9).fill(`*${'abcdefg'[i]}`).join(', ')}]`)]
    let refused: unknown
    try {
      parseRunConfig(`${levels.join('\n')}\n`, 'bomb.yaml')
    } catch (error) {
      refused = error
    }
    expect(refused).toBeInstanceOf(RunConfigError)
    expect((refused as Error).message).toMatch(/^bomb\.yaml: invalid run configuration\n {2}its aliases \(\*name\) expand to more than 100 copies/)

    const aliased = parseRunConfig('model: m\ndata: { train: &file t.jsonl, validation: *file }\nadapter: { method: mov }\n', 'run.yaml')
    expect(aliased.data).toMatchObject({ train: 't.jsonl', validation: 't.jsonl' })
  })

  it('refuses a file that is not YAML or JSON by extension', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ms-config-'))
    try {
      const path = join(dir, 'run.txt')
      writeFileSync(path, 'model: m\n')
      expect(() => readRunConfigFile(path)).toThrow(/\.yaml, \.yml or \.json/)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
