import { analyze } from './analyzer.js';
import { calibratedConfidence } from './confidence.js';
import { extractFeatures, FEATURE_CLASS_COUNT, FeatureClass, featureClass, type FeatureSettings } from './features.js';
import { DEFAULT_OPTIONS, type RetrievalOptions } from './options.js';
import { documentFrequency, PostingsBuilder, type Postings } from './postings.js';
import { SearchScratch } from './search-scratch.js';

/** One FAQ entry of a tenant's knowledge base. */
export interface KbDocument {
  id: string;
  question: string;
  similarQuestions: string[];
  answer: string;
}

/** A ranked entry: raw score (comparable within one query) and calibrated confidence in [0, 1]. */
export interface SearchHit {
  id: string;
  score: number;
  confidence: number;
}

/** Everything a built index holds; immutable after {@link RetrievalIndex.build}. */
interface IndexData {
  readonly ids: readonly string[];
  readonly idRank: Int32Array;
  readonly dictionary: ReadonlyMap<string, number>;
  readonly phrasings: Postings;
  readonly entries: Postings;
  readonly answers: Postings;
  readonly phrasingEntry: Int32Array;
  /** Sum of query weights of a phrasing's distinct features: what a query would need to cover all of it. */
  readonly phrasingMass: Float64Array;
  readonly featureWeight: Float64Array;
  readonly answerFeatureWeight: Float64Array;
  /** Weight an unseen feature of each class would have: rare words the KB lacks lower the confidence. */
  readonly unseenWeight: readonly number[];
  readonly entryNorm: Float64Array;
  readonly options: Readonly<RetrievalOptions>;
  readonly settings: FeatureSettings;
}

function bm25Idf(documents: number, df: number): number {
  return Math.log(1 + (documents - df + 0.5) / (df + 0.5));
}

function settingsOf(o: Readonly<RetrievalOptions>): FeatureSettings {
  const classWeights = new Array<number>(FEATURE_CLASS_COUNT).fill(0);
  classWeights[FeatureClass.Term] = 1;
  classWeights[FeatureClass.WordBigram] = o.bigramWeight;
  classWeights[FeatureClass.CharGram] = o.charGramWeight;
  classWeights[FeatureClass.StopWord] = o.stopWordWeight;
  classWeights[FeatureClass.CjkChar] = o.cjkCharWeight;
  classWeights[FeatureClass.PhraseGram] = o.phraseGramWeight;
  return {
    classWeights,
    charGramSize: o.charGramSize,
    charGramMinLength: o.charGramMinLength,
    phraseGramMin: o.phraseGramMin,
    phraseGramMax: o.phraseGramMax,
  };
}

/** Inverted index over a tenant's FAQ entries; build once per KB version, search on every chat turn. */
export class RetrievalIndex {
  private scratch: SearchScratch | undefined;

  private constructor(private readonly data: IndexData) {}

  /** Number of indexed entries. */
  get size(): number {
    return this.data.ids.length;
  }

