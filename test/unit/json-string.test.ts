// jsonString: the same JSON text as JSON.stringify for every string, quoted as it is when it can be.
import { describe, expect, it } from 'vitest';
import { jsonString } from '../../src/domain/json-string.ts';

describe('jsonString', () => {
  it('gives JSON.stringify\'s text for strings that need escapes and for those that do not', () => {
    const samples = ['', 'plain', '/api/v2/products/prod_1?x=1&y=2', 'Südhafen', '日本', 'q"uote', 'back\\slash', 'tab\there', 'nl\n', '\u0000', '\u001f', '\ud800 lone', 'pair \ud83d\ude00', '\u007f'];
    for (const value of samples) {
      expect(jsonString(value), JSON.stringify(value)).toBe(JSON.stringify(value));
      expect(JSON.parse(jsonString(value))).toBe(value);
    }
  });
});
