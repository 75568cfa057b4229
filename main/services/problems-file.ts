import { appendFileSync, mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import type { RowProblem } from '../data'

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
    mkdirSync(dirname(this.path), { recursive: true })
    appendFileSync(this.path, `${this.batch.join('\n')}\n`)
    this.batch = []
  }
}
