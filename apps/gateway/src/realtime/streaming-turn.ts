import type { ChatTurnInput, ChatTurnResult, ChatTurnService } from '#dialogue';
import type { TenantSnapshot } from '#tenancy';

/** Where a streaming channel writes a turn's text as it is generated. */
export interface DeltaSink {
  delta(text: string): void;
  /** Aborted when the client went away (SSE): the turn is abandoned and not stored. */
  signal?: AbortSignal;
}

/**
 * Runs one turn for a streaming channel. Clients always see delta(s) then the answer: an
 * engine that does not stream (the knowledge base, a fallback, a de-duplicated retry) gets its
 * whole answer sent as one delta before the final.
 */
export const runStreamingTurn = async (
  turns: ChatTurnService,
  tenant: TenantSnapshot,
  userId: string,
  input: ChatTurnInput,
  requestId: string,
  sink: DeltaSink,
): Promise<ChatTurnResult> => {
  let streamed = false;
  const result = await turns.handle(tenant, userId, input, requestId, {
    onDelta: (text) => {
      if (!text) return;
      streamed = true;
      sink.delta(text);
    },
    ...(sink.signal ? { signal: sink.signal } : {}),
  });
  if (!streamed) sink.delta(result.answer);
  return result;
};
