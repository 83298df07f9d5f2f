/**
 * Maps match statistics of a hit to a probability-like confidence. Inputs are scale-free (coverages are
 * shares of IDF mass, margin is relative), so the same threshold means the same thing for any query and KB.
 * Coefficients come from a logistic fit on the dev splits (correct top-1 vs wrong top-1 or off-topic query).
 */
const COEFFICIENTS = { queryCoverage: 6, phrasingCoverage: 3, margin: 3, bias: -6 } as const;

/** Confidence in [0, 1] from query coverage, phrasing coverage and relative margin over the runner-up. */
export function calibratedConfidence(queryCoverage: number, phrasingCoverage: number, margin: number): number {
  const c = COEFFICIENTS;
  const z =
    c.queryCoverage * clamp01(queryCoverage) +
    c.phrasingCoverage * clamp01(phrasingCoverage) +
    c.margin * clamp01(margin) +
    c.bias;
  return 1 / (1 + Math.exp(-z));
}

function clamp01(x: number): number {
  return x < 0 ? 0 : x > 1 ? 1 : x;
}

/** Below this top-hit confidence the bot should fall back instead of answering. */
export const DEFAULT_CONFIDENCE_THRESHOLD = 0.5;
