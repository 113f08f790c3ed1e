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
