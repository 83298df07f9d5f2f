import { stem } from './stemmer.js';

/**
 * Small, domain-neutral thesaurus of everyday customer-service English. Words of one group share a concept
 * feature (weighted below a literal match), so "purchase" still finds "buy" when a KB has only a few phrasings.
 * Only unambiguous near-synonyms belong here: no product names, no domain jargon.
 */
const GROUPS: readonly string[] = [
  'buy purchase',
  'receive obtain',
  'send transfer',
  'cancel terminate abort revoke',
  'delete remove erase',
  'change modify edit alter amend',
  'wrong incorrect mistaken erroneous mistake',
  'fee charge commission',
  'cost price',
  'refund reimburse reimbursement',
  'help assist assistance support',
  'problem issue trouble difficulty',
  'broken damaged faulty defective',
  'lost missing misplaced disappeared vanished',
  'password passcode pwd passphrase',
  'phone mobile cellphone telephone smartphone',
  'extra additional another spare',
  'allow permit',
  'decline reject refuse deny',
  'fix resolve solve repair',
  'fast quick rapid speedy',
  'identity identification id',
  'complaint grievance',
  'feedback review opinion comment',
  'recover restore retrieve',
  'steal theft rob robbery',
  'fraud scam',
  'begin start',
  'finish complete',
  'abroad overseas foreign international',
  'limit maximum max cap',
  'choose select pick',
  'speak talk chat',
  'agent representative operator human',
  'invoice bill',
  'shipping delivery shipment',
  'find locate',
  'item product article goods',
  'money funds fund',
  'happen occur',
  'appear show display visible',
];

/** Stem → concept label (the group's first word). */
export const CONCEPTS: ReadonlyMap<string, string> = new Map(
  GROUPS.flatMap((group) => {
    const words = group.split(' ');
    return words.map((word) => [stem(word), words[0]] as const);
  }),
);
