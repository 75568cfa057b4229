// Plain lists of call and event names, free of zod, so the sandboxed preload stays tiny.
// A unit test checks they equal the keys of `calls` and `events` in ./index.
export const callNames = ['systemInfo', 'runsList', 'jobsStart', 'jobsCancel', 'jobsList'] as const
export const eventNames = ['onJobEvent'] as const
