// EAN / GTIN check digits. Partners send barcodes in several lengths; the sandbox
// stores every one as a 13-digit EAN.

const DIGITS_ONLY = /^[0-9]+$/;

/**
 * GS1 mod-10 check digit for a run of digits that precede it. Weights alternate 3, 1
 * starting from the digit next to the check digit, so one function serves EAN-8,
 * EAN-13 and GTIN-14.
 */
function gs1CheckDigit(body: string): number {
  let sum = 0;
  for (let i = 0; i < body.length; i++) {
    const fromRight = body.length - 1 - i;
    sum += Number(body[i]) * (fromRight % 2 === 0 ? 3 : 1);
  }
  return (10 - (sum % 10)) % 10;
}

function hasValidCheckDigit(code: string): boolean {
  return gs1CheckDigit(code.slice(0, -1)) === Number(code[code.length - 1]);
}

export function ean13CheckDigit(first12: string): number {
  if (first12.length !== 12 || !DIGITS_ONLY.test(first12)) {
    throw new Error(`ean13CheckDigit expects 12 digits, got "${first12}"`);
  }
  return gs1CheckDigit(first12);
}

export function isValidEan13(s: string): boolean {
  return s.length === 13 && DIGITS_ONLY.test(s) && hasValidCheckDigit(s);
}

/** Returns the canonical 13-digit EAN for `input`, or null when it is not a valid barcode. */
export function normaliseEan(input: string): string | null {
  if (!DIGITS_ONLY.test(input)) return null;
  if (input.length === 13) return isValidEan13(input) ? input : null;
  // A GTIN-14 with packaging indicator 0 is the same article as the EAN-13 it wraps.
  if (input.length === 14 && input.startsWith('0')) {
    const inner = input.slice(1);
    return isValidEan13(inner) ? inner : null;
  }
  // Weights count from the right and zeros add nothing, so left-padding an EAN-8
  // to 13 digits keeps its check digit valid.
  if (input.length === 8 && hasValidCheckDigit(input)) return input.padStart(13, '0');
  return null;
}

/**
 * Why `input` is not accepted as a barcode, in words a partner can act on; null when it is.
 * Accepted: EAN-13 with a valid check digit; GTIN-14 starting with 0 (the EAN-13 it wraps);
 * EAN-8 (left-padded with zeros to 13 digits). Everything is stored as the 13-digit EAN.
 */
export function eanProblem(input: string): string | null {
  if (!DIGITS_ONLY.test(input)) return 'must contain digits only (EAN-8, EAN-13 or GTIN-14)';
  if (input.length === 14) {
    if (!input.startsWith('0')) {
      return `is a GTIN-14 with packaging indicator ${input[0]}: that identifies a case or pallet, not a sellable unit; send the EAN-13 of the unit (a GTIN-14 starting with 0 is accepted and stored as its EAN-13)`;
    }
    return checkDigitProblem(input);
  }
  if (input.length === 13 || input.length === 8) return checkDigitProblem(input);
  return `has ${input.length} digits; send an EAN-13 (13 digits), an EAN-8 or a GTIN-14 starting with 0`;
}

function checkDigitProblem(code: string): string | null {
  const expected = gs1CheckDigit(code.slice(0, -1));
  const actual = Number(code[code.length - 1]);
  return expected === actual ? null : `has check digit ${actual} but its first ${code.length - 1} digits need ${expected}`;
}
