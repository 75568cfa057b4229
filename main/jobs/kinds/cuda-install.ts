import { CudaInstallRequest, installCudaSupport } from '../../services/cuda-install-work'
import { serviceJob } from './service-job'

/** systemInstallCuda's work (main/services/cuda-install-work.ts). A Stop ends it between chunks and removes what was begun. */
export const cudaInstallJob = serviceJob(CudaInstallRequest, 'systemInstallCuda', (request, work) => installCudaSupport(request, work), { stopsCleanly: true })
