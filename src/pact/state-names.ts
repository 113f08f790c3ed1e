// How verify-pact reads a provider state's name: the templates its forms and aliases are written
// in ("order {order_id} is {status}"), matching a name against them, and, for a name that matches
// none, the nearest known phrasing. Plain functions over strings; the forms themselves and what
// they set up are in provider-states.ts.
//
// A template is words and parameters. `{name}` takes any value of the parameter (see
// STATE_PARAMETERS); `{name:a|b}` only some of an enumerated parameter's values, so that an alias
// can leave out the values that would make it ambiguous. Matching ignores case and extra spaces,
// accepts a leading "a", "an" or "the" and a trailing full stop, and values in quotes.

export interface StateParameter {
  /** What a value looks like in a state name (a regular expression, without groups). */
  pattern: string;
  /** What it is, for a partner: "an order's id". */
  means: string;
  /** A value that works against the default data. */
  example: string;
  /** The values of an enumerated parameter. */
  values?: readonly string[];
  /** How a matched value is written before it is used ("EUR" for "eur"). */
  normalise?(value: string): string;
}

const ID = '[A-Za-z0-9_.-]+';
const TOKEN = '[^\\s"\']+';
const lower = (value: string) => value.toLowerCase();
const enumerated = (values: readonly string[], means: string, example: string): StateParameter => ({
  pattern: values.join('|'),
  means: `${means}: ${values.slice(0, -1).join(', ')} or ${values.at(-1)}`,
  example,
  values,
  normalise: lower,
});

export const ORDER_TARGETS = ['open', 'shipping', 'shipped', 'delivered', 'cancelled'] as const;
export const PLANS = ['basic', 'growth', 'enterprise'] as const;

/** Every parameter a state form takes, by the name it has in templates and in what the state provides. */
export const STATE_PARAMETERS = {
  order_id: { pattern: ID, means: "an order's id", example: 'ord_xv333snb' },
  product_id: { pattern: ID, means: "a product's id", example: 'prod_gjs25nzr' },
  sku: { pattern: ID, means: 'an inventory SKU', example: 'pan-409849' },
  location_id: { pattern: ID, means: "a stock location's id", example: 'loc_berlin' },
  webhook_id: { pattern: ID, means: "a webhook subscription's id", example: 'wh_partner_orders' },
  status: enumerated(ORDER_TARGETS, 'an order status', 'shipped'),
  amount: { pattern: '\\d+(?:\\.\\d+)?', means: 'a price, a decimal number', example: '100.00' },
  currency: { pattern: '[A-Za-z]{3}', means: 'an ISO 4217 currency code', example: 'EUR', normalise: (v: string) => v.toUpperCase() },
  key: { pattern: TOKEN, means: 'an API key no tenant has', example: 'mk_test_revoked_key_0000' },
  client_id: { pattern: TOKEN, means: "the consumer's OAuth client id", example: 'cli_reference' },
  client_secret: { pattern: TOKEN, means: "the consumer's OAuth client secret", example: 'cs_test_reference_secret' },
  refresh_token: { pattern: TOKEN, means: "the consumer's refresh token", example: 'mrt_reference_refresh' },
  plan: enumerated(PLANS, 'a rate-limit plan', 'basic'),
  n: { pattern: '\\d+', means: 'a number of requests', example: '0' },
} satisfies Record<string, StateParameter>;

export type ParameterName = keyof typeof STATE_PARAMETERS;

/** The values a name gave a template's parameters, normalised; a parameter the template leaves out is absent. */
export type StateValues = Partial<Record<ParameterName, string>>;

export interface StateTemplate {
  text: string;
  /** Its parameters, in order. */
  parameters: ParameterName[];
  regex: RegExp;
}

const PARAMETER = /^\{([a-z_]+)(?::([a-z|]+))?\}$/;
const ARTICLES = new Set(['a', 'an', 'the']);

function isParameterName(name: string): name is ParameterName {
  return Object.hasOwn(STATE_PARAMETERS, name);
}

