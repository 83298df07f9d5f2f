// Masks personal data in free text before it reaches a log line. Patterns are deliberately
// specific (check digits, Luhn) so ordinary numbers such as amounts or seqs stay readable.

const ID_CARD = /(?<![0-9])[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx](?![0-9])/g;
const CARD = /(?<![0-9])(?:\d[ -]?){12,18}\d(?![0-9])/g;
const MOBILE = /(?<![0-9])(?:\+?86[ -]?)?1[3-9]\d{9}(?![0-9])/g;
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

/** Replaces ID-card, bank-card, mobile numbers and e-mail addresses with masked forms. */
export const maskPii = (text: string): string =>
  text
    .replace(ID_CARD, (m) => (isValidIdCard(m) ? keepEnds(m, 3, 2) : m))
    .replace(CARD, (m) => {
      const digits = m.replace(/[ -]/g, '');
      return digits.length >= 13 && digits.length <= 19 && isLuhnValid(digits) ? keepEnds(digits, 4, 4) : m;
    })
    .replace(MOBILE, (m) => keepEnds(m, m.length - 8, 4))
    .replace(EMAIL, (m) => {
      const at = m.indexOf('@');
      return `${m[0]}***${m.slice(at)}`;
    });
