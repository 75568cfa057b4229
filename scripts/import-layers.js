// Who may import whom: the layer order of docs/DESIGN.md ("Who imports whom"), written down once
// and enforced by eslint.config.js as the rule `layers/imports-go-down`. A folder of main/ may
// import its own files and the folders listed BEFORE it in MAIN_LAYERS, never one after it, so
// the pure engine never learns about model folders and a job's code never reaches back into
// the services that start it. Type-only imports count too: a type shared by two layers lives
// in the lower one. Tests and scripts may import anything, but tests/reference (see REFERENCE).
import { readFileSync } from 'node:fs'
import { dirname, join, relative, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)))

/** Bottom first. A longer entry wins over a shorter one (main/jobs/kinds is not main/jobs). */
export const MAIN_LAYERS = [
  'main/engine', // pure TS: graph IR, autodiff, ONNX emission, the models and adapters
  'main/contract', // the API's schemas; the run configuration's adapter part is the engine's
  'main/config', // the run configuration as text
  'main/store', // SQLite and the data folder's layout (data-dir.ts)
  'main/runtime', // onnxruntime sessions, safetensors, file writes; the CUDA runtime in the data folder
  'main/data', // datasets
  'main/models', // model folders, inference, scoring
  'main/hub', // the Hugging Face Hub
  'main/jobs', // spawning job processes, their protocol, the work context: what services use
  'main/train', // training runs (a train job writes its records through main/store)
  'main/evaluations', // the Evaluate page's tables
  'main/export', // export formats
  'main/demo', // the demo's tiny model and data
  'main/services', // use cases: one dispatch for every contract call
  'main/jobs/kinds', // a job process's entry: each kind calls the service work it runs...
  'main/jobs/worker.ts', // ...and the worker loads the kinds
  'main/server', // web mode
  'main/bench', // mixture-studio bench
  'main/cli', // mixture-studio
  'main/app', // Electron
]

/**
 * Imports that go the wrong way today, each a debt with the move that would pay it. Listed here,
 * file by file, so that no other file can follow them; remove an entry once its move is made.
 */
export const KNOWN_WRONG_WAY = [
  {
    file: 'main/store/read-run-folder.ts',
    imports: ['main/train/adapter-files.ts', 'main/train/checkpoint.ts'],
    why: 'a restored backup re-registers run folders in the store, reading the adapter and checkpoint files that training writes; moving the folder formats below main/store would pay it',
  },
  {
    file: 'main/models/inference/adapter.ts',
    imports: ['main/train/adapter-files.ts', 'main/train/adapter-tensor-checks.ts'],
    why: 'inference reads the native adapter folder whose format lives with training; moving adapter-files.ts and adapter-tensor-checks.ts below main/models would pay it',
  },
]

/** The renderer and the preload run in the browser: they may import only main/ files the web tsconfig compiles for it. */
const BROWSER_LAYERS = ['renderer', 'preload']

/**
 * The float64 reference forward passes the engine's logits are checked against: written apart
 * from the code they check, so a mistake shared by both cannot pass. Reading a checkpoint is fine.
 */
const REFERENCE = 'tests/reference'
const CHECKED_BY_REFERENCE = ['main/engine', 'main/models']

export function projectPath(file) {
  return relative(ROOT, resolve(file)).split(sep).join('/')
}

/** The MAIN_LAYERS entry, 'renderer', 'preload' or 'tests/reference' that `path` (relative to the project) belongs to; null for tests and scripts. */
export function layerOf(path) {
  let best = null
  for (const layer of MAIN_LAYERS) {
    if ((path === layer || path.startsWith(layer + '/')) && (best === null || layer.length > best.length)) best = layer
  }
  if (best) return best
  return [...BROWSER_LAYERS, REFERENCE].find((layer) => path.startsWith(layer + '/')) ?? null
}