function parameterOf(word: string): { name: ParameterName; only: string[] | null } | null {
  const match = PARAMETER.exec(word);
  if (!match) return null;
  const name = match[1]!;
  if (!isParameterName(name)) throw new Error(`state template parameter {${name}} is not one of ${Object.keys(STATE_PARAMETERS).join(', ')}`);
  const only = match[2]?.split('|') ?? null;
  const definition: StateParameter = STATE_PARAMETERS[name];
  const values = definition.values;
  if (only && !only.every((v) => values?.includes(v))) throw new Error(`state template parameter {${word.slice(1, -1)}}: ${name} takes only ${values?.join(', ') ?? 'any value'}`);
  return { name, only };
}

/** A template's words, without its leading article (matching makes one optional) and commas. */
function templateText(text: string): string[] {
  const words = text.trim().replace(/,(?=\s)/g, '').split(/\s+/);
  if (words.length > 1 && ARTICLES.has(words[0]!.toLowerCase())) words.shift();
  return words;
}

const escape = (word: string) => word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Compiles a template; a template naming an unknown parameter is a programming error and throws. */
export function compileTemplate(text: string): StateTemplate {
  const words = templateText(text);
  const parameters: ParameterName[] = [];
  const parts = words.map((word) => {
    const parameter = parameterOf(word);
    if (!parameter) return escape(word);
    parameters.push(parameter.name);
    const pattern = parameter.only ? parameter.only.join('|') : STATE_PARAMETERS[parameter.name].pattern;
    return `["']?(?<${parameter.name}>${pattern})["']?`;
  });
  return { text, parameters, regex: new RegExp(`^(?:(?:a|an|the)\\s+)?${parts.join('\\s+')}\\.?$`, 'i') };
}

/** The values a name gives the template's parameters, or null when it is not of that template. */
export function matchTemplate(template: StateTemplate, name: string): StateValues | null {
  // "an open, unconfirmed order": a comma between words is not part of the phrasing.
  const match = template.regex.exec(name.trim().replace(/,(?=\s)/g, ''));
  if (!match) return null;
  const values: StateValues = {};
  for (const parameter of template.parameters) {
    const value = match.groups?.[parameter];
    if (value === undefined) continue;
    const definition: StateParameter = STATE_PARAMETERS[parameter];
    values[parameter] = definition.normalise ? definition.normalise(value) : value;
  }
  return values;
}

/** A template with each parameter replaced by its example value (or the given one). */
export function fillTemplate(text: string, values: StateValues = {}): string {
  return text.replace(/\{([a-z_]+)(?::([a-z|]+))?\}/g, (_all, name: string, only: string | undefined) => {
    if (!isParameterName(name)) return `{${name}}`;
    return values[name] ?? only?.split('|')[0] ?? STATE_PARAMETERS[name].example;
  });
}

// --- the nearest phrasing ---------------------------------------------------------------------------
//
// The similarity of two names is a weighted overlap (Dice coefficient) of their words, after both
// are normalised the same way: lower case, no leading article, every parameter value (an id, a
// number, a quoted value, a currency after an amount) replaced by one placeholder, plurals folded
// ("products" is "product"), "no" and "n't" read as "not". A word weighs more the fewer forms use
// it (inverse document frequency), so "webhook" or "product" decide more than "a" or "exists"; a
// word no form uses weighs the most, which keeps unrelated names far from every form. Two things
// halve the score, however many other words line up: a negation on one side only ("an order with
// id X exists" is nowhere near "no order with id X exists"), and naming other things ("an order
// with id X exists" is not "a product with id X exists": ENTITIES are the words a state is about).

const PLACEHOLDER = '{}';
const ENTITIES = new Set(['order', 'product', 'price', 'sku', 'inventory', 'stock', 'location', 'job', 'webhook', 'subscription', 'key', 'client', 'token', 'plan', 'tenant', 'seller', 'partner', 'marketplace']);
const NEGATIONS = new Set(['no', 'not', 'never', "doesn't", "don't", "isn't", "aren't", 'none']);

