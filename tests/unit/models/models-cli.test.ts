// `mixture-studio models`, `eval` and `generate` end to end, in-process, over a temp data dir.
import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { openStore } from '../../../main/store'
import { runCli } from '../../helpers/cli-in-process'
import { makeTempDir } from '../../helpers/temp-dir'
import { writeTinyModel, type TinyArch, type TinyModelOptions } from '../../helpers/tiny-models'

let temp: ReturnType<typeof makeTempDir>
beforeEach(() => (temp = makeTempDir()))
afterEach(() => temp.remove())

async function cli(...argv: string[]) {
  const result = await runCli(argv, { home: join(temp.dir, 'home') })
  const parse = (line: string) => {
    try {
      return JSON.parse(line) as Record<string, unknown>
    } catch {
      return {} // a human-readable line; tests of --json read `lines`
    }
  }
  return { ...result, lines: result.stdout.trim().split('\n').filter(Boolean).map(parse) }
}

function tiny(arch: TinyArch, name: string = arch, options: TinyModelOptions = {}) {
  return writeTinyModel(join(temp.dir, name), arch, options)
}

function registeredModels(): number {
  const store = openStore(join(temp.dir, 'home'))
  try {
    return store.catalog.listModels().length
  } finally {
    store.close()
  }
}

describe('mixture-studio models', () => {
  it('imports, lists, shows and removes a model folder', async () => {
    const qwen = tiny('qwen2', 'qwen', { dtype: 'bfloat16' })
    const imported = await cli('models', 'import', qwen.dir, '--json')
    expect(imported.code).toBe(0)
    const detail = imported.lines[0]
    expect(detail).toMatchObject({
      name: 'qwen', path: qwen.dir, architecture: 'Qwen2ForCausalLM', modelType: 'qwen2', dtype: 'bfloat16', contextLength: 128,
      vocabSize: qwen.config.vocab_size, hasChatTemplate: true, family: 'llama', kvHeads: 2, hasTokenizer: true,
    })
    // Parameters the model uses, the tied embedding once.
    expect(detail.parameterCount).toBe(qwen.tensors.reduce((n, t) => n + t.values.length, 0))
    expect(detail.sizeBytes).toBe(readFileSync(qwen.weightFiles[0]).byteLength)

    const t5 = await cli('models', 'import', tiny('t5').dir, '--name', 'flan-tiny')
    expect(t5.code).toBe(0)
    expect(t5.stdout).toMatch(/architecture\s+T5ForConditionalGeneration/)
    expect(t5.stdout).toMatch(/context\s+512/)

    const list = await cli('models', 'list', '--json')
    expect(list.lines.map((m) => m.name).sort()).toEqual(['flan-tiny', 'qwen'])
    const table = await cli('models', 'list')
    expect(table.stdout).toMatch(/^ID\s+NAME\s+ARCHITECTURE\s+PARAMS\s+DTYPE\s+SIZE\s+CONTEXT\s+VOCAB\s+CHAT/)

    const shown = await cli('models', 'show', String(detail.id), '--json')
    expect(shown.lines[0]).toEqual(detail)
    const again = await cli('models', 'import', qwen.dir)
    expect(again.code).toBe(1)
    expect(again.stderr).toContain(`already registered as model ${detail.id}`)

    expect((await cli('models', 'remove', String(detail.id))).code).toBe(0)
    expect(registeredModels()).toBe(1)
    const gone = await cli('models', 'show', String(detail.id))
    expect(gone.code).toBe(1)
    expect(gone.stderr).toMatch(/no model with id/)
  })

  it('refuses unusable folders with a clear message and registers nothing', async () => {
    // Pickle weights only: never opened, with the conversion command.
    const pickled = join(temp.dir, 'pickled')
    tiny('llama', 'pickled')
    writeFileSync(join(pickled, 'pytorch_model.bin'), 'not really a pickle')
    rmSync(join(pickled, 'model.safetensors'))
    const pickle = await cli('models', 'import', pickled)
    expect(pickle.code).toBe(1)
    expect(pickle.stderr).toMatch(/pickle format \(pytorch_model\.bin\)/)
    expect(pickle.stderr).toMatch(/save_pretrained\(o, safe_serialization=True\)/)
    expect(pickle.stderr).not.toMatch(/at .*\.ts:\d+/) // a message, not a stack trace

    // A truncated safetensors file.
    const corrupt = tiny('gpt2', 'corrupt')
    const bytes = readFileSync(corrupt.weightFiles[0])
    writeFileSync(corrupt.weightFiles[0], bytes.subarray(0, bytes.byteLength - 100))
    const truncated = await cli('models', 'import', corrupt.dir, '--json')
    expect(truncated.code).toBe(1)
    expect(String(truncated.lines[0].message)).toMatch(/model\.safetensors: tensor ".*": data_offsets end \d+ lies past the end of the data/)

    // Not a folder at all.
    const missing = await cli('models', 'import', join(temp.dir, 'nowhere'))
    expect(missing.code).toBe(1)
    expect(missing.stderr).toMatch(/cannot open the model folder \(ENOENT\)/)
    expect(registeredModels()).toBe(0)
  })
})

