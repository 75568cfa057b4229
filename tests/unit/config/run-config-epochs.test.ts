// train.epochs, train.early_stopping and the eval section: what a configuration may say, and
// the errors (field and line) when it says something a run cannot do.
import { describe, expect, it } from 'vitest'
import { parseRunConfig, RunConfigError } from '../../../main/config/run-config-file'
import { RunConfig } from '../../../main/contract/run-config'

const HEAD = 'model: m\ndata: { train: t.jsonl }\nadapter: { method: mov }\n'

function problemsOf(text: string): RunConfigError['problems'] {
  try {
    parseRunConfig(text, 'run.yaml')
  } catch (error) {
    expect(error).toBeInstanceOf(RunConfigError)
    return (error as RunConfigError).problems
  }
  throw new Error('expected the configuration to be refused')
}

describe('train.epochs', () => {
  it('leaves max_steps unset so the step count comes from the data', () => {
    const config = parseRunConfig(`${HEAD}train: { epochs: 2.5 }\n`, 'run.yaml')
    expect(config.train).toMatchObject({ epochs: 2.5, max_steps: null })
  })

  it('trains 1000 steps when neither max_steps nor epochs is given, as before epochs existed', () => {
    expect(parseRunConfig(HEAD, 'run.yaml').train).toMatchObject({ max_steps: 1000, epochs: null, early_stopping: null })
  })

  it('refuses max_steps and epochs together, naming both', () => {
    const problems = problemsOf(`${HEAD}train:\n  max_steps: 100\n  epochs: 3\n`)
    expect(problems).toEqual([{ line: expect.any(Number), field: 'train.epochs', message: expect.stringMatching(/train\.max_steps or train\.epochs, not both/) }])
  })

  it('parses its own output again unchanged (a stored configuration)', () => {
    for (const text of [HEAD, `${HEAD}train: { epochs: 3 }\n`]) {
      const once = parseRunConfig(text, 'run.yaml')
      expect(RunConfig.parse(JSON.parse(JSON.stringify(once)))).toEqual(once)
    }
  })

  it('reads a configuration stored before epochs, early stopping and eval existed', () => {
    const stored = { model: 'm', data: { train: 't.jsonl', validation: null, split: null, format: 'auto', mapping: {}, max_length: 512, train_on_prompt: false, shuffle: true, packing: false },
      adapter: { method: 'ia3', sites: null, init: null },
      train: { optimizer: 'adamw', lr: 3e-4, weight_decay: 0, schedule: 'constant', warmup_steps: 0, batch_size: 8, grad_accum: 1, max_steps: 200, max_grad_norm: 1, seed: 42, eval_every: 100, save_every: 200, precision: 'auto' },
      device: 'auto' }
    const config = RunConfig.parse(stored)
    expect(config.train).toMatchObject({ max_steps: 200, epochs: null, early_stopping: null })
    expect(config.eval).toEqual({ sets: [], prompts: [], max_new_tokens: 48, length_normalize: false })
  })
})

describe('train.early_stopping', () => {
  it('watches an accuracy of one of eval.sets', () => {
    const config = parseRunConfig(`${HEAD}eval: { sets: [{ name: arc, data: arc.jsonl }] }\ntrain: { early_stopping: { metric: accuracy.arc, patience: 3 } }\n`, 'run.yaml')
    expect(config.train.early_stopping).toEqual({ metric: 'accuracy.arc', patience: 3, min_delta: 0 })
  })

  it('refuses an accuracy of a set eval.sets does not have, listing the sets', () => {
    const problems = problemsOf(`${HEAD}eval: { sets: [{ name: arc, data: arc.jsonl }] }\ntrain:\n  early_stopping: { metric: accuracy.boolq, patience: 3 }\n`)
    expect(problems).toEqual([{ line: 6, field: 'train.early_stopping.metric', message: expect.stringMatching(/accuracy\.boolq names no eval set: eval\.sets has arc/) }])
  })

  it('refuses eval_loss without validation data', () => {
    const problems = problemsOf(`${HEAD}train: { early_stopping: { metric: eval_loss, patience: 2 } }\n`)
    expect(problems[0]).toMatchObject({ field: 'train.early_stopping.metric', message: expect.stringMatching(/needs validation data: set data\.validation or data\.split/) })
    const split = parseRunConfig('model: m\ndata: { train: t.jsonl, split: 0.1 }\nadapter: { method: mov }\ntrain: { early_stopping: { metric: eval_loss, patience: 2, min_delta: 0.01 } }\n', 'run.yaml')
    expect(split.train.early_stopping).toEqual({ metric: 'eval_loss', patience: 2, min_delta: 0.01 })
  })

  it('refuses a metric it cannot watch, a patience below 1 and a negative min_delta', () => {
    expect(problemsOf(`${HEAD}train: { early_stopping: { metric: loss, patience: 2 } }\n`)[0]).toMatchObject({ field: 'train.early_stopping.metric', message: expect.stringMatching(/eval_loss or accuracy\.<name of an eval set>/) })
    expect(problemsOf(`${HEAD}train: { early_stopping: { metric: eval_loss, patience: 0 } }\n`)[0].field).toBe('train.early_stopping.patience')
    expect(problemsOf(`${HEAD}train: { early_stopping: { metric: eval_loss, patience: 1, min_delta: -1 } }\n`)[0].field).toBe('train.early_stopping.min_delta')
    expect(problemsOf(`${HEAD}train: { early_stopping: { metric: eval_loss, patience: 1, wait: 2 } }\n`)[0].field).toBe('train.early_stopping.wait')
  })
})

describe('the eval section', () => {
  it('refuses two sets of one name, a name unfit for a metric, and more than 20 prompts', () => {
    expect(problemsOf(`${HEAD}eval: { sets: [{ name: arc, data: a.jsonl }, { name: arc, data: b.jsonl }] }\n`)[0]).toMatchObject({ field: 'eval.sets', message: expect.stringMatching(/arc is named twice/) })
    expect(problemsOf(`${HEAD}eval: { sets: [{ name: 'my set', data: a.jsonl }] }\n`)[0]).toMatchObject({ field: 'eval.sets.0.name', message: expect.stringMatching(/letters, digits/) })
    const prompts = Array.from({ length: 21 }, (_, i) => `q${i}`).join(', ')
    expect(problemsOf(`${HEAD}eval: { prompts: [${prompts}] }\n`)[0]).toMatchObject({ field: 'eval.prompts', message: expect.stringMatching(/at most 20/) })
    expect(problemsOf(`${HEAD}eval: { max_new_tokens: 513 }\n`)[0].field).toBe('eval.max_new_tokens')
    expect(problemsOf(`${HEAD}eval: { sets: [], extra: 1 }\n`)[0].field).toBe('eval.extra')
  })
})
