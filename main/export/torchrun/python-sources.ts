// The Python files of the cluster job (python/: train.py, and model.py's fixed prelude). They are
// real .py files, so they are read, linted and run as Python; this finds them both where the
// sources run (the CLI through tsx, the tests) and in the built app, where electron.vite.config.ts
// copies them beside the main bundle as torchrun-python/ (the code reading them may sit in a chunk
// one folder down).
import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

export const TORCHRUN_PYTHON_FILES = ['train.py', 'model_prelude.py'] as const
export type TorchrunPythonFile = (typeof TORCHRUN_PYTHON_FILES)[number]

/** The folder name the build copies python/ to, beside the main bundle. */
export const BUNDLED_PYTHON_FOLDER = 'torchrun-python'

export function torchrunPythonSource(name: TorchrunPythonFile): string {
  const candidates = [`./python/${name}`, `./${BUNDLED_PYTHON_FOLDER}/${name}`, `../${BUNDLED_PYTHON_FOLDER}/${name}`].map((p) => fileURLToPath(new URL(p, import.meta.url)))
  const found = candidates.find((p) => existsSync(p))
  if (!found) throw new Error(`the cluster job's ${name} is missing from this installation (looked in ${candidates.join(', ')}); reinstall Mixture Studio`)
  return readFileSync(found, 'utf8')
}
