/**
 * Maps match statistics of a hit to a probability that it is the right entry. The inputs are scale-free
 * (coverages are shares of IDF mass, the margin is relative), so a confidence means the same for any query
 * and any KB size. The logistic coefficients were fitted on the dev splits of both evaluation sets
 * (top hit correct vs wrong) plus off-topic queries (weather, sports, gibberish; English and Chinese).
 */
const COEFFICIENTS = { queryCoverage: 2.26, phrasingCoverage: 1.28, agreement: 11.43, bias: -2.16 } as const;

/**
 * Confidence in [0, 1].
 * @param queryCoverage share of the query's weight matched by the hit's best phrasing
 * @param phrasingCoverage share of that phrasing's weight the query matched
 * @param margin 1 - (runner-up score / hit score); 0 for hits below the first
 */
export function calibratedConfidence(queryCoverage: number, phrasingCoverage: number, margin: number): number {
  const q = clamp01(queryCoverage);
  const p = clamp01(phrasingCoverage);
  const c = COEFFICIENTS;
  // A clear margin only counts when the match itself is substantial: an off-topic query that grazes a single
  // entry with one word also "wins" by a wide margin.
  const z = c.queryCoverage * q + c.phrasingCoverage * p + c.agreement * Math.sqrt(q * p) * clamp01(margin) + c.bias;
  return 1 / (1 + Math.exp(-z));
}

function clamp01(x: number): number {
  return x > 0 ? (x < 1 ? x : 1) : 0;
}

/**
 * Below this top-hit confidence the bot should fall back instead of answering. At 0.5 (a calibrated
 * "more likely right than wrong") dev answers 77% of banking77 queries at 85% precision and 48% of bitext
 * queries at 88% precision, while clearly unrelated queries score below 0.1.
 */
export const DEFAULT_CONFIDENCE_THRESHOLD = 0.5;
