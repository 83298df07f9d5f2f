/**
 * English Porter2 ("Snowball English") stemmer, written from the published algorithm description
 * (https://snowballstem.org/algorithms/english/stemmer.html). Pure, allocation-light, no dependencies.
 */

const EXCEPTIONS: ReadonlyMap<string, string> = new Map([
  ['skis', 'ski'],
  ['skies', 'sky'],
  ['dying', 'die'],
  ['lying', 'lie'],
  ['tying', 'tie'],
  ['idly', 'idl'],
  ['gently', 'gentl'],
  ['ugly', 'ugli'],
  ['early', 'earli'],
  ['only', 'onli'],
  ['singly', 'singl'],
  ['sky', 'sky'],
  ['news', 'news'],
  ['howe', 'howe'],
  ['atlas', 'atlas'],
  ['cosmos', 'cosmos'],
  ['bias', 'bias'],
  ['andes', 'andes'],
]);

/** Words left untouched once step 1a has run (they would otherwise lose a fake "-ing"/"-eed"). */
const POST_1A_EXCEPTIONS = new Set(['inning', 'outing', 'canning', 'herring', 'earring', 'proceed', 'exceed', 'succeed']);

const DOUBLES = new Set(['bb', 'dd', 'ff', 'gg', 'mm', 'nn', 'pp', 'rr', 'tt']);
const LI_ENDINGS = new Set(['c', 'd', 'e', 'g', 'h', 'k', 'm', 'n', 'r', 't']);

// Suffix tables are ordered longest first so the first match is the longest one, as the algorithm requires.
const STEP2: ReadonlyArray<readonly [string, string]> = [
  ['ization', 'ize'],
  ['ational', 'ate'],
  ['fulness', 'ful'],
  ['ousness', 'ous'],
  ['iveness', 'ive'],
  ['tional', 'tion'],
  ['biliti', 'ble'],
  ['lessli', 'less'],
  ['entli', 'ent'],
  ['ation', 'ate'],
  ['alism', 'al'],
  ['aliti', 'al'],
  ['ousli', 'ous'],
  ['iviti', 'ive'],
  ['fulli', 'ful'],
  ['enci', 'ence'],
  ['anci', 'ance'],
  ['abli', 'able'],
  ['izer', 'ize'],
  ['ator', 'ate'],
  ['alli', 'al'],
  ['bli', 'ble'],
  ['ogi', 'og'],
  ['li', ''],
];

const STEP3: ReadonlyArray<readonly [string, string]> = [
  ['ational', 'ate'],
  ['tional', 'tion'],
  ['alize', 'al'],
  ['icate', 'ic'],
  ['iciti', 'ic'],
  ['ative', ''],
  ['ical', 'ic'],
  ['ness', ''],
  ['ful', ''],
];

const STEP4 = [
  'ement', 'ance', 'ence', 'able', 'ible', 'ment', 'ant', 'ent', 'ism', 'ate', 'iti', 'ous', 'ive', 'ize', 'ion', 'al',
  'er', 'ic',
];

function isVowel(ch: string): boolean {
  return ch === 'a' || ch === 'e' || ch === 'i' || ch === 'o' || ch === 'u' || ch === 'y';
}

/** Start of the region after the first non-vowel that follows a vowel, searching from `from`. */
function regionAfter(w: string, from: number): number {
  for (let i = from + 1; i < w.length; i++) {
    if (!isVowel(w[i]) && isVowel(w[i - 1])) return i + 1;
  }
  return w.length;
}

function computeR1(w: string): number {
  for (const prefix of ['gener', 'commun', 'arsen']) {
    if (w.startsWith(prefix)) return prefix.length;
  }
  return regionAfter(w, 0);
}

/** A short syllable ends at index `end` (inclusive). */
function endsWithShortSyllable(w: string, end: number): boolean {
  if (end === 1) return isVowel(w[0]) && !isVowel(w[1]);
  if (end < 1) return false;
  const c = w[end];
  return !isVowel(c) && c !== 'w' && c !== 'x' && c !== 'Y' && isVowel(w[end - 1]) && !isVowel(w[end - 2]);
}

function isShortWord(w: string, r1: number): boolean {
  return r1 >= w.length && endsWithShortSyllable(w, w.length - 1);
}

function containsVowel(w: string, end: number): boolean {
  for (let i = 0; i < end; i++) if (isVowel(w[i])) return true;
  return false;
}

