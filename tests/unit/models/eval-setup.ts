// A temporary folder for an eval test file, and setup(arch, rows): a fresh tiny model of that
// architecture and a JSONL file of the rows (a string row is written as it is, for broken lines).
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll } from 'vitest'
import { openModel } from '../../../main/models/inference/open-model'
import { ModelTokenizer } from '../../../main/models/tokenizer'
import { makeTempDir } from '../../helpers/temp-dir'
import { writeTinyModel, type TinyArch } from '../../helpers/tiny-models'

export function useEvalSetup() {
  let tmp: ReturnType<typeof makeTempDir> | null = null
  let counter = 0
  beforeAll(() => void (tmp = makeTempDir()))
  afterAll(() => tmp?.remove())
  const dir = () => {
    if (!tmp) throw new Error('the eval test folder exists only inside a test')
    return tmp.dir
  }
  function setup(arch: TinyArch, rows: unknown[]) {
    const modelDir = writeTinyModel(join(dir(), `${arch}-${counter}`), arch).dir
    const data = join(dir(), `data-${counter++}.jsonl`)
    writeFileSync(data, rows.map((r) => (typeof r === 'string' ? r : JSON.stringify(r))).join('\n') + '\n')
    return { dir: modelDir, data, model: openModel(modelDir), tokenizer: ModelTokenizer.load(modelDir) }
  }
  return { dir, setup }
}
