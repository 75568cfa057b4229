// The Frozen base select (model.quantize) in words: what each choice holds the frozen weights in.
// The options are the contract's own (QUANTIZE_SCHEMES); the words for people live here.
import { QUANTIZE_SCHEMES, type QuantizeScheme } from '../../../main/contract/run-config'

const LABELS: Record<QuantizeScheme, string> = {
  none: 'Full precision',
  int8: '8-bit (int8)',
  int4: '4-bit (int4)',
}

export const QUANTIZE_CHOICES: { value: QuantizeScheme; label: string }[] = QUANTIZE_SCHEMES.map((value) => ({ value, label: LABELS[value] }))

// int4 is 4 bits a value plus a float32 scale a block of 32: 5 bits, about a sixth of float32's 32.
export const QUANTIZE_HINT = '4-bit holds the frozen weights in about a sixth of the memory; the adapter still trains in float32.'

export function quantizeLabel(scheme: QuantizeScheme): string {
  return LABELS[scheme]
}
