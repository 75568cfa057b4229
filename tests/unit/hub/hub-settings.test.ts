// Hub settings read as huggingface_hub reads them; the files a model download takes; the token
// kept in a 0600 file, never in a message.
import { readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, test } from 'vitest'
import { selectModelFiles } from '../../../main/hub/file-selection'
import { hubSettings } from '../../../main/hub/hub-config'
import { createTokenStore, redactToken, tokenFilePath } from '../../../main/hub/token-store'
import { makeTempDir } from '../../helpers/temp-dir'

describe('hubSettings', () => {
  test('defaults: huggingface.co, online, ~/.cache/huggingface/hub', () => {
    expect(hubSettings({}, '/home/u')).toEqual({ endpoint: 'https://huggingface.co', offline: false, cacheDir: '/home/u/.cache/huggingface/hub' })
  })

  test('HF_ENDPOINT without its trailing slash; HF_HUB_OFFLINE in any truthy spelling', () => {
    expect(hubSettings({ HF_ENDPOINT: 'https://hf-mirror.com/' }, '/h').endpoint).toBe('https://hf-mirror.com')
    for (const value of ['1', 'true', 'YES', 'on']) expect(hubSettings({ HF_HUB_OFFLINE: value }, '/h').offline).toBe(true)
    for (const value of ['0', 'false', '']) expect(hubSettings({ HF_HUB_OFFLINE: value }, '/h').offline).toBe(false)
  })

  test('cache: HF_HUB_CACHE, else HF_HOME/hub, else XDG_CACHE_HOME/huggingface/hub', () => {
    expect(hubSettings({ HF_HUB_CACHE: '/c', HF_HOME: '/x' }, '/h').cacheDir).toBe('/c')
    expect(hubSettings({ HF_HOME: '~/hf' }, '/h').cacheDir).toBe('/h/hf/hub')
    expect(hubSettings({ XDG_CACHE_HOME: '/xdg' }, '/h').cacheDir).toBe('/xdg/huggingface/hub')
  })
})

describe('selectModelFiles', () => {
  const entry = (path: string) => ({ path, size: 1 })

  test('config, tokenizer files and safetensors shards with their index; never pickle, ONNX, GGUF or subfolders', () => {
    const repo = ['config.json', 'generation_config.json', 'tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json', 'merges.txt', 'vocab.json',
      'model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors', 'model.safetensors.index.json', 'consolidated.safetensors',
      'pytorch_model.bin', 'model.onnx', 'model-q4.gguf', 'tf_model.h5', 'flax_model.msgpack', 'onnx/model.onnx', 'original/model.safetensors', 'README.md']
    const selection = selectModelFiles('org/m', repo.map(entry))
    expect(selection.files.map((f) => f.path)).toEqual(repo.slice(0, 10))
    expect(selection.skipped).toEqual(repo.slice(10))
    expect(selection.problem).toBeNull()
  })

  test('model.safetensors alone when the repo has it', () => {
    const selection = selectModelFiles('org/m', ['config.json', 'model.safetensors', 'model.fp16.safetensors', 'tokenizer.model'].map(entry))
    expect(selection.files.map((f) => f.path)).toEqual(['config.json', 'model.safetensors', 'tokenizer.model'])
  })

  test('no safetensors: refused, naming what the repo has', () => {
    const selection = selectModelFiles('org/old', ['config.json', 'pytorch_model.bin', 'tokenizer.json'].map(entry))
    expect(selection.problemKind).toBe('no-safetensors')
    expect(selection.problem).toContain('org/old has no safetensors weights. It has only pytorch_model.bin')
  })

  test('no config.json: not a model', () => {
    expect(selectModelFiles('org/x', [entry('model.safetensors')]).problemKind).toBe('not-a-model')
  })
})

describe('token store', () => {
  let temp: ReturnType<typeof makeTempDir> | null = null
  afterEach(() => temp?.remove())

  test('a stored token is a 0600 file in the data folder; cleared, HF_TOKEN takes over', () => {
    temp = makeTempDir()
    const store = createTokenStore({ dataDir: temp.dir, env: { HF_TOKEN: 'hf_fromenv' } })
    expect([store.get(), store.status().source]).toEqual(['hf_fromenv', 'env'])
    store.set(' hf_stored ')
    const file = tokenFilePath(temp.dir)
    expect(readFileSync(file, 'utf8')).toBe('hf_stored')
    if (process.platform !== 'win32') expect(statSync(file).mode & 0o777).toBe(0o600)
    expect(store.status()).toEqual({ set: true, source: 'stored', storage: 'file', file })
    store.set(null)
    expect(store.get()).toBe('hf_fromenv')
  })

  test('with a codec (safeStorage) only its ciphertext is written', () => {
    temp = makeTempDir()
    const codec = { encrypt: (text: string) => Buffer.from([...text].reverse().join('')), decrypt: (data: Buffer) => [...data.toString()].reverse().join('') }
    const store = createTokenStore({ dataDir: temp.dir, env: {}, codec })
    store.set('hf_abc')
    expect(readFileSync(join(temp.dir, 'hub-token.enc'), 'utf8')).toBe('cba_fh')
    expect([store.get(), store.status().storage]).toEqual(['hf_abc', 'encrypted'])
  })

  test('redactToken hides the token and anything shaped like one', () => {
    expect(redactToken('Bearer hf_short failed', 'hf_short')).toBe('Bearer hf_*** failed')
    expect(redactToken('token hf_ABCDEFGHIJKLMNOPQRSTUVWX in url', null)).toBe('token hf_*** in url')
  })
})
