// Fake names, streets and words for fixtures and generated orders: German data with English where
// German has none, the same under the same seed. Built from the German locale module alone: the
// package index loads every one of faker's 60-odd locales, about 0.15 s of each start. That
// module's instance carries the German, English and base definitions merged in that order; base
// only fills keys de and en both lack, so whatever de and en answered before comes out the same.
// The module is loaded on the first world generated (Node ≥ 20.19 requires ES modules), not at
// start: a start that reads the build's default world (src/scenarios/built-worlds.ts) never needs it.
import { createRequire } from 'node:module';
import type { Faker } from '@faker-js/faker';

type FakerClass = new (options: { locale: Faker['rawDefinitions'] }) => Faker;
const require = createRequire(import.meta.url);
let german: Faker | undefined;

/** A Faker of its own (never shared), seeded with `seed`. */
export function seededFaker(seed: number): Faker {
  german ??= (require('@faker-js/faker/locale/de') as { faker: Faker }).faker;
  const faker = new (german.constructor as FakerClass)({ locale: german.rawDefinitions });
  faker.seed(seed);
  return faker;
}
