import { measureCpuMatmulRate } from '../../runtime/cpu-matmul-rate'
import { CpuRateRequest } from '../../services/cpu-rate'
import { serviceJob } from './service-job'

/** runsEstimate's CPU rate (services/cpu-rate.ts): half a second of onnxruntime, off main's thread. */
export const cpuRateJob = serviceJob(CpuRateRequest, 'runsEstimate', () => measureCpuMatmulRate())
