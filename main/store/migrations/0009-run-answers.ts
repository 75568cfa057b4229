import type { Migration } from './migration'

// What the model answers, as it trains: at each eval step a run greedily answers a few fixed
// prompts (its eval.prompts), so the Run page can show the answers changing step by step. The
// prompt text is kept with each answer: the configuration may be edited for a resumed run.
export const runAnswers: Migration = {
  version: 9,
  name: 'run-answers',
  up(db) {
    db.exec(`
      CREATE TABLE run_answers (
        run_id        TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        step          INTEGER NOT NULL,
        prompt_index  INTEGER NOT NULL,
        prompt        TEXT NOT NULL,
        answer        TEXT NOT NULL,
        PRIMARY KEY (run_id, step, prompt_index)
      ) WITHOUT ROWID;
    `)
  },
}
