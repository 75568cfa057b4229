// The files each Browse… offers first (its filter can be switched off): what the importer reads.

/** A dataset: JSON Lines, JSON, CSV, TSV, Parquet or plain text. */
export const DATA_FILE_EXTENSIONS = ['jsonl', 'json', 'csv', 'tsv', 'parquet', 'txt']

/** Multiple-choice questions, as the eval sets read them (no plain text: a row needs its choices). */
export const MULTIPLE_CHOICE_EXTENSIONS = ['jsonl', 'json', 'csv', 'tsv', 'parquet']
