// Whether a run's data file can be read at all, asked before the run is created: a missing file,
// a folder, an empty or binary file would otherwise make the run fail once its process read the
// data. The same checks as an import's first step (source.ts inspectSource), so a file refused
// here is refused for the same reason, in the same words, there.
import { DatasetFileError } from './errors'
import { inspectSource } from './source'

/** Why the file at `path` cannot be a run's data, or null when it can be read as a dataset file. */
export async function whyDataFileUnusable(path: string): Promise<string | null> {
  try {
    await inspectSource(path)
    return null
  } catch (error) {
    if (error instanceof DatasetFileError) return error.message
    // Opening it failed after stat succeeded: no permission to read it, most often.
    const code = (error as NodeJS.ErrnoException).code
    return `${path}: cannot read it (${code === 'EACCES' || code === 'EPERM' ? 'no permission to read it' : code ?? (error as Error).message})`
  }
}
