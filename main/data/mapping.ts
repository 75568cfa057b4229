import { defaultMapping } from './detect-format'
import { FORMAT_FIELDS, isColumnField } from './format-fields'
import type { ColumnMapping, ExampleFormat } from './types'
import { closestName } from '../config/closest-name'

/** A mapping that cannot work for this file; the message says which field and what to do. */
export class MappingError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'MappingError'
  }
}

/**
 * The mapping an import uses: the user's choices over the detected (or default) one, checked
 * against the format's fields and the file's columns.
 */
export function resolveMapping(
  format: ExampleFormat,
  columns: string[],
  base: ColumnMapping,
  overrides: ColumnMapping = {},
): ColumnMapping {
  const fields = FORMAT_FIELDS[format]
  for (const name of Object.keys(overrides)) {
    if (!fields.some((field) => field.name === name)) {
      throw new MappingError(
        `the ${format} format has no field "${name}"; its fields are ${fields.map((f) => f.name).join(', ')}`,
      )
    }
  }
  const mapping: ColumnMapping = { ...defaultMapping(format, columns), ...base, ...overrides }
  for (const key of Object.keys(mapping)) if (!fields.some((field) => field.name === key)) delete mapping[key]
  for (const field of fields) {
    const column = mapping[field.name]
    if (column === undefined) {
      if (field.required) {
        throw new MappingError(
          `no column for the ${format} field "${field.name}": map it with --map ${field.name}=COLUMN ` +
            `(columns in the file: ${columns.join(', ') || 'none'})`,
        )
      }
      continue
    }
    if (isColumnField(format, field.name) && columns.length > 0 && !columns.includes(column)) {
      const meant = closestName(column, columns)
      throw new MappingError(
        `column "${column}" (mapped to ${field.name}) is not in the file${meant ? ` (did you mean ${meant}?)` : ''}; its columns are ${columns.join(', ')}`,
      )
    }
  }
  return mapping
}
