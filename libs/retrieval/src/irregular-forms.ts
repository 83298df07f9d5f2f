/**
 * Irregular English inflections mapped to their base form, which a suffix stemmer cannot do
 * ("withdrew" → "withdraw", "stolen" → "steal", "children" → "child"). General English, no domain content.
 */
const VERBS: ReadonlyArray<readonly [string, string]> = [
  ['be', 'was were been'], ['become', 'became'], ['begin', 'began begun'], ['break', 'broke broken'],
  ['bring', 'brought'], ['build', 'built'], ['buy', 'bought'], ['catch', 'caught'], ['choose', 'chose chosen'],
  ['come', 'came'], ['deal', 'dealt'], ['do', 'did done'], ['draw', 'drew drawn'],
  ['drive', 'drove driven'], ['eat', 'ate eaten'], ['fall', 'fell fallen'], ['feel', 'felt'], ['find', 'found'],
  ['fly', 'flew flown'], ['forget', 'forgot forgotten'], ['freeze', 'froze frozen'], ['get', 'got gotten'],
  ['give', 'gave given'], ['go', 'went gone'], ['grow', 'grew grown'], ['hang', 'hung'], ['have', 'had'],
  ['hear', 'heard'], ['hide', 'hid hidden'], ['hold', 'held'], ['keep', 'kept'], ['know', 'knew known'],
  ['lay', 'laid'], ['lead', 'led'], ['leave', 'left'], ['lend', 'lent'], ['lose', 'lost'], ['make', 'made'],
  ['mean', 'meant'], ['meet', 'met'], ['overpay', 'overpaid'], ['pay', 'paid'], ['prepay', 'prepaid'],
  ['ride', 'rode ridden'], ['ring', 'rang rung'], ['rise', 'rose risen'], ['run', 'ran'], ['say', 'said'],
  ['see', 'saw seen'], ['sell', 'sold'], ['send', 'sent'], ['shake', 'shook shaken'], ['show', 'shown'],
  ['sing', 'sang sung'], ['sit', 'sat'], ['sleep', 'slept'], ['speak', 'spoke spoken'],
  ['spend', 'spent'], ['stand', 'stood'], ['steal', 'stole stolen'], ['stick', 'stuck'], ['swim', 'swam swum'], ['take', 'took taken'], ['teach', 'taught'], ['tear', 'tore torn'], ['tell', 'told'],
  ['think', 'thought'], ['throw', 'threw thrown'], ['understand', 'understood'], ['undo', 'undid undone'],
  ['wake', 'woke woken'], ['wear', 'wore worn'], ['withdraw', 'withdrew withdrawn'],
  ['write', 'wrote written'],
];

const NOUNS: ReadonlyArray<readonly [string, string]> = [
  ['child', 'children'], ['person', 'people'], ['man', 'men'], ['woman', 'women'], ['foot', 'feet'],
  ['tooth', 'teeth'], ['mouse', 'mice'], ['wife', 'wives'], ['life', 'lives'], ['knife', 'knives'],
  ['half', 'halves'], ['leaf', 'leaves'], ['thief', 'thieves'],
];

/** Inflected form → base form. */
export const IRREGULAR_FORMS: ReadonlyMap<string, string> = new Map(
  [...VERBS, ...NOUNS].flatMap(([base, forms]) => forms.split(' ').map((form) => [form, base] as const)),
);
