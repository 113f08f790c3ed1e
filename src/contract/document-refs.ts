// The `$ref`s of a document a user brings (`serve --spec`): relative-file references are bundled
// into one document with @redocly/openapi-core (loaded only when a document has any), and every
// local reference is checked to point at something, so a broken document is refused at start
// with its file, the pointer of the reference and what to do, not on the first request.
import { resolve } from 'node:path';
import { encodeSegment, parseLocalRef, valueAt } from './json-pointer.ts';

/** Calls `visit` with each `$ref` string of `node` and the JSON pointer of the object holding it. */
function eachRef(node: unknown, pointer: string, visit: (ref: string, at: string) => void): void {
  if (Array.isArray(node)) {
    node.forEach((item, i) => eachRef(item, `${pointer}/${i}`, visit));
    return;
  }
  if (!node || typeof node !== 'object') return;
  for (const [key, value] of Object.entries(node)) {
    if (key === '$ref' && typeof value === 'string') visit(value, pointer);
    else eachRef(value, `${pointer}/${encodeSegment(key)}`, visit);
  }
}

export const hasExternalRefs = (doc: unknown): boolean => {
  let found = false;
  eachRef(doc, '', (ref) => {
    if (!ref.startsWith('#')) found = true;
  });
  return found;
};

/** The document with its relative-file `$ref`s bundled in (components added for what they point at). */
export async function bundleFileRefs(file: string): Promise<unknown> {
  const { bundle, createConfig } = await import('@redocly/openapi-core');
  const config = await createConfig({});
  const result = await bundle({ ref: resolve(file), config, dereference: false });
  const missing = result.problems.find((p) => p.severity === 'error');
  if (missing) {
    const where = missing.location[0];
    const source = where?.source.absoluteRef ?? file;
    throw new Error(`${source}${where?.pointer ? ` at ${where.pointer.replace(/^#/, '')}` : ''}: ${missing.message.replace(/\.$/, '')}; fix the reference or the file it names.`);
  }
  return result.bundle.parsed;
}

/** Throws, naming the file and the pointer, at the first local `$ref` that points at nothing. */
export function checkLocalRefs(file: string, doc: unknown): void {
  eachRef(doc, '', (ref, at) => {
    if (!ref.startsWith('#')) {
      throw new Error(`${file} at ${at || '/'}: the $ref "${ref}" names another file, which could not be bundled; give a path relative to ${file}.`);
    }
    if (valueAt(doc, parseLocalRef(ref)) === undefined) {
      throw new Error(`${file} at ${at || '/'}: the $ref "${ref}" points at nothing; fix the reference or add what it names.`);
    }
  });
}
