/**
 * A small seeded PRNG (mulberry32) for the projection's bootstrap: the same counts give the same
 * band, so a projection does not wobble between two reads of an unchanged period.
 */
export interface Rng {
  next(): number;
  normal(): number;
}

export function seededRandom(seed: number): Rng {
  let s = seed | 0;
  const next = (): number => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    normal: () => Math.sqrt(-2 * Math.log(Math.max(next(), 1e-12))) * Math.cos(2 * Math.PI * next()),
  };
}
