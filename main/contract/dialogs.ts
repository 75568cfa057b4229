import { z } from 'zod'

/** Asks the desktop app for a native file (or folder) picker; web mode has none and refuses. */
export const DialogOpenFileInput = z
  .object({
    title: z.string().max(200).optional(),
    /** Choose a folder instead of a file (e.g. a model folder). */
    directory: z.boolean().default(false),
    /** File type filters, e.g. `{ name: 'Datasets', extensions: ['jsonl', 'csv'] }`. */
    filters: z.array(z.object({ name: z.string().min(1), extensions: z.array(z.string().min(1)).min(1) }).strict()).default([]),
  })
  .strict()

export const DialogOpenFileResult = z.object({
  /** null when the user closed the picker without choosing. */
  path: z.string().nullable(),
})
