// Why a mixture adapter cannot leave Mixture Studio in PEFT's format or folded into the base
// weights, said once so the CLI, the UI and the tests read the same reason.
import type { AdapterMethodName } from '../engine/adapters/names'
import { ExportError } from './types'

const PEFT_REASON: Partial<Record<AdapterMethodName, string>> = {
  mov:
    "PEFT has no MoV method: its IA3 tuner learns one fixed vector per module, while MoV mixes E vectors per token with a router, so the routers and expert vectors have nowhere to go",
  molora:
    'PEFT has no MoLoRA method: its LoRA tuner adds one fixed B·A per module, while MoLoRA mixes E low-rank experts per token with a router, so the routers and experts have nowhere to go',
}

const MERGE_REASON: Partial<Record<AdapterMethodName, string>> = {
  mov: "MoV's scaling vector is a router-weighted mix that changes with every token's activation, so no single set of weights equals it",
  molora: "MoLoRA's update is a router-weighted mix of experts that changes with every token, so no single weight update equals it",
}

/** Throws for methods PEFT cannot load. */
export function checkPeftExportable(method: AdapterMethodName): void {
  const reason = PEFT_REASON[method]
  if (reason) throw new ExportError(`cannot export a ${method} adapter in PEFT format: ${reason}. Export it as native (Mixture Studio loads it), or train lora or ia3 for PEFT.`)
}

/** Throws for methods whose effect depends on the input and so cannot be folded into the weights. */
export function checkMergeable(method: AdapterMethodName): void {
  const reason = MERGE_REASON[method]
  if (reason) throw new ExportError(`cannot merge a ${method} adapter into the base model: ${reason}. Export it as native instead (the base model stays unchanged and the adapter is applied at run time).`)
}
