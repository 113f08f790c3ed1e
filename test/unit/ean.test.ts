import { describe, it, expect } from 'vitest';
import { ean13CheckDigit, isValidEan13, normaliseEan } from '../../src/domain/ean.ts';

describe('ean13CheckDigit', () => {
  it('computes the GS1 check digit of known EANs', () => {
    expect(ean13CheckDigit('400638133393')).toBe(1);
    expect(ean13CheckDigit('590123412345')).toBe(7);
  });

  it('rejects input that is not 12 digits', () => {
    expect(() => ean13CheckDigit('12345')).toThrow();
    expect(() => ean13CheckDigit('40063813339x')).toThrow();
  });
});

describe('isValidEan13', () => {
  it('accepts known valid EANs', () => {
    expect(isValidEan13('4006381333931')).toBe(true);
    expect(isValidEan13('5901234123457')).toBe(true);
  });

  it('rejects a wrong check digit', () => {
    expect(isValidEan13('4006381333932')).toBe(false);
    expect(isValidEan13('5901234123450')).toBe(false);
  });

  it('rejects wrong lengths and non-digits', () => {
    expect(isValidEan13('400638133393')).toBe(false);
    expect(isValidEan13('04006381333931')).toBe(false);
    expect(isValidEan13('40063813339a1')).toBe(false);
    expect(isValidEan13('')).toBe(false);
  });
});

describe('normaliseEan', () => {
  it('keeps a valid EAN-13 as it is', () => {
    expect(normaliseEan('4006381333931')).toBe('4006381333931');
  });

  it('drops the leading 0 of a GTIN-14', () => {
    expect(normaliseEan('04006381333931')).toBe('4006381333931');
    expect(normaliseEan('05901234123457')).toBe('5901234123457');
  });

  it('rejects a GTIN-14 with another packaging indicator or a bad inner check digit', () => {
    expect(normaliseEan('14006381333931')).toBeNull();
    expect(normaliseEan('04006381333932')).toBeNull();
  });

  it('pads a valid EAN-8 to 13 digits with a still-valid check digit', () => {
    expect(normaliseEan('96385074')).toBe('0000096385074');
    expect(isValidEan13('0000096385074')).toBe(true);
  });

  it('rejects an EAN-8 with a wrong check digit', () => {
    expect(normaliseEan('96385075')).toBeNull();
  });

  it('returns null for garbage', () => {
    for (const input of ['', 'abc', '4006381333931 ', '400-6381333931', '12345', '4006381333932', '123456789012345']) {
      expect(normaliseEan(input)).toBeNull();
    }
  });
});
