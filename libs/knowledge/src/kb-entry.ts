/** A knowledge-base entry as callers and the engine see it. */
export interface KbEntry {
  id: string;
  question: string;
  similarQuestions: string[];
  answer: string;
  tags: string[];
}
