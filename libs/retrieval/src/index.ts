export { analyze, normalizeText, tokenize, type Token, type TokenKind } from './analyzer.js';
export { stem } from './stemmer.js';
export { DEFAULT_OPTIONS, type RetrievalOptions } from './options.js';
export { RetrievalIndex, type KbDocument, type SearchHit } from './retrieval-index.js';
export { DEFAULT_CONFIDENCE_THRESHOLD } from './confidence.js';
export { sharedWordVectors, wordVectorLoadInfo, type WordVectors, type WordVectorLoadInfo } from './word-vectors.js';
export {
  crossValidate,
  evalQueriesFromRows,
  evalSummary,
  evaluate,
  EvalInputError,
  kbDocumentFromRow,
  readJsonlFile,
  type EvalCounts,
  type EvalQuery,
  type EvalSummary,
} from './evaluation.js';
