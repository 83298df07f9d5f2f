import { describe, expect, it } from '@jest/globals';
import { stem } from './stemmer.js';

// Expected stems from the reference Snowball English vocabulary (snowballstem/snowball-data, english/),
// plus the textbook examples of the algorithm description.
const REFERENCE: ReadonlyArray<readonly [string, string]> = [
  ['agreed', 'agre'], ['arsenal', 'arsenal'], ['caresses', 'caress'], ['cats', 'cat'], ['communication', 'communic'],
  ['consigning', 'consign'], ['consignment', 'consign'], ['consistently', 'consist'], ['consisting', 'consist'],
  ['conspicuous', 'conspicu'], ['conspirator', 'conspir'], ['constable', 'constabl'],
  ['constitootion', 'constitoot'], ['constitutional', 'constitut'], ['constitutionally', 'constitut'],
  ['construe', 'constru'], ['consume', 'consum'], ['consummate', 'consumm'], ['consumptive', 'consumpt'],
  ['contemplative', 'contempl'], ['contemptible', 'contempt'], ['conten', 'conten'], ['contentedly', 'content'],
  ['contentious', 'contenti'], ['continent', 'contin'], ['contradictory', 'contradictori'],
  ['contribute', 'contribut'], ['contrivance', 'contriv'], ['controlled', 'control'], ['controlling', 'control'],
  ['contumelious', 'contumeli'], ['contumely', 'contum'], ['convenience', 'conveni'], ['conventionality', 'convent'],
  ['convertible', 'convert'], ['conveyancer', 'conveyanc'], ['convivial', 'convivi'], ['coodle', 'coodl'],
  ['coodleites', 'coodleit'], ['coolness', 'cool'], ['coping', 'cope'], ['coppery', 'copperi'],
  ['cordiality', 'cordial'], ['cornwall', 'cornwal'], ['coronal', 'coron'], ['corporation', 'corpor'],
  ['corrientes', 'corrient'], ['corrugated', 'corrug'], ['costal', 'costal'], ['costlier', 'costlier'],
  ['costly', 'cost'], ['dying', 'die'], ['feed', 'feed'], ['gaps', 'gap'], ['gas', 'gas'],
  ['generously', 'generous'], ['happy', 'happi'], ['hoping', 'hope'], ['hopping', 'hop'], ['inning', 'inning'],
  ['kiwis', 'kiwi'], ['news', 'news'], ['ponies', 'poni'], ['proceed', 'proceed'], ['punctuation', 'punctuat'],
  ['puny', 'puni'], ['purposely', 'purpos'], ['pursue', 'pursu'], ['pursuing', 'pursu'],
  ['pusillanimity', 'pusillanim'], ['putrefaction', 'putrefact'], ['pye', 'pye'], ['quadras', 'quadra'],
  ['quadruped', 'quadrup'], ['quagmires', 'quagmir'], ['quale', 'qual'], ['quarrelsome', 'quarrelsom'],
  ['quatre', 'quatr'], ['que', 'que'], ['queries', 'queri'], ['quitting', 'quit'], ['quixotic', 'quixot'],
  ['quixotism', 'quixot'], ['quizzing', 'quizz'], ['racing', 'race'], ['radiate', 'radiat'], ['radicalism', 'radic'],
  ['raging', 'rage'], ['raillery', 'railleri'], ['rainy', 'raini'], ['rallying', 'ralli'], ['rankled', 'rankl'],
  ['rarefied', 'rarefi'], ['rascality', 'rascal'], ['rated', 'rate'], ['rational', 'ration'],
  ['rattlesnake', 'rattlesnak'], ['skies', 'sky'], ['this', 'this'], ['ties', 'tie'],
];

describe('stem (Porter2)', () => {
  it.each(REFERENCE)('%s -> %s', (word, expected) => {
    expect(stem(word)).toBe(expected);
  });

  it('conflates inflections that FAQ matching depends on', () => {
    const groups = [
      ['activate', 'activated', 'activating', 'activation'],
      ['transfer', 'transfers', 'transferred', 'transferring'],
      ['cancel', 'cancels', 'cancelled', 'canceled', 'cancelling', 'cancellation'],
      ['charge', 'charged', 'charges', 'charging'],
      ['refund', 'refunds', 'refunded', 'refunding'],
    ];
    for (const group of groups) expect(new Set(group.map(stem)).size).toBe(1);
  });

  it('keeps distinct words apart', () => {
    expect(stem('card')).not.toBe(stem('care'));
    expect(stem('pin')).not.toBe(stem('pine'));
    expect(stem('news')).toBe('news');
  });

  it('leaves short words, digits and non-Latin text alone', () => {
    expect(stem('is')).toBe('is');
    expect(stem('3ds')).toBe('3ds');
    expect(stem('银行')).toBe('银行');
  });

  it('handles possessives and apostrophes', () => {
    expect(stem("bank's")).toBe('bank');
    expect(stem("'tis")).toBe('tis');
  });
});
