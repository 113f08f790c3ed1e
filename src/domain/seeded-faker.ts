// Fake names, streets and words for fixtures and generated orders: German data with English where
// German has none, the same under the same seed. Built from the German locale module alone: the
// package index loads every one of faker's 60-odd locales, about 0.15 s of each start. That
// module's instance carries the German, English and base definitions merged in that order; base
// only fills keys de and en both lack, so whatever de and en answered before comes out the same.
import type { Faker } from '@faker-js/faker';
import { faker as germanFaker } from '@faker-js/faker/locale/de';

type FakerClass = new (options: { locale: Faker['rawDefinitions'] }) => Faker;
const FakerOfLocale = germanFaker.constructor as FakerClass;

/** A Faker of its own (never shared), seeded with `seed`. */
export function seededFaker(seed: number): Faker {
  const faker = new FakerOfLocale({ locale: germanFaker.rawDefinitions });
  faker.seed(seed);
  return faker;
}
