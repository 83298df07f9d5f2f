export { analyze, normalizeText, tokenize, type Token, type TokenKind } from './analyzer.js';
export { stem } from './stemmer.js';
export { DEFAULT_OPTIONS, type RetrievalOptions } from './options.js';
export { RetrievalIndex, type KbDocument, type SearchHit } from './retrieval-index.js';
export { DEFAULT_CONFIDENCE_THRESHOLD } from './confidence.js';
export { sharedWordVectors, wordVectorLoadInfo, type WordVectors, type WordVectorLoadInfo } from './word-vectors.js';
