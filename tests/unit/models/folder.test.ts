import { spawnSync } from 'node:child_process'
import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { inspectModelFolder, ModelFolderError } from '../../../main/models'
import { makeTempDir } from '../../helpers/temp-dir'
import { TINY_ARCHS, writeTinyModel } from '../../helpers/tiny-models'

let tmp: ReturnType<typeof makeTempDir>
beforeEach(() => (tmp = makeTempDir()))
afterEach(() => tmp.remove())

function inspectError(dir: string): ModelFolderError {
  try {
    inspectModelFolder(dir)
  } catch (e) {
    expect(e).toBeInstanceOf(ModelFolderError)
    return e as ModelFolderError
  }
  throw new Error(`expected ${dir} to be refused`)
}

describe('inspectModelFolder on well-formed folders', () => {
  it.each(TINY_ARCHS)('%s: reports architecture, parameters, dtype, size, context, vocab, tokenizer files', (arch) => {
    const model = writeTinyModel(join(tmp.dir, arch), arch)
    const info = inspectModelFolder(model.dir)
    const config = model.config
    expect(info.spec.modelType).toBe(arch)
    expect(info.architecture).toBe((config.architectures as string[])[0])
    // Every generated tensor is a weight the model uses, each counted once.
    expect(info.parameterCount).toBe(model.tensors.reduce((n, t) => n + t.values.length, 0))
    expect(info.dtype).toBe('float32')
    expect(info.sizeOnDisk).toBe(statSync(join(model.dir, 'model.safetensors')).size)
    expect(info.vocabSize).toBe(config.vocab_size)
    expect(info.contextLength).toBe(config.max_position_embeddings ?? config.n_positions)
    expect(info.tokenizer.tokenizerJson).toBe(join(model.dir, 'tokenizer.json'))
    expect(info.tokenizer.hasChatTemplate).toBe(arch === 'qwen2' || arch === 'smollm3')
    expect(info.generationConfig).toBe(join(model.dir, 'generation_config.json'))
    expect(info.weights.indexPath).toBeNull()
    expect(info.notes).toEqual([])
    // Every role resolves to a tensor of the checkpoint, in the file where it lives.
    for (const entry of info.weightMap.entries) expect(info.weights.tensors.get(entry.hfName)?.entry.shape).toEqual(entry.shape)
  })

  it.each(['float16', 'bfloat16'] as const)('reports %s weights and counts their bytes', (dtype) => {
    const model = writeTinyModel(tmp.dir, 'qwen3', { dtype })
    const info = inspectModelFolder(model.dir)
    expect(info.dtype).toBe(dtype)
    expect(info.sizeOnDisk).toBeGreaterThan(2 * info.parameterCount)
    expect(info.sizeOnDisk).toBeLessThan(4 * info.parameterCount)
  })

  it('follows model.safetensors.index.json to the shards', () => {
    const model = writeTinyModel(tmp.dir, 't5', { shards: 3 })
    const info = inspectModelFolder(model.dir)
    expect(info.weights.indexPath).toBe(join(model.dir, 'model.safetensors.index.json'))
    expect(info.weights.files.map((f) => f.path)).toEqual(model.weightFiles)
    expect(info.sizeOnDisk).toBe(model.weightFiles.reduce((n, f) => n + statSync(f).size, 0))
    expect(new Set([...info.weights.tensors.values()].map((t) => t.file.path)).size).toBe(3)
    expect(info.parameterCount).toBe(model.tensors.reduce((n, t) => n + t.values.length, 0))
  })

  it('accepts a bare GPT2Model save (no "transformer." prefix), as in the original gpt2 upload', () => {
    const model = writeTinyModel(tmp.dir, 'gpt2', {
      editTensors: (ts) => ts.map((t) => ({ ...t, name: t.name.replace(/^transformer\./, '') })),
    })
    const info = inspectModelFolder(model.dir)
    expect(info.weightMap.get('decoder', 0, 'qkv').hfName).toBe('h.0.attn.c_attn.weight')
  })

  it('resolves a relative path and tolerates extra tensors (causal-mask buffers)', () => {
    const model = writeTinyModel(tmp.dir, 'gpt2', {
      editTensors: (ts) => [...ts, { name: 'transformer.h.0.attn.masked_bias', shape: [], values: new Float32Array([-1e4]) }],
    })
    const info = inspectModelFolder(join(model.dir, '.', '..', tmp.dir.split('/').pop()!))
    expect(info.dir).toBe(resolve(model.dir))
    expect(info.weights.tensors.has('transformer.h.0.attn.masked_bias')).toBe(true)
  })

  it('sees a chat template stored beside tokenizer_config.json', () => {
    const model = writeTinyModel(tmp.dir, 'llama')
    expect(inspectModelFolder(model.dir).tokenizer.hasChatTemplate).toBe(false)
    writeFileSync(join(model.dir, 'chat_template.jinja'), '{{ messages }}')
    expect(inspectModelFolder(model.dir).tokenizer.hasChatTemplate).toBe(true)
  })

  it('notes a missing tokenizer.json without refusing the folder', () => {
    const model = writeTinyModel(tmp.dir, 'llama')
    rmSync(join(model.dir, 'tokenizer.json'))
    const info = inspectModelFolder(model.dir)
    expect(info.tokenizer.tokenizerJson).toBeNull()
    expect(info.notes.join('\n')).toMatch(/no tokenizer\.json/)
  })
})

