// Tiny models for a test file: registers the vitest hooks that make a temporary folder before its
// tests and remove it after; each `write` puts a fresh model in its own subfolder.
import { join } from 'node:path'
import { afterAll, beforeAll } from 'vitest'
import { makeTempDir } from './temp-dir'
import { writeTinyModel, type TinyArch, type TinyModel, type TinyModelOptions } from './tiny-models'

export interface TinyModelDir {
  /** The file's temporary folder (for other files a test writes beside its models). */
  readonly dir: string
  /** A new tiny model of `arch` in a subfolder of its own. */
  write(arch: TinyArch, options?: TinyModelOptions): TinyModel
}

export function useTinyModels(prefix?: string): TinyModelDir {
  let temp: ReturnType<typeof makeTempDir> | null = null
  let counter = 0
  beforeAll(() => {
    temp = makeTempDir(prefix)
  })
  afterAll(() => {
    temp?.remove()
    temp = null
  })
  const dir = () => {
    if (!temp) throw new Error('the tiny models folder exists only while the file\'s tests run')
    return temp.dir
  }
  return {
    get dir() {
      return dir()
    },
    write: (arch, options = {}) => writeTinyModel(join(dir(), `${arch}-${counter++}`), arch, options),
  }
}
