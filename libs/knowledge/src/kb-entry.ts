/** A knowledge-base entry as callers and the engine see it. */
export interface KbEntry {
  id: string;
  question: string;
  similarQuestions: string[];
  answer: string;
  tags: string[];
}

/** An entry as the API returns it: the entry plus when it was first and last written. */
export interface KbEntryView extends KbEntry {
  createdAt: string;
  updatedAt: string;
}

/** What a caller writes; the id is generated when absent, the lists default to empty. */
export interface KbEntryInput {
  id?: string;
  question: string;
  similarQuestions?: string[];
  answer: string;
  tags?: string[];
}

/**
 * Entry ids appear in chat replies (`entryId`), URLs and audit rows: printable, no spaces,
 * no slashes.
 */
export const KB_ENTRY_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

/** The limits of one entry and of one import; the DTOs and the import validator share them. */
export const KB_LIMITS = {
  questionMax: 2000,
  similarQuestionsMax: 50,
  answerMax: 10_000,
  tagsMax: 20,
  tagMax: 64,
  importEntriesMax: 10_000,
} as const;

/** Import modes: `upsert` adds or replaces by id; `replace` makes the KB exactly the file. */
export const KB_IMPORT_MODES = ['upsert', 'replace'] as const;
export type KbImportMode = (typeof KB_IMPORT_MODES)[number];

/** Bulk formats: one JSON object per line, or CSV with a header row. */
export const KB_FILE_FORMATS = ['ndjson', 'csv'] as const;
export type KbFileFormat = (typeof KB_FILE_FORMATS)[number];

/** Counts of one import. */
export interface KbImportResult {
  imported: number;
  created: number;
  updated: number;
  /** Entries already identical to the file's: left untouched. */
  unchanged: number;
  deleted: number;
}
