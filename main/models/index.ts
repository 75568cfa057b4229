// Model folders: config parsing, weight maps, and folder inspection.
export * from './config'
export * from './weights-map'
export { ModelFolderError } from './errors'
export { inspectModelFolder, type ModelFolderInfo, type WeightsDType } from './folder'
export { INDEX_FILE, SINGLE_FILE, type Checkpoint, type LocatedTensor } from './checkpoint'
export type { TokenizerFiles } from './tokenizer-files'
