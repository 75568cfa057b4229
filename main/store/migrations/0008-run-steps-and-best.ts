import type { Migration } from './migration'

// total_steps: how many steps the run trains, once its data is read. With train.epochs the
// count depends on how many examples the import produced (and on packing), so the config alone
// cannot say; progress, ETA and the learning-rate schedule read it from here. Null until known
// (then train.max_steps is the count).
// best_step: the checkpoint that scored best on the run's monitored metric (early stopping's
// metric, else the eval loss). That checkpoint is kept when others are pruned; export, eval and
// the Playground use it unless asked for the last one. stopped_early: the run ended because
// that metric stopped improving, not at its last step.
export const runStepsAndBest: Migration = {
  version: 8,
  name: 'run-steps-and-best',
  up(db) {
    db.exec(`
      ALTER TABLE runs ADD COLUMN total_steps INTEGER;
      ALTER TABLE runs ADD COLUMN best_step INTEGER;
      ALTER TABLE runs ADD COLUMN stopped_early INTEGER NOT NULL DEFAULT 0 CHECK (stopped_early IN (0, 1));
    `)
  },
}
