// Seeded randomness for anything that must replay identically under the same seed (fault
// injection, load-profile renderings, conformance samples). mulberry32: 32 bits of state, a handful
// of integer operations per draw.

export interface SeededRandom {
  state: number;
}

export function seededRandom(seed: number): SeededRandom {
  // Scramble the seed so that neighbouring seeds (1, 2, 3…) give unrelated sequences.
  let h = (seed ^ 0x9e3779b9) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return { state: (h ^ (h >>> 16)) >>> 0 };
}

/** A uniform draw in [0, 1). */
export function nextUniform(random: SeededRandom): number {
  let t = (random.state = (random.state + 0x6d2b79f5) >>> 0);
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

/** A standard normal draw (Box–Muller; uses two uniforms). */
export function nextNormal(random: SeededRandom): number {
  const u = 1 - nextUniform(random); // (0, 1]: log(0) is not a number
  const v = nextUniform(random);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/**
 * A generator whose state is the seed as given, without the scrambling above. The load profile's
 * request renderings and the conformance samples were drawn this way before the two generators
 * merged; keeping it keeps what a given --seed renders unchanged.
 */
export function unscrambledRandom(seed: number): SeededRandom {
  return { state: seed >>> 0 };
}

/** Uniform draws as a function, for code that takes a `() => number`. */
export function uniformDraws(random: SeededRandom): () => number {
  return () => nextUniform(random);
}
