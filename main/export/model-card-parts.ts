// Pieces the ONNX model card's sections share: table rows, numbers, and the start of each
// runnable Python example.

/** A row of an input/output table: `name` | type | [shape] | meaning. */
export function tableRow(name: string, type: string, shape: string, what: string): string {
  return `| \`${name}\` | ${type} | [${shape}] | ${what} |`
}

/** Each example stands alone (it is copied as is): its imports and the folder's tokenizer. */
export function pythonStart(tokenizerOptions: string): string[] {
  return ['```python', 'import numpy as np', 'import onnxruntime as ort', 'from transformers import AutoTokenizer', '', `tokenizer = AutoTokenizer.from_pretrained("<this folder>"${tokenizerOptions})`]
}

export function count(n: number): string {
  return n.toLocaleString('en-US')
}
