import { envToken } from '../../hub/hub-config'
import { downloadFromHub, HubDownloadRequest } from '../../services/hub-download-work'
import { serviceJob, withStore } from './service-job'

/**
 * hubDownload's work (main/services/hub-download-work.ts). The token comes in the environment
 * (HF_TOKEN, set by main from the stored one), never in the arguments every user can list. A Stop
 * ends it between chunks; the part files stay for the next download to resume.
 */
export const hubDownloadJob = serviceJob(
  HubDownloadRequest, 'hubDownload', (request, work) => withStore(request.dataDir, (store) => downloadFromHub(request, envToken(process.env), store, work)), { stopsCleanly: true },
)
