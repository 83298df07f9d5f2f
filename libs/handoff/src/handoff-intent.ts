// Requests for a human agent, in Chinese and English. Matching is on a normalised copy of the
// message: NFKC (full-width forms become ASCII), lower case; Chinese patterns see the text with
// every space and punctuation mark removed ("转 人 工!!" → "转人工"), English patterns see
// words separated by single spaces ("Talk-to-a HUMAN?!" → " talk to a human ").

const ZH_REQUESTS: RegExp[] = [
  /转(接|到|给)?人工/, // 转人工, 转接人工
  /人工(客服|服务|坐席|座席|台|接待|专员|回复)/, // 人工客服 (but never 人工智能)
  /(找|要|接|叫|呼叫|联系|请求|需要|换)(个|一个|一下)?人工(?!智能|费|成本|审核|核)/, // 找人工
  /(?<!认)真人(?!秀)/, // 真人, 真人客服 (not 认真人…, 真人秀)
  /客服(人员|专员|小姐姐|经理)/,
];

// Alone, "人工" ("human!") is a request; inside a sentence it is usually 人工智能, 人工费….
const ZH_BARE = /^(我要|我想|请|帮我)?转?(人工)+(吧|啊|呀|谢谢)?$/;

// "不要转人工" (don't transfer me) is not a request.
const ZH_NEGATION = /(不要|不用|别|不需要|无需|不想|没必要)$/;

const EN_REQUESTS: RegExp[] = [
  / (talk|speak|chat|connect|transfer|put|get|pass) (me )?(to|with|through to|over to) (a |an |the |your |some |one of your )?(real |live |actual )?(human|person|agent|representative|rep|operator|someone|somebody|staff)(?! resources)/,
  / (real|live|actual) (human|person|people|agent|representative)/,
  / human (agent|being|representative|support|operator|please)/,
  / customer (service|support|care) (representative|rep|agent|person|staff|officer)/,
  / (i want|i need|i d like|id like|give me|get me) (a |an |the )?(human|agent|representative|operator)( |$)/,
];

const EN_BARE = /^ (a )?(human|agent|representative|operator|live agent|real person)( please| pls| now)? $/;
const EN_NEGATION = /(don t|do not|dont|no need to|never)( want to| need to| wanna)? $/;

/** Whether the customer asks for a human agent ("转人工", "talk to a human", …). */
export const isHandoffRequest = (query: string): boolean => {
  const text = query.normalize('NFKC').toLowerCase();
  const compact = text.replace(/[^\p{L}\p{N}]+/gu, '');
  if (ZH_BARE.test(compact)) return true;
  for (const pattern of ZH_REQUESTS) {
    const match = pattern.exec(compact);
    if (match && !ZH_NEGATION.test(compact.slice(0, match.index))) return true;
  }
  const words = ` ${text.replace(/[^a-z0-9]+/g, ' ').trim()} `;
  if (EN_BARE.test(words)) return true;
  for (const pattern of EN_REQUESTS) {
    const match = pattern.exec(words);
    if (match && !EN_NEGATION.test(words.slice(0, match.index + 1))) return true;
  }
  return false;
};

/** Answers of earlier turns, most recent last, as far as the streak rule needs them. */
export interface SourcedTurn {
  source: string;
}

/** How many of the most recent turns in a row were answered with the fallback. */
export const trailingFallbacks = (history: readonly SourcedTurn[]): number => {
  let count = 0;
  for (let i = history.length - 1; i >= 0 && history[i]!.source === 'fallback'; i--) count++;
  return count;
};

/**
 * Whether a fallback now would be the `threshold`-th in a row (0 disables the rule), so the
 * conversation goes to a human instead of a third "sorry, I don't know".
 */
export const fallbackStreakReached = (history: readonly SourcedTurn[], threshold: number): boolean =>
  threshold > 0 && trailingFallbacks(history) + 1 >= threshold;
