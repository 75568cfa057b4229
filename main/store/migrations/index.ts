import type { Migration } from './migration'
import { initial } from './0001-initial'
import { datasetCatalog } from './0002-dataset-catalog'
import { runTrainingTime } from './0003-run-training-time'
import { runLog } from './0004-run-log'
import { runTrainedOn } from './0005-run-trained-on'
import { runProcessIdentity } from './0006-run-process-identity'
import { runStatusStarting } from './0007-run-status-starting'
import { runStepsAndBest } from './0008-run-steps-and-best'
import { runAnswers } from './0009-run-answers'
import { evaluations } from './0010-evaluations'
import { runQueue } from './0011-run-queue'
import { importedJobs } from './0012-imported-jobs'
import { exportFormatTorchrun } from './0013-export-format-torchrun'

export type { Migration } from './migration'

/**
 * Every schema step, oldest first. Append new migrations here (never edit a shipped one):
 * the database records how far it got in `PRAGMA user_version`.
 */
export const migrations: readonly Migration[] = [initial, datasetCatalog, runTrainingTime, runLog, runTrainedOn, runProcessIdentity, runStatusStarting, runStepsAndBest, runAnswers, evaluations, runQueue, importedJobs, exportFormatTorchrun]

/** Throws when the list is not 1, 2, 3 ... in order (a mistake in this file, not the user's). */
export function checkMigrationList(list: readonly Migration[]): void {
  list.forEach((migration, index) => {
    if (migration.version !== index + 1) {
      throw new Error(
        `Migration list out of order: entry ${index} is version ${migration.version} (${migration.name}), expected ${index + 1}`,
      )
    }
  })
}

export function latestSchemaVersion(list: readonly Migration[] = migrations): number {
  return list.length === 0 ? 0 : list[list.length - 1].version
}
