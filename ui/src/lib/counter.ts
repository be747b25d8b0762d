// The live character counter, by the official twitter-text rules (weighted length: a URL
// counts 23, an emoji 2, CJK 2; text is NFC-normalised first, as X does).
import twitter from "twitter-text";

/** X's standard limit; above it only Premium accounts can post. */
export const STANDARD_LIMIT = 280;
/** The Premium long-post limit; above it nobody can post. */
export const PREMIUM_LIMIT = 25_000;

export interface Count {
  /** Weighted length. */
  length: number;
  /** "ok", "premium" (over 280: a warning, not a block) or "blocked" (over 25,000). */
  level: "ok" | "premium" | "blocked";
  /** What to show next to the counter. */
  label: string;
}

export function weightedLength(text: string): number {
  return twitter.parseTweet(text.normalize("NFC")).weightedLength;
}

export function count(text: string): Count {
  const length = weightedLength(text);
  if (length > PREMIUM_LIMIT) return { length, level: "blocked", label: `${length} / ${PREMIUM_LIMIT} — too long even for Premium` };
  if (length > STANDARD_LIMIT) return { length, level: "premium", label: `${length} / ${STANDARD_LIMIT} — needs Premium (up to 25,000)` };
  return { length, level: "ok", label: `${length} / ${STANDARD_LIMIT}` };
}
