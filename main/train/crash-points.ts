// Test-only crash points, for the fault-injection tests (tests/unit/faults). A process started
// with MIXTURE_STUDIO_FAULT=<point> kills itself with SIGKILL on reaching that point, as `kill -9`
// would, but at an instant no outside kill can aim for: between two files of a checkpoint, or
// between the two renames that replace a step's checkpoint saved again.
// Nothing in the app sets the variable. It is read once, so unset a crash point costs one
// comparison.
const FAULT = process.env.MIXTURE_STUDIO_FAULT

/** Dies here when MIXTURE_STUDIO_FAULT is `<point>:<step>:<stage>`, e.g. `checkpoint-write:10:optimizer` (the stages: see writeCheckpoint). */
export function crashPoint(point: string, step: number, stage: string): void {
  if (FAULT !== undefined && FAULT === `${point}:${step}:${stage}`) process.kill(process.pid, 'SIGKILL')
}