function fold(word: string): string {
  if (NEGATIONS.has(word)) return 'not';
  return word.length > 4 && word.endsWith('s') && !word.endsWith('ss') ? word.slice(0, -1) : word;
}

/** The words of a state name as the similarity sees them. */
export function nameWords(name: string): string[] {
  const words = name
    .trim()
    .replace(/[.!?]+$/, '')
    .replace(/"[^"]*"|'[^']*'|`[^`]*`/g, ` ${PLACEHOLDER} `)
    .split(/\s+/)
    .filter(Boolean);
  if (words.length > 1 && ARTICLES.has(words[0]!.toLowerCase())) words.shift();
  return words.map((word, i) => {
    if (word === PLACEHOLDER || /[\d_]/.test(word)) return PLACEHOLDER;
    // A currency code after an amount: "100.00 EUR".
    if (/^[A-Z]{3}$/.test(word) && i > 0 && /\d/.test(words[i - 1]!)) return PLACEHOLDER;
    return fold(word.toLowerCase().replace(/[,;:]+$/, ''));
  });
}

/** The word lists a template stands for: one per value of an enumerated parameter, other parameters as the placeholder. */
export function templateWords(text: string): string[][] {
  let variants: string[][] = [[]];
  for (const word of templateText(text)) {
    const parameter = parameterOf(word);
    const definition: StateParameter | null = parameter ? STATE_PARAMETERS[parameter.name] : null;
    const choices = !parameter ? [fold(word.toLowerCase())] : (parameter.only ?? definition?.values)?.map(fold) ?? [PLACEHOLDER];
    variants = variants.flatMap((v) => choices.map((c) => [...v, c]));
  }
  return variants;
}

export interface Phrasing<T> {
  /** A template, or a plain state name (a states file's). */
  text: string;
  /** What the phrasing names (a form); phrasings of one form count once for the weights. */
  of: T;
  /** Whether `text` is a template (its parameters abstracted) or a plain name. */
  template: boolean;
}

export interface Nearest<T> {
  of: T;
  /** The phrasing of it that came nearest. */
  text: string;
  /** 0 (no word in common) … 1 (the same words). */
  score: number;
}

/** Below this, a name shares too little with a phrasing for it to be worth suggesting. */
export const SUGGESTION_THRESHOLD = 0.5;

/** The phrasing nearest to `name`, or null when none is close (score below SUGGESTION_THRESHOLD). */
export function nearestPhrasing<T>(name: string, phrasings: readonly Phrasing<T>[]): Nearest<T> | null {
  const candidates = phrasings.flatMap((p) => (p.template ? templateWords(p.text) : [nameWords(p.text)]).map((words) => ({ phrasing: p, words: new Set(words) })));
  const owners = new Map<string, Set<T>>();
  for (const { phrasing, words } of candidates) for (const word of words) owners.set(word, (owners.get(word) ?? new Set()).add(phrasing.of));
  const documents = new Set(phrasings.map((p) => p.of)).size;
  const weight = (word: string) => Math.log(1 + documents / (owners.get(word)?.size ?? 0.5));
  const sum = (words: Iterable<string>) => [...words].reduce((total, w) => total + weight(w), 0);

  const asked = new Set(nameWords(name));
  const askedWeight = sum(asked);
  let best: Nearest<T> | null = null;
  for (const { phrasing, words } of candidates) {
    const common = sum([...asked].filter((w) => words.has(w)));
    const negationDiffers = asked.has('not') !== words.has('not');
    const askedAbout = [...asked].filter((w) => ENTITIES.has(w));
    const aboutOther = askedAbout.length > 0 && [...words].some((w) => ENTITIES.has(w)) && !askedAbout.some((w) => words.has(w));
    const score = ((2 * common) / (askedWeight + sum(words))) * (negationDiffers ? 0.5 : 1) * (aboutOther ? 0.5 : 1);
    if (!best || score > best.score) best = { of: phrasing.of, text: phrasing.text, score };
  }
  return best && best.score >= SUGGESTION_THRESHOLD ? best : null;
}
