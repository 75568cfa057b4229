export { emitTorchModel, type EmittedModel, type EmitOptions, type TorchConstant, type TorchWeight } from './emit'
export { TORCH_LINES, torchDType } from './ops'
