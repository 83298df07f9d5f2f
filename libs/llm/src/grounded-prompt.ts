/** One message of an OpenAI-compatible chat. */
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** A knowledge-base entry the answer may rely on. */
export interface GroundingExcerpt {
  question: string;
  answer: string;
}

/** An earlier turn of the conversation. */
export interface PromptTurn {
  query: string;
  answer: string;
}

const DEFAULT_PERSONA = 'You are a polite, concise customer-service assistant.';

const RULES = [
  'Answer only from the FAQ excerpts below and the conversation so far.',
  'If they do not contain the answer, say briefly that you do not know and offer to transfer the customer to a human agent.',
  'Never invent products, fees, rates, numbers, links or policies.',
  "Reply in the customer's language, in plain text, in at most a few sentences.",
].join(' ');

/**
 * The retrieval-augmented prompt: the tenant's system prompt, grounding rules with the top
 * knowledge-base excerpts (question and answer), the recent turns as alternating user and
 * assistant messages (oldest first), and the customer's new message.
 */
export const buildGroundedMessages = (input: {
  systemPrompt: string | null;
  excerpts: readonly GroundingExcerpt[];
  history: readonly PromptTurn[];
  query: string;
}): ChatMessage[] => {
  const faq = input.excerpts.length
    ? input.excerpts.map((e, i) => `[${i + 1}] Q: ${oneLine(e.question)}\n    A: ${e.answer.trim()}`).join('\n')
    : '(no matching entries)';
  const system = `${input.systemPrompt?.trim() || DEFAULT_PERSONA}\n\n${RULES}\n\nFAQ excerpts:\n${faq}`;
  const messages: ChatMessage[] = [{ role: 'system', content: system }];
  for (const turn of input.history) {
    messages.push({ role: 'user', content: turn.query }, { role: 'assistant', content: turn.answer });
  }
  messages.push({ role: 'user', content: input.query });
  return messages;
};

const oneLine = (text: string): string => text.replace(/\s+/g, ' ').trim();
