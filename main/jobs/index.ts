export { JobRunner, type JobEventListener } from './runner'
export { createNodeSpawner, defaultWorkerPath } from './node-spawner'
export type { JobSpawner, JobProcess, JobProcessHandlers, JobProcessExit } from './spawner'
export { WorkerMessage, workerArgs } from './protocol'
