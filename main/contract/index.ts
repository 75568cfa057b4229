import { z } from 'zod'
import { SystemInfo } from './system'
import { StorageCopiesDeleted, StorageDeleteCopiesInput, StorageDeleteHubRepoInput, StorageHubRepoDeleted, StorageReport } from './storage'
import { RunDetail, RunIdInput, RunLog, RunMetrics, RunsListInput, RunsLogInput, RunsMetricsInput, RunsAnswersInput, RunAnswers, RunStarted, RunSummary, RunEvent, RunQueue, RunsQueueMoveInput, RunsImportJobInput, RunJobImported } from './runs'
import { RunConfig } from './run-config'
import { JobEvent, JobInfo, JobKind } from './jobs'
import { DatasetDetail, DatasetIdInput, DatasetPreview, DatasetsFindImportedInput, DatasetsImportInput, DatasetsPreviewInput, DatasetsRenameInput, DatasetSummary, ImportedAlready } from './datasets'
import { SettingsPatch, SettingsState } from './settings'
import { DialogOpenFileInput, DialogOpenFileResult } from './dialogs'
import { ConfigFileText, FilesListInput, FilesReadConfigInput, FolderListing } from './files'
import { ModelDetail, ModelIdInput, ModelRemoved, ModelsImportInput, ModelSummary } from './models'
import { RunExport, RunsExportInput, RunsSuggestExportFolderInput, SuggestedExportFolder } from './exports'
import { RunEstimate, RunsEstimateInput, StepTiming } from './estimate'
import { RunChecks, RunsCheckInput } from './run-checks'
import { PlaygroundGenerateInput, PlaygroundResult } from './playground'
import { HubCachedModel, HubCuratedModel, HubDatasetFiles, HubDownloadInput, HubDownloadResult, HubModelDetail, HubModelSummary, HubRepoInput, HubSearchModelsInput, HubSetTokenInput, HubTokenStatus } from './hub'
import { DemoDatasetMade, DemoModelMade, DemoPlan, DemoStarted, DemoStartInput } from './demo'
import { EvaluationDetail, EvaluationIdInput, EvaluationsCreateInput, EvaluationsListInput, EvaluationStarted, EvaluationSummary, RunAccuracies, RunAccuraciesInput } from './evaluations'

export * from './system'
export * from './storage'
export * from './runs'
export * from './run-config'
export * from './jobs'
export * from './datasets'
export * from './settings'
export * from './dialogs'
export * from './files'
export * from './models'
export * from './exports'
export * from './estimate'
export * from './run-checks'
export * from './playground'
export * from './evaluations'
export * from './evaluation-export'
export * from './hub'
export * from './demo'
export * from './errors'
export * from './api-call-error'

const NoInput = z.object({}).strict()

/**
 * Every call the renderer can make, declared once. Electron IPC (preload + main/app)
 * and web mode (main/server) are both thin adapters over this table; inputs are
 * validated on the main side in both.
 */
