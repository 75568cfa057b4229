import type { Migration } from './migration'

// Where a run actually trained ("webgpu, fp16 frozen products, float32 adapters, batches padded
// to 8 × 256"): its configuration may say device auto, and the provider chosen can differ from
// one machine (or one resume) to the next. Written by the training process when its step opens.
export const runTrainedOn: Migration = {
  version: 5,
  name: 'run-trained-on',
  up(db) {
    db.exec(`ALTER TABLE runs ADD COLUMN trained_on TEXT;`)
  },
}
