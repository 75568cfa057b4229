// Training: the one-graph train step, batches, the loop, checkpoints and the native adapter
// files. run-training.ts is what a training process calls; the rest is usable on its own
// (the bench reuses buildTrainStep, exporters readAdapterFolder).
export { buildTrainStep, buildStepGraph, STEP_OUTPUTS, type TrainStep, type StepGraph, type StepKind, type RouterOutputs } from './step-graph'
export { BatchOrder, makeBatch, START_POSITION, type Batch, type BatchLayout, type DataPosition, type TrainingExample } from './batches'
export { PackedBatchOrder, makePackedBatch, packRows, packingStats, describePacking, type PackedBatchOrderOptions, type PackableExample, type PackingStats } from './packing'
export { Trainer, TrainingDivergedError, optimizerSpec, type TrainSettings, type TrainerSetup, type TrainerResult, type TrainerStart, type StepEvent, type EvalEvent } from './trainer'
export { writeCheckpoint, readCheckpoint, listCheckpoints, pruneCheckpoints, checkpointPath, type CheckpointState, type CheckpointContents } from './checkpoint'
export * from './adapter-files'
export { runTraining, runFolder, stepMetrics, type RunTrainingOptions, type RunOutcome } from './run-training'
export { defaultRunName } from '../config/run-name'
export { prepareRunData, type RunData } from './run-data'