export const calls = {
  systemInfo: { input: NoInput, output: SystemInfo },
  /** What the data folder holds by part, its largest runs, every quantized copy and its standing, the Hub cache, the disk's free space. */
  storageShow: { input: NoInput, output: StorageReport },
  /** Deletes quantized copies (listed ones, or every unused one); a copy a starting or running run trains on is kept, with why. */
  storageDeleteCopies: { input: StorageDeleteCopiesInput, output: StorageCopiesDeleted },
  /**
   * Deletes a repo's folder from the Hugging Face cache; refused (conflict, naming them) while a
   * registered model or dataset lies inside it, a run trains on it, or a download is writing it.
   */
  storageDeleteHubRepo: { input: StorageDeleteHubRepoInput, output: StorageHubRepoDeleted },
  runsList: { input: RunsListInput, output: z.array(RunSummary) },
  /**
   * Records a run and starts the job process that trains it, or queues it (`queued`, no job yet)
   * while other runs hold its device (Settings' runsAtOncePerDevice); it starts by itself when the device frees.
   */
  runsStart: { input: z.object({ config: RunConfig }).strict(), output: RunStarted },
  /** Stops a run at its next step boundary (it writes a checkpoint and ends `cancelled`); a queued run is cancelled without starting. */
  runsCancel: { input: RunIdInput, output: RunSummary },
  /** Continues an interrupted, cancelled or failed run from its last checkpoint, as the same run (queued while its device is taken). */
  runsResume: { input: RunIdInput, output: RunStarted },
  /** The run queue: every queued run in order, its device, position and when it is expected to start. */
  runsQueue: { input: NoInput, output: RunQueue },
  /** Moves a queued run one place up or down the queue; answers the queue as it is now. */
  runsQueueMove: { input: RunsQueueMoveInput, output: RunQueue },
  /** Starts a queued run now, alongside the runs on its device. */
  runsStartNow: { input: RunIdInput, output: RunStarted },
  runsShow: { input: RunIdInput, output: RunDetail },
  /** Metric curves of a run, for charts (poll with sinceStep). */
  runsMetrics: { input: RunsMetricsInput, output: RunMetrics },
  /** A run's stored log lines (what the training process said, evals, checkpoints, status changes), oldest first. */
  runsLog: { input: RunsLogInput, output: RunLog },
  /** The greedy answers a run gave its fixed prompts (eval.prompts) at each eval step, by step then prompt. */
  runsAnswers: { input: RunsAnswersInput, output: RunAnswers },
  /** Deletes a run that is not running: its record, metrics and folder. */
  runsDelete: { input: RunIdInput, output: RunSummary },
  /**
   * Brings a torchrun cluster job's run into the history (`runs import-job`): its configuration,
   * curve, checkpoints and, once it trained to its end, adapter, checked and recorded together or
   * not at all. A job imported already is refused (conflict), naming its run.
   */
  runsImportJob: { input: RunsImportJobInput, output: RunJobImported },
  /** Exports a run's adapter (or an adapter folder) as native, PEFT, ONNX or merged; recorded with the run. */
  runsExport: { input: RunsExportInput, output: RunExport },
  /**
   * Where the Export dialog suggests exporting a run: a folder that does not exist yet, under
   * <Documents or home>/Mixture Studio exports/, named <run name>-<format> (-2, -3 ... when taken),
   * never inside the data folder. Creates nothing.
   */
  runsSuggestExportFolder: { input: RunsSuggestExportFolderInput, output: SuggestedExportFolder },
  /** Trainable parameters (exact: the adapter is built on the model's graph), memory and time per step (estimates). */
  runsEstimate: { input: RunsEstimateInput, output: RunEstimate },
  /**
   * Times the configuration on this machine (a `step-timing` job: its preparation and a few steps,
   * trained as the run would, into a scratch folder); runsEstimate then takes its time from it.
   */
  runsMeasureStep: { input: RunsEstimateInput, output: StepTiming },
  /**
   * The checks before Start, asked as the New run form changes: what runsStart would refuse (a data
   * file, adapter.init, the device, max_length) and what it only warns of (memory). Creates nothing.
   */
  runsCheck: { input: RunsCheckInput, output: RunChecks },
  /** Generates from the base model and from base + a run's adapter for one prompt (in a job process). */
  playgroundGenerate: { input: PlaygroundGenerateInput, output: PlaygroundResult },
  /**
   * Records an evaluation (base model and runs of one model on multiple-choice sets, accuracy by
   * rank classification) and starts the `evaluate` job that scores it; cells are stored as they
   * finish. The CLI scores it in its own process and answers once it is done.
   */
  evaluationsCreate: { input: EvaluationsCreateInput, output: EvaluationStarted },
  /** Saved evaluations, newest first (optionally only those with a column of one run). */
  evaluationsList: { input: EvaluationsListInput, output: z.array(EvaluationSummary) },
  /** An evaluation's table: cells with accuracy and 95% interval, each row's winner, the mean per column. */
  evaluationsShow: { input: EvaluationIdInput, output: EvaluationDetail },
  /** Deletes an evaluation that is not running, and its cells. */
  evaluationsDelete: { input: EvaluationIdInput, output: EvaluationSummary },
  /** Each run's accuracy per task, from saved evaluations (newest per task) and during-training metrics, for Compare. */
  runsAccuracies: { input: RunAccuraciesInput, output: RunAccuracies },
  jobsStart: { input: z.object({ kind: JobKind }).strict(), output: JobInfo },
  /**
   * Starts the `cuda-install` job (Linux x64 with an NVIDIA GPU): onnxruntime's CUDA provider
   * libraries from NuGet into <data folder>/runtimes/, followed through job events (its progress
   * carries the download's bytes and rate); its result is a CudaInstallResult.
   */
  systemInstallCuda: { input: NoInput, output: JobInfo },
  /** Starts the `cuda-check` job: a CUDA session on the installed runtime; its result is a CudaCheckResult. */
  systemCheckCuda: { input: NoInput, output: JobInfo },
  jobsCancel: { input: z.object({ jobId: z.string().min(1) }).strict(), output: JobInfo },
  jobsList: { input: NoInput, output: z.array(JobInfo) },
  datasetsImport: { input: DatasetsImportInput, output: DatasetDetail },
  datasetsList: { input: NoInput, output: z.array(DatasetSummary) },
  datasetsShow: { input: DatasetIdInput, output: DatasetDetail },
  datasetsRename: { input: DatasetsRenameInput, output: DatasetSummary },
  /**
   * Forgets a dataset and removes its tokenized caches and problems file from the data folder; the
   * user's source file is never touched. Runs that used it keep their own tokenized copy.
   */
  datasetsDelete: { input: DatasetIdInput, output: DatasetSummary },
  /** Imported datasets read from this file (same path, or same content elsewhere), for the wizard's warning. */
  datasetsFindImported: { input: DatasetsFindImportedInput, output: z.array(ImportedAlready) },
  datasetsPreview: { input: DatasetsPreviewInput, output: DatasetPreview },
  settingsGet: { input: NoInput, output: SettingsState },
  settingsSet: { input: SettingsPatch, output: SettingsState },
  /** Desktop app only: a native picker; web mode answers `invalid_input` (type the path instead). */
  dialogOpenFile: { input: DialogOpenFileInput, output: DialogOpenFileResult },
  /**
   * One folder's entries for web mode's in-page file browser, within the home folder and the data
   * folder only (links resolved first): anything else is refused. The desktop app uses its native picker.
   */
  filesList: { input: FilesListInput, output: FolderListing },
  /**
   * Load YAML in web mode: the text of a run configuration (.yaml, .yml or .json, at most 1 MiB)
   * in the home or data folder, and its folder, which its relative paths start from.
   */
  filesReadConfig: { input: FilesReadConfigInput, output: ConfigFileText },
  /** Validates a model folder and registers it; nothing is registered when it is not usable. */
  modelsImport: { input: ModelsImportInput, output: ModelDetail },
  modelsList: { input: NoInput, output: z.array(ModelSummary) },
  modelsShow: { input: ModelIdInput, output: ModelDetail },
  /** Forgets a model (its folder is left alone); runs that used it keep their record. */
  modelsRemove: { input: ModelIdInput, output: ModelRemoved },
  /** Hub models matching a query, only the architectures we train (llama, mistral, qwen2, qwen3, gpt2, t5). */
  hubSearchModels: { input: HubSearchModelsInput, output: z.array(HubModelSummary) },
  /** Small instruct models that fit a laptop, for a first run, each with why. */
  hubCuratedModels: { input: NoInput, output: z.array(HubCuratedModel) },
  /** A model's facts and the files its download would fetch (only what training needs), with their total. */
  hubModelInfo: { input: HubRepoInput, output: HubModelDetail },
  /** Models already complete in the HF cache (other tools' downloads too), found without a request; modelsImport registers one. */
  hubCachedModels: { input: NoInput, output: z.array(HubCachedModel) },
  /** A dataset repo's data files and the split each belongs to. */
  hubDatasetFiles: { input: HubRepoInput, output: HubDatasetFiles },
  /** Whether an HF token is in effect and where it is kept (never the token), and the endpoint and cache folder. */
  hubTokenStatus: { input: NoInput, output: HubTokenStatus },
  /** Stores the HF token (or forgets it, given null) and answers the new status. */
  hubSetToken: { input: HubSetTokenInput, output: HubTokenStatus },
  /**
   * Downloads a model's files (then registers it) or a dataset's files into the HF cache, in a
   * `hub-download` job whose progress events carry bytes, rate and ETA. Answers when it ends; a
   * Stop keeps the part files, and the next download of the same files resumes them.
   */
  hubDownload: { input: HubDownloadInput, output: HubDownloadResult },
  /** Where the demo model and sample dataset go in the data folder, and the demo's run configuration over them; makes nothing. */
  demoPlan: { input: NoInput, output: DemoPlan },
  /** Writes the demo model into the data folder unless it is there, and registers it unless it is (as modelsImport would). */
  demoMakeModel: { input: NoInput, output: DemoModelMade },
  /** Writes the sample dataset into the data folder unless it is there, and imports it unless it is (as datasetsImport would). */
  demoMakeDataset: { input: NoInput, output: DemoDatasetMade },
  /**
   * "Try the demo": the demo model and sample dataset (made and registered unless they are), then
   * the demo run started as a `train` job; while a demo run is starting or training, that run is
   * answered (`reused`) instead of a second one.
   */
  demoStart: { input: DemoStartInput, output: DemoStarted },
} as const

/** Every event main pushes to the renderer. */
export const events = {
  onJobEvent: JobEvent,
  onRunEvent: RunEvent,
} as const

export type Calls = typeof calls
export type CallName = keyof Calls
export type CallInput<N extends CallName> = z.input<Calls[N]['input']>
/** The input after validation on the main side (defaults applied). */
export type CallParsedInput<N extends CallName> = z.output<Calls[N]['input']>
export type CallOutput<N extends CallName> = z.infer<Calls[N]['output']>
export type EventName = keyof typeof events
export type EventPayload<N extends EventName> = z.infer<(typeof events)[N]>

/** The API object the renderer sees (window.api in Electron, HTTP client in web mode). */
export type Api = {
  [N in CallName]: (input: CallInput<N>) => Promise<CallOutput<N>>
} & {
  [N in EventName]: (listener: (payload: EventPayload<N>) => void) => () => void
}
