// OpenAPI 3.0's schema dialect, for the JSON Schema validator. 3.0 schemas are an extended subset
// of JSON Schema draft-05 that ajv (draft-07) reads as they are, but for three things:
// - `exclusiveMinimum`/`exclusiveMaximum` are booleans that modify `minimum`/`maximum` (draft-04's
//   form), where draft-07 wants the bound itself: `{minimum: 0, exclusiveMinimum: true}` becomes
//   `{exclusiveMinimum: 0}`;
// - formats a document names that no validator knows (`bin`, `int8`, a company's own): the
//   specification lets a format be any string, so they are accepted as annotations;
// - `nullable` beside no `type` means nothing in 3.0 ("only if type is explicitly defined"), where
//   ajv refuses the schema: it is dropped there. With a `type`, ajv reads it itself.
// `example`, `xml`, `discriminator` are annotations (strict: false).

/** A copy of a 3.0 schema (or any part of a document) in draft-07's form. */
export function fromOpenApi30(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(fromOpenApi30);
  if (!node || typeof node !== 'object') return node;
  const source = node as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(source)) {
    if ((key === 'exclusiveMinimum' || key === 'exclusiveMaximum') && typeof value === 'boolean') continue;
    if (key === 'nullable' && typeof value === 'boolean' && !('type' in source)) continue;
    out[key] = fromOpenApi30(value);
  }
  for (const [flag, bound] of [['exclusiveMinimum', 'minimum'], ['exclusiveMaximum', 'maximum']] as const) {
    if (source[flag] === true && typeof source[bound] === 'number') {
      out[flag] = source[bound];
      delete out[bound];
    }
  }
  return out;
}

/** Every `format` a document's schemas name. */
export function formatsNamed(node: unknown, into = new Set<string>()): Set<string> {
  if (Array.isArray(node)) for (const item of node) formatsNamed(item, into);
  else if (node && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (key === 'format' && typeof value === 'string') into.add(value);
      else formatsNamed(value, into);
    }
  }
  return into;
}
