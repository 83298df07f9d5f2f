// Masks personal data in free text before it reaches a log line, an audit row or (per tenant) the
// stored history. Patterns are deliberately specific (check digits, Luhn, mobile prefixes) so
// ordinary numbers such as amounts, dates or seqs stay readable.

const ID_CARD = /(?<![0-9])[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx](?![0-9])/g;
const CARD = /(?<![0-9])(?:\d[ -]?){12,18}\d(?![0-9])/g;
// 11 digits, optionally grouped 3-4-4 with one space or dash, optionally after +86 / 86.
const MOBILE = /(?<![0-9])((?:\+?86[ -]?)?)(1[3-9]\d)([ -]?)(\d{4})([ -]?)(\d{4})(?![0-9])/g;
// Tried at every position of a run of address characters, the greedy local part rescans the rest of the run (2 µs on
// a uuid): it runs only on text with an '@' (see maskPii).
const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;

const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK = '10X98765432';

/** GB 11643 check digit of an 18-digit resident ID number. */
export const isValidIdCard = (id: string): boolean => {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(id[i]) * ID_WEIGHTS[i]!;
  return ID_CHECK[sum % 11] === id[17]!.toUpperCase();
};

/** Luhn checksum, as printed on every payment card. */
export const isLuhnValid = (digits: string): boolean => {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
};

const keepEnds = (value: string, head: number, tail: number): string =>
  value.slice(0, head) + '*'.repeat(Math.max(0, value.length - head - tail)) + value.slice(value.length - tail);

// Cheap pre-checks: the three number patterns need at least 11 digits in a row (single spaces or dashes allowed
// between them: mobiles 11, cards 13-19, ID numbers 17 + check), an address needs an '@'. Most log fields (uuids, hex
// trace ids, routes, amounts) have neither and skip all four patterns; a uuid with 11 digits skips the address one.
const DIGIT_RUN = /\d(?:[ -]?\d){10}/;

/**
 * Replaces ID-card, mobile and bank-card numbers and e-mail addresses with masked forms.
 * Mobiles go before cards so that `+86 138…` keeps its shape instead of being read as a card.
 */
export const maskPii = (text: string): string => {
  const numbers = DIGIT_RUN.test(text);
  const address = text.includes('@');
  if (!numbers && !address) return text;
  let masked = text;
  if (numbers) {
    masked = masked
      .replace(ID_CARD, (m) => (isValidIdCard(m) ? keepEnds(m, 3, 2) : m))
      .replace(MOBILE, (_m, prefix: string, head: string, sep1: string, _middle: string, sep2: string, tail: string) => `${prefix}${head}${sep1}****${sep2}${tail}`)
      .replace(CARD, (m) => {
        const digits = m.replace(/[ -]/g, '');
        return digits.length >= 13 && digits.length <= 19 && isLuhnValid(digits) ? keepEnds(digits, 4, 4) : m;
      });
  }
  if (!address) return masked;
  return masked.replace(EMAIL, (m) => {
    const at = m.indexOf('@');
    return `${m[0]}***${m.slice(at)}`;
  });
};

const MAX_DEPTH = 6;

/**
 * The log record with every string (at any depth, including error messages and stacks) passed through
 * {@link maskPii}. Numbers, booleans and keys are left alone, so the line stays valid JSON with the same shape.
 * Copy-on-write: an object or array none of whose strings changes is returned as it is (almost every log line); one
 * that does is copied, from the top down to the masked string.
 */
export const maskPiiDeep = (value: unknown, depth = 0): unknown => {
  if (typeof value === 'string') return maskPii(value);
  if (value === null || typeof value !== 'object' || depth >= MAX_DEPTH) return value;
  if (value instanceof Error) {
    return { type: value.name, message: maskPii(value.message), ...(value.stack ? { stack: maskPii(value.stack) } : {}) };
  }
  if (value instanceof Date || Buffer.isBuffer(value)) return value;
  if (Array.isArray(value)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      const masked = maskPiiDeep(item, depth + 1);
      if (masked !== item) (out ??= value.slice())[i] = masked;
    }
    return out ?? value;
  }
  // An object that serialises itself (toJSON) would be written as its toJSON's result, unmasked: such an object always
  // becomes a plain copy of its own fields.
  const copy = typeof (value as { toJSON?: unknown }).toJSON === 'function';
  let out: Record<string, unknown> | undefined = copy ? {} : undefined;
  for (const [key, item] of Object.entries(value)) {
    const masked = maskPiiDeep(item, depth + 1);
    if (out) out[key] = masked;
    else if (masked !== item) (out = { ...(value as Record<string, unknown>) })[key] = masked;
  }
  return out ?? value;
};
