// YAML parsed so that its plain-ASCII and Latin-1 strings are one-byte strings.
//
// V8 stores a string as one byte per character only when its source is; a slice of a UTF-16
// ("two-byte") text stays two-byte. The specs hold a few characters beyond Latin-1 (…, —, ≥) in
// their descriptions, so read as they are, every name the yaml library slices out of them (group
// names, header names, operationIds, object keys) is two-byte. Worse, V8 interns a string once:
// the first two-byte copy of, say, `x-ratelimit-limit` becomes the one every literal of that
// name resolves to. On the request path that costs real time: header names lower-cased through
// ICU, header blocks flattened as UTF-16 before they are written to the socket.
//
// So the few wide characters are parked as `¤<hex>¤` (¤ is Latin-1), the text is parsed as
// one-byte, and the parked characters are put back into the strings that held them.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { SANDBOX_ROOT } from '../sandbox-files.ts';

const require = createRequire(import.meta.url);

/** The yaml library, loaded on first use: a start that reads only the build's parsed copies never needs it. */
export const yamlLibrary = (): typeof import('yaml') => require('yaml') as typeof import('yaml');

const PARK = '\u00a4';
const WIDE = /[^\u0000-\u00ff]/u;
const PARKED = /\u00a4([0-9a-f]+)\u00a4/g;

/** `yaml`'s parse, with one-byte strings wherever the characters allow it. */
export function parseYamlText(text: string): unknown {
  // JSON is YAML too, and JSON.parse reads it ~40 times faster (a 2.4 MB document: 20 ms, not 0.9 s);
  // text that only looks like JSON goes on to the YAML parser, which reports what is wrong.
  if (/^\s*[{[]/.test(text)) {
    try {
      return JSON.parse(text);
    } catch {
      // not JSON after all
    }
  }
  const { parse } = yamlLibrary();
  if (!WIDE.test(text) || text.includes(PARK)) return parse(text);
  const parked = text.replace(/[^\u0000-\u00ff]/gu, (ch) => `${PARK}${ch.codePointAt(0)!.toString(16)}${PARK}`);
  // replace() keeps the two-byte representation of its input; a Latin-1 round trip drops it.
  return unpark(parse(Buffer.from(parked, 'latin1').toString('latin1')));
}

function unpark(value: unknown): unknown {
  if (typeof value === 'string') return value.includes(PARK) ? value.replace(PARKED, (_, hex: string) => String.fromCodePoint(parseInt(hex, 16))) : value;
  if (Array.isArray(value)) return value.map(unpark);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[unpark(key) as string] = unpark(item);
    return out;
  }
  return value;
}

// Parsed-YAML cache. The shipped specs and scenarios take ~0.4 s to parse with the yaml library,
// most of a cold start; their JSON reads in a few milliseconds. `npm run build` writes the JSON of
// each shipped YAML file under dist/parsed-yaml/, named by a hash of its text, so an edited file
// simply misses the cache and is parsed again: the cache can never be stale. JSON.parse makes
// one-byte strings wherever the characters allow, as parseYamlText does.
const PARSED_DIR = `${SANDBOX_ROOT}dist/parsed-yaml/`;

/** Where the parsed form of `text` is cached. */
export function parsedYamlFile(text: string): string {
  return `${PARSED_DIR}${createHash('sha256').update(text).digest('hex').slice(0, 32)}.json`;
}

/** A YAML file's content: from the build's cache when the text is one it parsed, else parsed now. */
export async function readYamlFile(file: string): Promise<unknown> {
  const text = await readFile(file, 'utf8');
  const cached = await readFile(parsedYamlFile(text), 'utf8').catch(() => undefined);
  return cached === undefined ? parseYamlText(text) : JSON.parse(cached);
}
