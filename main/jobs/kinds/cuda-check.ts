import { checkCudaSupport, CudaCheckRequest } from '../../services/cuda-check-work'
import { serviceJob } from './service-job'

/** systemCheckCuda's work (main/services/cuda-check-work.ts): a CUDA session, in a process of its own. */
export const cudaCheckJob = serviceJob(CudaCheckRequest, 'systemCheckCuda', (request) => checkCudaSupport(request))