/** tsconfig.web.json's include patterns as regular expressions: the main/ files that compile for the browser. */
function browserSafeMainFiles() {
  const include = JSON.parse(readFileSync(join(ROOT, 'tsconfig.web.json'), 'utf8')).include
  return include
    .filter((pattern) => pattern.startsWith('main/'))
    .map((pattern) => new RegExp('^' + pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*\*\//g, '\u0000').replace(/\*/g, '[^/]*').replace(/\u0000/g, '(?:.*/)?') + '$'))
}

/** A file of main/ outside every layer: a new folder must take its place in the order before it imports or is imported. */
function unplaced(path) {
  return `${path} is in no layer: add its folder to MAIN_LAYERS in scripts/import-layers.js, above the folders it imports and below those that import it, and to docs/DESIGN.md's layer order`
}

/** Why `from` may not import `target` (both relative to the project), or null when it may. */
export function wrongWay(from, target) {
  const fromLayer = layerOf(from)
  const targetLayer = layerOf(target)
  if (fromLayer === null || fromLayer === targetLayer) return null
  if (targetLayer === null && !target.startsWith('main/')) return null
  if (fromLayer === REFERENCE) {
    if (!CHECKED_BY_REFERENCE.includes(targetLayer)) return null
    return `${REFERENCE} may not import ${target}: the reference forward passes check ${CHECKED_BY_REFERENCE.join(' and ')}, so they are written without them (docs/DESIGN.md, tests/reference)`
  }
  if (targetLayer === REFERENCE) return `${fromLayer} may not import ${target}: nothing imports the test references but the tests`
  if (BROWSER_LAYERS.includes(fromLayer)) {
    if (BROWSER_LAYERS.includes(targetLayer)) return `${fromLayer}/ may not import ${targetLayer}/: they are separate bundles`
    const withExtension = /\.(ts|vue)$/.test(target) ? [target] : [target + '.ts', target + '/index.ts']
    if (browserSafeMainFiles().some((re) => withExtension.some((file) => re.test(file)))) return null
    return `${fromLayer}/ runs in the browser and may import from main/ only the files tsconfig.web.json includes; ${target} is not one. Declare what it needs in main/contract (or add a pure, Node-free file to that include list)`
  }
  if (BROWSER_LAYERS.includes(targetLayer)) return `${fromLayer} may not import ${targetLayer}/: main/ never depends on the browser's code`
  if (targetLayer === null) return unplaced(target)
  const fromRank = MAIN_LAYERS.indexOf(fromLayer)
  const targetRank = MAIN_LAYERS.indexOf(targetLayer)
  if (targetRank < fromRank) return null
  const known = KNOWN_WRONG_WAY.find((debt) => debt.file === from)
  if (known && known.imports.some((allowed) => allowed === target || allowed === target + '.ts')) return null
  return `${fromLayer} may not import ${targetLayer} (${target}): ${targetLayer} is above ${fromLayer} in the layer order (scripts/import-layers.js, docs/DESIGN.md "Who imports whom"). Move what both need into ${fromLayer} or a layer below it`
}

/** The ESLint rule: every relative import, export-from, import() and import type must go down the layers. */
export const importsGoDown = {
  meta: { type: 'problem', docs: { description: 'imports follow the layer order of docs/DESIGN.md' }, schema: [] },
  create(context) {
    const from = projectPath(context.filename)
    if (layerOf(from) === null) {
      if (!from.startsWith('main/')) return {}
      return { Program: (node) => context.report({ node, message: unplaced(from) }) }
    }
    function check(node, specifier) {
      if (typeof specifier !== 'string' || !specifier.startsWith('.')) return
      const target = projectPath(resolve(dirname(context.filename), specifier))
      const problem = wrongWay(from, target)
      if (problem) context.report({ node, message: problem })
    }
    return {
      ImportDeclaration: (node) => check(node, node.source.value),
      ExportNamedDeclaration: (node) => node.source && check(node, node.source.value),
      ExportAllDeclaration: (node) => check(node, node.source.value),
      ImportExpression: (node) => node.source.type === 'Literal' && check(node, node.source.value),
      // typescript-eslint 8 names the string `source`; older versions had `argument` (a literal type).
      TSImportType: (node) => check(node, 'source' in node ? node.source?.value : node.argument?.literal?.value),
    }
  },
}

export const layersPlugin = { rules: { 'imports-go-down': importsGoDown } }