  /** Analyse and index `docs`; later entries with a duplicate id are indexed as separate entries. */
  static build(docs: readonly KbDocument[], options: Partial<RetrievalOptions> = {}): RetrievalIndex {
    const o: Readonly<RetrievalOptions> = { ...DEFAULT_OPTIONS, ...options };
    const settings = settingsOf(o);
    const dictionary = new Map<string, number>();
    const toIds = (counts: ReadonlyMap<string, number>): Map<number, number> => {
      const out = new Map<number, number>();
      for (const [key, tf] of counts) {
        let id = dictionary.get(key);
        if (id === undefined) {
          id = dictionary.size;
          dictionary.set(key, id);
        }
        out.set(id, tf);
      }
      return out;
    };

    const phrasingBuilder = new PostingsBuilder();
    const entryBuilder = new PostingsBuilder();
    const answerBuilder = new PostingsBuilder();
    const phrasingEntry: number[] = [];
    const phrasingFeatures: Map<number, number>[] = [];
    docs.forEach((doc, entry) => {
      const entryCounts = new Map<number, number>();
      let entryLength = 0;
      const seen = new Set<string>();
      for (const text of [doc.question, ...doc.similarQuestions]) {
        const key = text.trim().toLowerCase();
        if (key === '' || seen.has(key)) continue;
        seen.add(key);
        const bag = extractFeatures(analyze(text), settings, text);
        const counts = toIds(bag.counts);
        phrasingBuilder.addDocument(counts, bag.length);
        phrasingEntry.push(entry);
        phrasingFeatures.push(counts);
        for (const [id, tf] of counts) entryCounts.set(id, (entryCounts.get(id) ?? 0) + (o.entryMode === 1 ? 1 : tf));
        entryLength += o.entryMode === 1 ? 1 : bag.length;
      }
      entryBuilder.addDocument(entryCounts, entryLength);
      const answer = o.answerWeight > 0 ? extractFeatures(analyze(doc.answer), settings) : undefined;
      answerBuilder.addDocument(answer ? toIds(answer.counts) : new Map(), answer?.length ?? 0);
    });

    const featureCount = dictionary.size;
    const entries = entryBuilder.build(featureCount, o.entryK1, o.entryB, o.entryMode === 1 ? (tf, len) => Math.pow(tf / len, o.entryGamma) : undefined);
    const answers = answerBuilder.build(featureCount, o.k1, o.b);
    const classOf = new Uint8Array(featureCount);
    for (const [key, id] of dictionary) classOf[id] = featureClass(key);
    const n = docs.length;
    const featureWeight = new Float64Array(featureCount);
    const answerFeatureWeight = new Float64Array(featureCount);
    for (let f = 0; f < featureCount; f++) {
      const w = settings.classWeights[classOf[f]];
      // IDF over entries, not phrasings: a word shared by all phrasings of one entry is the most telling.
      featureWeight[f] = w * bm25Idf(n, documentFrequency(entries, f));
      answerFeatureWeight[f] = w * bm25Idf(n, documentFrequency(answers, f));
    }
    const phrasingMass = new Float64Array(phrasingFeatures.length);
    phrasingFeatures.forEach((counts, p) => {
      for (const id of counts.keys()) phrasingMass[p] += featureWeight[id];
    });
    const entryNorm = new Float64Array(n);
    for (let f = 0; f < featureCount; f++) {
      for (let i = entries.offsets[f]; i < entries.offsets[f + 1]; i++) entryNorm[entries.docs[i]] += featureWeight[f] * entries.weights[i];
    }
    const maxIdf = bm25Idf(n, 0);
    const idRank = new Int32Array(n);
    [...docs.keys()]
      .sort((a, b) => (docs[a].id < docs[b].id ? -1 : docs[a].id > docs[b].id ? 1 : a - b))
      .forEach((entry, rank) => (idRank[entry] = rank));

    return new RetrievalIndex({
      ids: docs.map((d) => d.id),
      idRank,
      dictionary,
      phrasings: phrasingBuilder.build(featureCount, o.k1, o.b),
      entries,
      answers,
      phrasingEntry: Int32Array.from(phrasingEntry),
      phrasingMass,
      featureWeight,
      answerFeatureWeight,
      entryNorm,
      unseenWeight: settings.classWeights.map((w) => w * maxIdf),
      options: o,
      settings,
    });
  }

  /** Best entries for `query`, best first (ties by id); [] when nothing in the KB matches. */
  search(query: string, limit = 5): SearchHit[] {
    const d = this.data;
    if (limit <= 0 || d.ids.length === 0) return [];
    const bag = extractFeatures(analyze(query), d.settings, query);
    if (bag.counts.size === 0) return [];
    const scratch = (this.scratch ??= new SearchScratch(d.ids.length, d.phrasingEntry.length));
    scratch.reset();

    let queryMass = 0;
    for (const key of bag.counts.keys()) {
      const f = d.dictionary.get(key);
      if (f === undefined) {
        queryMass += d.unseenWeight[featureClass(key)];
        continue;
      }
      const qw = d.featureWeight[f];
      queryMass += qw;
      scratch.addPhrasings(d.phrasings, f, qw);
      scratch.addEntries(d.entries, f, qw, scratch.entryScore);
      const aw = d.answerFeatureWeight[f];
      if (aw > 0) scratch.addEntries(d.answers, f, aw, scratch.answerScore);
    }
    if (queryMass <= 0) return [];
    const o = d.options;
    const top = scratch.rank(d.phrasingEntry, d.idRank, Math.max(limit, 2), (e, bestPhrasing, entry, answer, second) =>
      (o.phrasingWeight * bestPhrasing + o.secondWeight * second + o.entryWeight * entry + o.answerWeight * answer) * Math.pow(Math.min(1, entry / d.entryNorm[e]), o.entryNormPower),
      (p, raw, matched) => o.phrasingMode === 0 ? raw : o.phrasingMode === 1 ? raw * Math.pow(matched / d.phrasingMass[p], o.phrasingGamma) : raw * Math.pow(2 * matched / (d.phrasingMass[p] + queryMass), o.phrasingGamma),
    );
    const hits: SearchHit[] = [];
    let ceiling = 1;
    for (let i = 0; i < top.length && i < limit; i++) {
      const { entry, score, phrasing, matched } = top[i];
      const next = i === 0 && top.length > 1 ? top[1].score : 0;
      const queryCoverage = matched / queryMass;
      const phrasingCoverage = phrasing >= 0 ? matched / Math.max(d.phrasingMass[phrasing], 1e-9) : 0;
      const margin = i === 0 && score > 0 ? 1 - next / score : 0;
      // Lower-ranked hits never look more certain than the ones above them.
      ceiling = Math.min(ceiling, calibratedConfidence(queryCoverage, phrasingCoverage, margin));
      hits.push({ id: d.ids[entry], score, confidence: ceiling });
    }
    return hits;
  }
}
