// JSON Pointer (RFC 6901): `~1` stands for `/` and `~0` for `~` inside a segment. The one encoder
// and decoder for problem pointers, `$ref`s, profile selectors and provider-state lookups.

/** One key as a pointer segment. */
export function encodeSegment(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** One pointer segment as the key it names (~1 before ~0, so "~01" stays "~1"). */
export function decodeSegment(segment: string): string {
  return segment.replace(/~1/g, '/').replace(/~0/g, '~');
}

/** The keys of a pointer ("" is the whole document: no keys). */
export function parsePointer(pointer: string): string[] {
  return pointer === '' ? [] : pointer.slice(1).split('/').map(decodeSegment);
}

/** The keys of a local `$ref` such as `#/components/schemas/Order`. */
export function parseLocalRef(ref: string): string[] {
  return parsePointer(ref.slice(1));
}

/** The value the keys lead to, or undefined when a step is missing. */
export function valueAt(doc: unknown, keys: string[]): unknown {
  // Indexing a primitive is harmless (undefined, or a string's length), so no step checks its type.
  return keys.reduce<unknown>((at, key) => (at == null ? undefined : (at as Record<string, unknown>)[key]), doc);
}
