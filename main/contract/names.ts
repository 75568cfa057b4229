// Plain lists of call and event names, free of zod, so the sandboxed preload stays tiny.
// A unit test checks they equal the keys of `calls` and `events` in ./index.
export const callNames = ['systemInfo', 'storageShow', 'storageDeleteCopies', 'storageDeleteHubRepo', 'runsList', 'runsStart', 'runsCancel', 'runsResume', 'runsQueue', 'runsQueueMove', 'runsStartNow', 'runsShow', 'runsMetrics', 'runsLog', 'runsAnswers', 'runsDelete', 'runsImportJob', 'runsExport', 'runsSuggestExportFolder', 'runsEstimate', 'runsMeasureStep', 'runsCheck', 'playgroundGenerate', 'evaluationsCreate', 'evaluationsList', 'evaluationsShow', 'evaluationsDelete', 'runsAccuracies', 'jobsStart', 'systemInstallCuda', 'systemCheckCuda', 'jobsCancel', 'jobsList', 'datasetsImport', 'datasetsList', 'datasetsShow', 'datasetsRename', 'datasetsDelete', 'datasetsFindImported', 'datasetsPreview', 'settingsGet', 'settingsSet', 'dialogOpenFile', 'filesList', 'filesReadConfig', 'modelsImport', 'modelsList', 'modelsShow', 'modelsRemove', 'hubSearchModels', 'hubCuratedModels', 'hubModelInfo', 'hubCachedModels', 'hubDatasetFiles', 'hubTokenStatus', 'hubSetToken', 'hubDownload', 'demoPlan', 'demoMakeModel', 'demoMakeDataset', 'demoStart'] as const
export const eventNames = ['onJobEvent', 'onRunEvent'] as const

/** The Electron IPC channel of a call (ipcMain.handle / ipcRenderer.invoke). */
export function callChannel(name: string): string {
  return `api:${name}`
}

/** The Electron IPC channel main sends an event on (webContents.send / ipcRenderer.on). */
export function eventChannel(name: string): string {
  return `event:${name}`
}
