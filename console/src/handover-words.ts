import type { Prediction } from '../../gateway/contract/tracking-views';

/**
 * The tracking service ranks the zones a subject may go next by a relative likelihood (0–1,
 * not summing to 1). A controller reads a share (of the ways he may go, how likely is this
 * one) and a word for it.
 * Pure functions, so the words are tested without a browser.
 */

export interface ZoneChance {
  zone: string;
  /** This zone's share of all the predicted zones' likelihood, in whole percent. */
  percent: number;
  /** In words, against the likeliest zone. */
  words: 'most likely' | 'likely' | 'possible' | 'unlikely';
  covered: boolean;
  walkSeconds: number;
  reachableAt: string;
  onward: boolean;
}

/**
 * Words from the likelihood against the likeliest zone's, not from the share alone: with ten
 * ways out, 18 % can be the likeliest, and two zones with the same percent get the same word.
 */
const MOST_LIKELY = 0.95;
const LIKELY = 0.6;
const POSSIBLE = 0.3;

export function zoneChances(predicted: readonly Prediction[]): ZoneChance[] {
  const total = predicted.reduce((sum, p) => sum + p.likelihood, 0);
  const top = Math.max(0, ...predicted.map((p) => p.likelihood));
  const ranked = [...predicted].sort((a, b) => b.likelihood - a.likelihood || a.walkSeconds - b.walkSeconds || a.zone.localeCompare(b.zone));
  return ranked.map((p) => {
    const percent = total > 0 ? Math.round((100 * p.likelihood) / total) : 0;
    const r = top > 0 ? p.likelihood / top : 0;
    const words = r >= MOST_LIKELY ? 'most likely' : r >= LIKELY ? 'likely' : r >= POSSIBLE ? 'possible' : 'unlikely';
    return { zone: p.zone, percent, words, covered: p.covered, walkSeconds: p.walkSeconds, reachableAt: p.reachableAt, onward: p.onward };
  });
}

/**
 * The zones worth a warning: likely (or the most likely) and no camera covers them, so the
 * operator knows the handover will lose him there and can send someone instead.
 */
export function blindSpots(chances: readonly ZoneChance[]): ZoneChance[] {
  return chances.filter((c) => !c.covered && c.words !== 'unlikely' && c.words !== 'possible');
}

/** "45 % (most likely)". */
export const chanceText = (c: Pick<ZoneChance, 'percent' | 'words'>) => `${c.percent} % (${c.words})`;
