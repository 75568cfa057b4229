// A loaded run configuration's relative paths are relative to the file's folder: the New run form's
// Load YAML (renderer/src/run-config/yaml.ts: parseRunConfig, then resolveConfigPaths against the
// file's folder) reads a file exactly as `train --config` does (readRunConfigFile +
// absoluteConfigPaths against its folder), never against the server's. Its refusal of relative
// paths when the folder is unknown is tested with the form (tests/renderer/new-run-dataset-select.test.ts).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { isAbsolutePath, joinPath, relativeConfigPaths, resolveConfigPaths } from '../../../main/config/config-paths'
import { parseRunConfig, readRunConfigFile } from '../../../main/config/run-config-file'
import { absoluteConfigPaths } from '../../../main/services/runs'
import { makeTempDir } from '../../helpers/temp-dir'

const tmp = makeTempDir('ms-config-paths-')
afterAll(() => tmp.remove())

const YAML = `model: ../models/tiny
data:
  train: data/train.jsonl
  validation: ./data/valid.jsonl
adapter:
  method: lora
  rank: 2
`

describe('Load YAML paths', () => {
  it('resolves relative paths against the YAML file\'s folder, as train --config does', () => {
    const file = join(tmp.dir, 'project', 'configs', 'run.yaml')
    mkdirSync(dirname(file), { recursive: true })
    writeFileSync(file, YAML)
    const config = resolveConfigPaths(parseRunConfig(readFileSync(file, 'utf8'), 'run.yaml'), dirname(file))
    expect(config).toEqual(absoluteConfigPaths(readRunConfigFile(file), dirname(file)))
    expect(config).toMatchObject({
      model: { path: join(tmp.dir, 'project', 'models', 'tiny'), quantize: 'none' },
      data: { train: join(tmp.dir, 'project', 'configs', 'data', 'train.jsonl'), validation: join(tmp.dir, 'project', 'configs', 'data', 'valid.jsonl') },
    })
    // The folder of a model written in full ({ path, quantize }) is resolved the same way, its quantize kept.
    const quantized = parseRunConfig(YAML.replace('model: ../models/tiny', 'model: { path: ../models/tiny, quantize: int4 }'), 'run.yaml')
    expect(resolveConfigPaths(quantized, dirname(file)).model).toEqual({ path: join(tmp.dir, 'project', 'models', 'tiny'), quantize: 'int4' })
    expect(relativeConfigPaths(quantized).map((p) => p.field)).toContain('model')
    // An eval set's file is a path too.
    const withSet = parseRunConfig(`${YAML}eval:\n  sets:\n    - { name: quiz, data: quiz.jsonl }\n`, 'run.yaml')
    expect(relativeConfigPaths(withSet).map((p) => p.field)).toEqual(['model', 'data.train', 'data.validation', 'eval.sets.0.data'])
    expect(resolveConfigPaths(withSet, '/home/me/project').eval.sets[0].data).toBe('/home/me/project/quiz.jsonl')
  })

  it('leaves absolute paths as written, POSIX and Windows', () => {
    const config = parseRunConfig(YAML.replace('../models/tiny', '/models/tiny').replace('data/train', '/d/train').replace('./data/valid', 'C:\\d\\valid'), 'run.yaml')
    expect(relativeConfigPaths(config)).toEqual([])
    const resolved = resolveConfigPaths(config, '/elsewhere')
    expect([resolved.model.path, resolved.data.train, resolved.data.validation]).toEqual(['/models/tiny', '/d/train.jsonl', 'C:\\d\\valid.jsonl'])
  })

  it('joins POSIX and Windows folders in their own separator, applying . and ..', () => {
    expect(joinPath('/home/me/configs', '../data/./t.jsonl')).toBe('/home/me/data/t.jsonl')
    expect(joinPath('C:\\Users\\me\\configs', '..\\data\\t.jsonl')).toBe('C:\\Users\\me\\data\\t.jsonl')
    expect(joinPath('C:/Users/me', 'data/t.jsonl')).toBe('C:/Users/me/data/t.jsonl')
    expect(joinPath('\\\\server\\share\\runs', 'data\\t.jsonl')).toBe('\\\\server\\share\\runs\\data\\t.jsonl')
    expect(joinPath('/', 'x.jsonl')).toBe('/x.jsonl')
    for (const path of ['/x', 'C:\\x', 'c:/x', '\\\\s\\x', '~', '~/x']) expect(isAbsolutePath(path)).toBe(true)
    for (const path of ['x', './x', '../x', 'data\\x', '~x']) expect(isAbsolutePath(path)).toBe(false)
    expect(resolveConfigPaths(parseRunConfig(YAML.replace('../models/tiny', '~/models/tiny'), 'run.yaml'), '/q').model.path).toBe('~/models/tiny')
  })
})
