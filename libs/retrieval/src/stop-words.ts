/**
 * Generic English normalisation tables: stop-words, contractions and British→American spellings.
 * Deliberately small and domain-free; intent-bearing words (negations, question words, "card", "pin",
 * quantities) are *not* stop-words because they separate otherwise similar FAQ entries.
 */

/** Function words that say nothing about what the customer wants. */
export const STOP_WORDS: ReadonlySet<string> = new Set([
  'a', 'an', 'the', 'and', 'or', 'but', 'of', 'to', 'in', 'on', 'at', 'by', 'for', 'from', 'with', 'into', 'onto',
  'about', 'as', 'so', 'than', 'very', 'just', 'also', 'then', 'there', 'here', 'this', 'that', 'these', 'those',
  'it', 'its', 'itself', 'i', 'me', 'my', 'mine', 'myself', 'we', 'us', 'our', 'ours', 'you', 'your', 'yours', 'he',
  'him', 'his', 'she', 'her', 'hers', 'they', 'them', 'their', 'theirs', 'is', 'am', 'are', 'was', 'were', 'be',
  'been', 'being', 'do', 'does', 'did', 'doing', 'have', 'has', 'had', 'having', 'will', 'would', 'shall', 'should',
  'can', 'could', 'may', 'might', 'must', 'some', 'any', 'please', 'pls', 'plz', 'kindly', 'hi', 'hello', 'hey',
  'thanks', 'thank', 'thx', 'ok', 'okay', 'oh', 'well', 'really', 'yet', 'get', 'got', 'like', 'want', 'need',
  'know', 'tell', 'let', 'if', 'im', 'ive', 'youre',
]);

/**
 * Question words: indexed like any word (they separate "when" from "where" entries), but a match on them alone says
 * nothing about the topic — "What is bitcoin?" shares only "what" with "What is my payment due date?".
 */
export const QUESTION_WORDS: readonly string[] = ['what', 'when', 'where', 'why', 'how', 'who', 'whom', 'whose', 'which'];

/** Contractions expanded before tokenising (apostrophe already normalised to '). */
export const CONTRACTIONS: ReadonlyMap<string, string> = new Map([
  ["can't", 'can not'], ["cannot", 'can not'], ["won't", 'will not'], ["shan't", 'shall not'], ["ain't", 'is not'],
  ["cant", 'can not'], ["wont", 'will not'], ["dont", 'do not'], ["doesnt", 'does not'], ["didnt", 'did not'],
  ["isnt", 'is not'], ["arent", 'are not'], ["wasnt", 'was not'], ["werent", 'were not'], ["havent", 'have not'],
  ["hasnt", 'has not'], ["hadnt", 'had not'], ["wouldnt", 'would not'], ["couldnt", 'could not'],
  ["shouldnt", 'should not'], ["im", 'i am'], ["ive", 'i have'], ["youre", 'you are'], ["whats", 'what is'],
  ["wheres", 'where is'], ["hows", 'how is'], ["whys", 'why is'], ["thats", 'that is'], ["theres", 'there is'],
  // Chat spellings.
  ['u', 'you'], ['ur', 'your'], ['r', 'are'], ['ya', 'you'], ['wanna', 'want to'], ['gonna', 'going to'],
  ['gotta', 'got to'], ['gimme', 'give me'], ['thru', 'through'], ['tho', 'though'], ['cuz', 'because'],
]);

/** British spellings mapped to American ones so both sides of a match agree. */
export const SPELLING_VARIANTS: ReadonlyMap<string, string> = new Map([
  ['colour', 'color'], ['colours', 'colors'], ['favour', 'favor'], ['favourite', 'favorite'], ['honour', 'honor'],
  ['labour', 'labor'], ['behaviour', 'behavior'], ['neighbour', 'neighbor'], ['centre', 'center'],
  ['centres', 'centers'], ['metre', 'meter'], ['litre', 'liter'], ['theatre', 'theater'], ['fibre', 'fiber'],
  ['cheque', 'check'], ['cheques', 'checks'], ['chequebook', 'checkbook'], ['programme', 'program'],
  ['programmes', 'programs'], ['licence', 'license'], ['defence', 'defense'], ['offence', 'offense'],
  ['catalogue', 'catalog'], ['dialogue', 'dialog'], ['grey', 'gray'], ['ageing', 'aging'], ['jewellery', 'jewelry'],
  ['tyre', 'tire'], ['tyres', 'tires'], ['mum', 'mom'], ['enquiry', 'inquiry'], ['enquiries', 'inquiries'],
  ['enquire', 'inquire'], ['postcode', 'zipcode'], ['e-mail', 'email'], ['signup', 'sign up'],
  ['login', 'log in'], ['logon', 'log on'], ['logout', 'log out'],
]);
