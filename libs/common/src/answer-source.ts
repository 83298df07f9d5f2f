/** Where an answer came from; part of the public contract. */
export const ANSWER_SOURCES = ['kb', 'llm', 'fallback', 'handoff'] as const;
export type AnswerSource = (typeof ANSWER_SOURCES)[number];