describe('mixture-studio eval and generate', () => {
  it('eval --json prints one line per example, then the token-mean loss', async () => {
    const model = tiny('llama')
    const data = join(temp.dir, 'val.jsonl')
    writeFileSync(data, [{ prompt: 'the cat', completion: ' sat on the mat' }, { text: 'once upon a time' }].map((r) => JSON.stringify(r)).join('\n'))
    const result = await cli('eval', '--model', model.dir, '--data', data, '--json')
    expect(result.code).toBe(0)
    const [a, b, summary] = result.lines
    expect(a).toMatchObject({ type: 'example', index: 0, line: 1 })
    expect(b).toMatchObject({ type: 'example', index: 1, line: 2 })
    // device auto: no GPU device on a test machine, so the CPU (and the summary says where)
    expect(summary).toMatchObject({ type: 'eval', examples: 2, tokens: Number(a.tokens) + Number(b.tokens), device: 'cpu, float32' })
    expect(summary.loss).toBeCloseTo((Number(a.nll) + Number(b.nll)) / Number(summary.tokens), 6)
    expect(Number(a.nll)).toBeGreaterThan(0)

    const elsewhere = process.platform === 'win32' ? 'cuda' : 'dml'
    const noDevice = await cli('eval', '--model', model.dir, '--data', data, '--json', '--device', elsewhere)
    expect(noDevice.code).toBe(1)
    expect(noDevice.lines[0]).toMatchObject({ type: 'error', message: expect.stringMatching(new RegExp(`^device "${elsewhere}" cannot run this forward pass: ${elsewhere}: `)) })
    const usage = await cli('eval', '--model', model.dir, '--data', data, '--precision', 'fp8')
    expect(usage.code).toBe(2)
    expect(usage.stderr).toMatch(/--precision must be one of auto, fp32, fp16, bf16, not "fp8"/)

    writeFileSync(data, '{"prompt": "x"}\n')
    const bad = await cli('eval', '--model', model.dir, '--data', data, '--json')
    expect(bad.code).toBe(1)
    expect(bad.lines[0]).toEqual({ type: 'error', message: `${data}:1: field "completion" is missing (rows are {"prompt","completion"} or {"text"})` })
  })

  it('generate prints text, stops at max tokens, and refuses bad options', async () => {
    const model = tiny('qwen2', 'chat', { config: { tie_word_embeddings: false } })
    const result = await cli('generate', '--model', model.dir, '--prompt', 'hello there', '--max-tokens', '5', '--chat', '--json')
    expect(result.code).toBe(0)
    const [generation] = result.lines
    expect(generation.type).toBe('generation')
    expect((generation.tokens as number[]).length).toBeLessThanOrEqual(5)
    expect(generation.finish_reason === 'stop' || (generation.tokens as number[]).length === 5).toBe(true)
    expect(typeof generation.text).toBe('string')
    const again = await cli('generate', '--model', model.dir, '--prompt', 'hello there', '--max-tokens', '5', '--chat', '--json', '--device', 'cpu')
    expect(again.lines[0].tokens).toEqual(generation.tokens)
    expect(again.lines[0].device).toBe('cpu, float32')
    const badDevice = await cli('generate', '--model', model.dir, '--prompt', 'x', '--device', 'tpu')
    expect(badDevice.code).toBe(2)
    expect(badDevice.stderr).toContain('--device must be one of auto, cpu, cuda, webgpu, dml, not "tpu"')

    const bad = await cli('generate', '--model', model.dir, '--prompt', 'x', '--top-p', '2')
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain('--top-p must be in (0, 1]')
    const long = await cli('generate', '--model', model.dir, '--prompt', 'x', '--max-tokens', '500')
    expect(long.code).toBe(2)
    expect(long.stderr).toContain("exceeds the model's context length (128); lower --max-tokens to 126 or less")
    // A prompt that fills the context by itself: lowering --max-tokens cannot help, so the message does not ask for it.
    const longPrompt = await cli('generate', '--model', model.dir, '--prompt', 'many words '.repeat(100), '--max-tokens', '1')
    expect(longPrompt.code).toBe(2)
    expect(longPrompt.stderr).toMatch(/^the prompt is \d{3,} tokens and the model's context is 128: shorten the prompt to fewer than 128 tokens/)
    expect(longPrompt.stderr).not.toMatch(/lower --max-tokens/)
    const noTemplate = await cli('generate', '--model', tiny('llama').dir, '--prompt', 'x', '--chat')
    expect(noTemplate.code).toBe(1)
    expect(noTemplate.stderr).toMatch(/has no chat template/)
  })
})
