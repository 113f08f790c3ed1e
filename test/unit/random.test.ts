// The seeded generator's sequences are relied on (fault injection under a seed, what a load
// profile renders for a --seed). The figures were drawn from both generators before they merged.
import { describe, expect, it } from 'vitest';
import { nextNormal, nextUniform, seededRandom, uniformDraws, unscrambledRandom } from '../../src/domain/random.ts';

describe('seeded randomness', () => {
  it('draws what fault injection drew before the merge (scrambled seed)', () => {
    const r = seededRandom(42);
    expect([nextUniform(r), nextUniform(r), nextUniform(r), nextNormal(r)]).toEqual([
      0.24572046380490065, 0.5754302670247853, 0.3558912726584822, 0.38243298589199376,
    ]);
  });

  it("draws what the load profile's generator drew before the merge (seed as given)", () => {
    const draw = uniformDraws(unscrambledRandom(42));
    expect([draw(), draw(), draw()]).toEqual([0.6011037519201636, 0.44829055899754167, 0.8524657934904099]);
    const zero = uniformDraws(unscrambledRandom(0));
    expect([zero(), zero()]).toEqual([0.26642920868471265, 0.0003297457005828619]);
  });
});