function step1a(w: string): string {
  if (w.endsWith('sses')) return w.slice(0, -2);
  if (w.endsWith('ied') || w.endsWith('ies')) return w.length > 4 ? w.slice(0, -2) : w.slice(0, -1);
  if (w.endsWith('us') || w.endsWith('ss')) return w;
  // "s" goes only if a vowel occurs before the letter preceding it (gas, this keep their s).
  if (w.endsWith('s') && containsVowel(w, w.length - 2)) return w.slice(0, -1);
  return w;
}

function step1b(w: string, r1: number): string {
  for (const suf of ['eedly', 'eed']) {
    if (w.endsWith(suf)) return w.length - suf.length >= r1 ? w.slice(0, -suf.length) + 'ee' : w;
  }
  for (const suf of ['ingly', 'edly', 'ing', 'ed']) {
    if (!w.endsWith(suf)) continue;
    const stem = w.slice(0, -suf.length);
    if (!containsVowel(stem, stem.length)) return w;
    if (stem.endsWith('at') || stem.endsWith('bl') || stem.endsWith('iz')) return stem + 'e';
    if (DOUBLES.has(stem.slice(-2))) return stem.slice(0, -1);
    if (isShortWord(stem, r1)) return stem + 'e';
    return stem;
  }
  return w;
}

function step1c(w: string): string {
  const last = w[w.length - 1];
  if ((last === 'y' || last === 'Y') && w.length > 2 && !isVowel(w[w.length - 2])) return w.slice(0, -1) + 'i';
  return w;
}

function step2(w: string, r1: number): string {
  for (const [suf, rep] of STEP2) {
    if (!w.endsWith(suf)) continue;
    const at = w.length - suf.length;
    if (at < r1) return w;
    if (suf === 'ogi') return w[at - 1] === 'l' ? w.slice(0, at) + rep : w;
    if (suf === 'li') return LI_ENDINGS.has(w[at - 1]) ? w.slice(0, at) : w;
    return w.slice(0, at) + rep;
  }
  return w;
}

function step3(w: string, r1: number, r2: number): string {
  for (const [suf, rep] of STEP3) {
    if (!w.endsWith(suf)) continue;
    const at = w.length - suf.length;
    if (at < r1) return w;
    if (suf === 'ative') return at >= r2 ? w.slice(0, at) : w;
    return w.slice(0, at) + rep;
  }
  return w;
}

function step4(w: string, r2: number): string {
  for (const suf of STEP4) {
    if (!w.endsWith(suf)) continue;
    const at = w.length - suf.length;
    if (at < r2) return w;
    if (suf === 'ion') return w[at - 1] === 's' || w[at - 1] === 't' ? w.slice(0, at) : w;
    return w.slice(0, at);
  }
  return w;
}

function step5(w: string, r1: number, r2: number): string {
  const last = w.length - 1;
  if (w[last] === 'e') {
    if (last >= r2) return w.slice(0, -1);
    if (last >= r1 && !endsWithShortSyllable(w, last - 1)) return w.slice(0, -1);
    return w;
  }
  if (w[last] === 'l' && last >= r2 && w[last - 1] === 'l') return w.slice(0, -1);
  return w;
}

/** Porter2 stem of one lowercase English word (other input is returned unchanged). */
export function stem(word: string): string {
  if (word.length <= 2 || !/^[a-z']+$/.test(word)) return word;
  const exception = EXCEPTIONS.get(word);
  if (exception !== undefined) return exception;

  let w = word.startsWith("'") ? word.slice(1) : word;
  // Consonant y is marked as Y so that it never counts as a vowel.
  if (w.startsWith('y')) w = 'Y' + w.slice(1);
  w = w.replace(/([aeiouy])y/g, '$1Y');

  // Step 0: possessive endings.
  for (const suf of ["'s'", "'s", "'"]) {
    if (w.endsWith(suf)) {
      w = w.slice(0, -suf.length);
      break;
    }
  }
  if (w.length <= 2) return w.replace(/Y/g, 'y');

  const r1 = computeR1(w);
  const r2 = regionAfter(w, r1);

  w = step1a(w);
  if (POST_1A_EXCEPTIONS.has(w)) return w;
  w = step1b(w, r1);
  w = step1c(w);
  w = step2(w, r1);
  w = step3(w, r1, r2);
  w = step4(w, r2);
  w = step5(w, r1, r2);
  return w.replace(/Y/g, 'y');
}
