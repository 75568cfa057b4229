export { importJob, METRICS_FILE, type ImportJobOptions, type ImportedJobRun } from './import-job'
export { ImportJobError } from './import-job-error'
export { JOB_FILE, JOB_FORMAT, JOB_VERSION } from './job-file'