describe('inspectModelFolder refusals', () => {
  it('names the index and the missing shard', () => {
    const model = writeTinyModel(tmp.dir, 'llama', { shards: 2 })
    rmSync(model.weightFiles[1])
    const e = inspectError(model.dir)
    expect(e.message).toContain(join(model.dir, 'model.safetensors.index.json'))
    expect(e.message).toMatch(/lists shard "model-00002-of-00002\.safetensors" \(\d+ tensors\), but .* does not exist/)
  })

  it('names the index, the tensor and the shard when a listed tensor is not in its shard', () => {
    const model = writeTinyModel(tmp.dir, 'llama', { shards: 2 })
    const indexPath = join(model.dir, 'model.safetensors.index.json')
    const index = JSON.parse(readFileSync(indexPath, 'utf-8'))
    index.weight_map['model.layers.9.mlp.up_proj.weight'] = 'model-00001-of-00002.safetensors'
    writeFileSync(indexPath, JSON.stringify(index))
    const e = inspectError(model.dir)
    expect(e.message).toContain(`${indexPath} lists tensor "model.layers.9.mlp.up_proj.weight" in model-00001-of-00002.safetensors, but ${model.weightFiles[0]} has no tensor of that name`)
  })

  it('refuses shard names that leave the folder', () => {
    const model = writeTinyModel(tmp.dir, 'gpt2', { shards: 2 })
    const indexPath = join(model.dir, 'model.safetensors.index.json')
    const index = JSON.parse(readFileSync(indexPath, 'utf-8'))
    index.weight_map['transformer.wte.weight'] = '../elsewhere.safetensors'
    writeFileSync(indexPath, JSON.stringify(index))
    expect(inspectError(model.dir).message).toContain('shard "../elsewhere.safetensors" is not a plain file name')
  })

  it('names file, tensor, expected and actual shape on a mismatch', () => {
    const model = writeTinyModel(tmp.dir, 'qwen2', {
      editTensors: (ts) => ts.map((t) => (t.name === 'model.layers.1.self_attn.k_proj.weight' ? { ...t, shape: [32, 16], values: t.values.slice(0, 512) } : t)),
    })
    const e = inspectError(model.dir)
    expect(e.message).toContain(`${join(model.dir, 'model.safetensors')}: tensor "model.layers.1.self_attn.k_proj.weight" has shape [32, 16], expected [16, 32] from config.json`)
  })

  it('lists every missing tensor (here the biases Qwen2 always has, and an untied head)', () => {
    const model = writeTinyModel(tmp.dir, 'qwen2', {
      config: { tie_word_embeddings: false },
      editTensors: (ts) => ts.filter((t) => !t.name.endsWith('q_proj.bias') && t.name !== 'lm_head.weight'),
    })
    const e = inspectError(model.dir)
    expect(e.message).toMatch(/^3 problems: the weights do not match .*config\.json \(qwen2\)/)
    expect(e.message).toContain('tensor "model.layers.0.self_attn.q_proj.bias" [32] is missing')
    expect(e.message).toContain('tensor "model.layers.1.self_attn.q_proj.bias" [32] is missing')
    expect(e.message).toContain(`tensor "lm_head.weight" [${model.config.vocab_size}, 32] is missing (looked in ${join(model.dir, 'model.safetensors')})`)
  })

  it('refuses a config that does not match its weights, naming config.json', () => {
    const model = writeTinyModel(tmp.dir, 't5')
    writeFileSync(join(model.dir, 'config.json'), JSON.stringify({ ...model.config, d_ff: 64 }))
    const e = inspectError(model.dir)
    expect(e.message).toContain('encoder.block.0.layer.1.DenseReluDense.wi_0.weight" has shape [48, 32], expected [64, 32]')
  })

  it('refuses folders without config.json, without safetensors, or that are not folders', () => {
    const model = writeTinyModel(tmp.dir, 'llama')
    rmSync(join(model.dir, 'model.safetensors'))
    writeFileSync(join(model.dir, 'consolidated.safetensors'), '')
    expect(inspectError(model.dir).message).toMatch(/no model\.safetensors and no model\.safetensors\.index\.json\. It has consolidated\.safetensors/)
    rmSync(join(model.dir, 'config.json'))
    expect(inspectError(model.dir).message).toMatch(/no config\.json/)
    expect(inspectError(join(model.dir, 'tokenizer.json')).message).toMatch(/not a folder/)
  })

  it('calls a folder that merely holds a .bin file one without config.json, not a pickled model', () => {
    writeFileSync(join(tmp.dir, 'notes.txt'), 'not a model')
    writeFileSync(join(tmp.dir, 'pytorch_model.bin'), 'not really a pickle')
    const e = inspectError(tmp.dir)
    expect(e.message).toMatch(/no config\.json/)
    expect(e.message).not.toMatch(/pickle/i)
  })

  it('refuses pickle weights with a conversion command, and ignores them next to safetensors', () => {
    const model = writeTinyModel(tmp.dir, 't5')
    writeFileSync(join(model.dir, 'pytorch_model.bin'), 'not really a pickle')
    expect(inspectModelFolder(model.dir).notes[0]).toMatch(/ignoring pytorch_model\.bin \(pickle format, never opened\)/)
    rmSync(join(model.dir, 'model.safetensors'))
    const e = inspectError(model.dir)
    expect(e.file).toBe(join(model.dir, 'pytorch_model.bin'))
    expect(e.message).toContain('pickle format (pytorch_model.bin)')
    expect(e.message).toContain('AutoModelForSeq2SeqLM') // T5 needs the seq2seq class to convert
    expect(e.message).toContain('save_pretrained(o, safe_serialization=True)')
  })

  it('never opens a pickle file: a FIFO named pytorch_model.bin would block any open() forever', () => {
    const dir = join(tmp.dir, 'pickled')
    const model = writeTinyModel(dir, 'llama')
    rmSync(join(model.dir, 'model.safetensors'))
    const fifo = spawnSync('mkfifo', [join(dir, 'pytorch_model.bin')])
    expect(fifo.status).toBe(0)
    // In a child process, so that an open() that blocks shows up as a timeout instead of hanging vitest.
    const script = `const m = await import(${JSON.stringify(resolve('main/models/folder.ts'))});
      try { m.inspectModelFolder(${JSON.stringify(dir)}); console.log('ACCEPTED') } catch (e) { console.log(e.name + ': ' + e.message) }`
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf-8', timeout: 15_000, cwd: resolve('.') })
    expect(child.error, 'inspection blocked: it opened the pickle FIFO').toBeUndefined()
    expect(child.stdout).toContain('ModelFolderError')
    expect(child.stdout).toContain('pickle format (pytorch_model.bin)')
  })
})
