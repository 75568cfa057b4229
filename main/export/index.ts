// Adapter exports (docs/DESIGN.md "Native adapter format", CLI `export`): native, PEFT, ONNX, merged.
export { exportAdapter, MODEL_CARD_FILE } from './export-adapter'
export { EXPORT_MARKER_FILE } from './export-marker'
export { EXPORT_FORMATS, ExportError, type ExportFormat, type ExportOptions, type ExportResult, type ExportSource, type ExportedFile } from './types'
export type { ExportStoreContext } from './source'
export { foldPlan, type FoldPlan, type FoldTarget } from './fold-plan'
export { peftAdapter, peftModulePath, moduleSuffixes, PEFT_PREFIX } from './peft'
export { ONNX_DATA_FILE, ONNX_MODEL_FILE, type OnnxModelFacts } from './onnx-model'
export { ONNX_STEP_FILE, type DecoderStepFacts } from './onnx-step-graph'
