import { F, type DType, type Value } from '../ir'

/** Rows of `table` [vocab, dim] picked by int64 `ids` [...]: result [..., dim] in `dtype`. */
export function embedding(ids: Value, table: Value, dtype: DType = 'float32'): Value {
  if (table.rank !== 2) throw new Error(`embedding: table ${table.describe()} must be [vocab, dim]`)
  return F.cast(F.gather(table, ids, 0), dtype)
}
