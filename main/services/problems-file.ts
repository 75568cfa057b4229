import { appendFileSync, mkdirSync, rmSync } from 'node:fs'
import { dirname } from 'node:path'
import { diskFullOr, type RowProblem } from '../data'

/** Writes every problem of an import to a JSON Lines file, in batches (memory stays bounded). */
export class ProblemsFile {
  private batch: string[] = []
  count = 0

  constructor(readonly path: string) {}

  add(problem: RowProblem): void {
    this.batch.push(JSON.stringify(problem))
    this.count++
    if (this.batch.length >= 1000) this.flush()
  }

  flush(): void {
    if (this.batch.length === 0) return
    try {
      mkdirSync(dirname(this.path), { recursive: true })
      appendFileSync(this.path, `${this.batch.join('\n')}\n`)
    } catch (error) {
      // A list cut short would pass for the whole one: none is better.
      this.batch = []
      rmSync(this.path, { force: true })
      throw diskFullOr(error, dirname(this.path), 'the list of skipped rows')
    }
    this.batch = []
  }
}
