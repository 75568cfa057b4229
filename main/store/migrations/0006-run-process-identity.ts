import type { Migration } from './migration'

// A pid and a boot time do not prove that a live process is a run's own: pids are reused within
// a boot too, and recovery then left a dead run `running` forever while Cancel signalled an
// unrelated program. The run now also keeps when its process started (process_started_at, as
// the platform tells it), and a heartbeat its process writes while it trains, which stands in
// where the start time cannot be read (Windows). A queued run records the process that queued
// it in the same columns, so a run whose starter died before its training began is found too.
export const runProcessIdentity: Migration = {
  version: 6,
  name: 'run-process-identity',
  up(db) {
    db.exec(`
      ALTER TABLE runs ADD COLUMN process_started_at TEXT;
      ALTER TABLE runs ADD COLUMN heartbeat_at TEXT;

      -- A run training while the app was upgraded last proved it was alive at its last step.
      UPDATE runs SET heartbeat_at = progress_at WHERE status = 'running';
    `)
  },
}
