import { describe, expect, it } from 'vitest';
import { decodeSegment, encodeSegment, parseLocalRef, parsePointer, valueAt } from '../../src/contract/json-pointer.ts';

describe('JSON pointer (RFC 6901)', () => {
  it('escapes ~ and / in a segment, and decodes ~1 before ~0', () => {
    expect(encodeSegment('a/b~c')).toBe('a~1b~0c');
    expect(decodeSegment('a~1b~0c')).toBe('a/b~c');
    expect(decodeSegment('~01')).toBe('~1');
  });

  it('parses pointers and local refs, and follows them', () => {
    const doc = { components: { schemas: { 'a/b': { type: 'string' } } }, '': 1 };
    expect(parsePointer('')).toEqual([]);
    expect(parsePointer('/components/schemas/a~1b')).toEqual(['components', 'schemas', 'a/b']);
    expect(parseLocalRef('#/components/schemas/a~1b')).toEqual(['components', 'schemas', 'a/b']);
    expect(valueAt(doc, parseLocalRef('#/components/schemas/a~1b'))).toEqual({ type: 'string' });
    expect(valueAt(doc, parsePointer('/missing/deeper'))).toBeUndefined();
    expect(valueAt(doc, parsePointer('/'))).toBe(1);
  });
});
