import type { ContextTurn } from '#queue';
import type { RetrievalIndex, SearchHit } from '#retrieval';
import { isElliptical } from './follow-up.js';

/** What retrieval found for a turn: the hit the KB would answer with, and the top hits to ground an LLM. */
export interface Retrieved {
  best?: SearchHit;
  /** Best first, at most `GROUNDING_HITS`. */
  top: SearchHit[];
}

export const GROUNDING_HITS = 3;

/**
 * Searches the tenant's index for the query, using the previous turn for follow-ups. The
 * choice of `best` is the engine's long-standing rule; `top` adds the runners-up of the same
 * search for the LLM's grounding.
 */
export const retrieve = (index: RetrievalIndex, query: string, history: readonly ContextTurn[], minConfidence: number): Retrieved => {
  const previous = lastCustomerQuery(history);
  if (isElliptical(query)) {
    // "那手续费呢?" alone names no product; only the previous turn can say which fee is meant.
    if (!previous) return { top: [] };
    const top = index.search(`${previous} ${query}`, GROUNDING_HITS);
    return { best: top[0], top };
  }
  const direct = index.search(query, GROUNDING_HITS);
  if (!previous || (direct[0] && direct[0].confidence >= minConfidence)) return { best: direct[0], top: direct };
  // A weak, non-elliptical query may still be a terse follow-up ("fees?"); context is only
  // allowed to pick an entry the query itself already leans towards, so an unrelated new
  // question is never dragged back to the previous topic.
  const contextual = index.search(`${previous} ${query}`, 1)[0];
  if (contextual && direct.some((hit) => hit.id === contextual.id)) {
    return { best: contextual, top: [contextual, ...direct.filter((hit) => hit.id !== contextual.id)] };
  }
  return { best: direct[0], top: direct };
};

const lastCustomerQuery = (history: readonly ContextTurn[]): string | undefined => {
  for (let i = history.length - 1; i >= 0; i--) {
    const turn = history[i]!;
    if (turn.source !== 'fallback' || !isElliptical(turn.query)) return turn.query;
  }
  return undefined;
};
