// The configurations of the paper's comparison (docs/METHOD.md "Defaults the paper used"), one click
// each: they set the adapter section and leave data and training as they are.
import type { AdapterMethodName } from './adapter-methods'

export interface AdapterPreset {
  id: string
  label: string
  description: string
  adapter: { method: AdapterMethodName } & Record<string, unknown>
}

export const ADAPTER_PRESETS: readonly AdapterPreset[] = [
  { id: 'mov-10', label: 'MoV-10', description: '10 (IA)³ experts per site, soft merging', adapter: { method: 'mov', experts: 10 } },
  { id: 'mov-30', label: 'MoV-30', description: '30 (IA)³ experts per site, soft merging', adapter: { method: 'mov', experts: 30 } },
  { id: 'molora-10', label: 'MoLoRA-10 r4', description: '10 LoRA experts of rank 4 per projection', adapter: { method: 'molora', experts: 10, rank: 4 } },
  { id: 'ia3', label: '(IA)³', description: 'one scaling vector per site', adapter: { method: 'ia3' } },
  { id: 'lora-16', label: 'LoRA r16', description: 'one rank-16 update per projection', adapter: { method: 'lora', rank: 16 } },
]
