// Elliptical follow-ups lean on the previous turn: "那手续费呢?", "and the fee?", "what about
// abroad?". They are short and open with a connective, or end with the Chinese "呢" particle.
const ZH_LEAD = /^(那|那么|那如果|还有|另外|然后|如果是|要是)/;
const ZH_TAIL = /呢[?？!！。.\s]*$/;
const EN_LEAD = /^(and|but|so|also|what about|how about|and what about|what if|then)\b/i;

/** Whether the query only makes sense together with the previous turn. */
export const isElliptical = (query: string): boolean => {
  const q = query.trim();
  const short = [...q].length <= 16 || q.split(/\s+/).length <= 5;
  return short && (ZH_LEAD.test(q) || ZH_TAIL.test(q) || EN_LEAD.test(q));
};
