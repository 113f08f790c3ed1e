// Ids and keys the target itself has shown, so the conformance check asks for things that exist:
// every object of every successful answer is remembered as a record of its scalar fields (plus
// the path parameters of the request that returned it), and a path like
// /products/{product_id}/variants/{variant_id} is filled from one record that holds both values.
import type { Operation } from '../contract/operations.ts';

interface KnownRecord {
  /** Path of the operation whose answer held the record. */
  source: string;
  fields: Record<string, string>;
}

const MAX_RECORDS = 20_000;
const MAX_NODES_PER_ANSWER = 50_000;

export class KnownValues {
  private readonly records: KnownRecord[] = [];

  get size(): number {
    return this.records.length;
  }

  /** Remembers every object of an answer; `context` are the path parameters of the request. */
  learn(op: Operation, context: Record<string, string>, body: unknown): void {
    const stack: unknown[] = [body];
    for (let nodes = 0; stack.length && nodes < MAX_NODES_PER_ANSWER && this.records.length < MAX_RECORDS; nodes++) {
      const node = stack.pop();
      if (Array.isArray(node)) {
        for (let i = node.length - 1; i >= 0; i--) stack.push(node[i]);
        continue;
      }
      if (!node || typeof node !== 'object') continue;
      const fields: Record<string, string> = { ...context };
      for (const [key, value] of Object.entries(node)) {
        if (typeof value === 'string') fields[key] = value;
        else if (value && typeof value === 'object') stack.push(value);
      }
      if (Object.keys(fields).length > Object.keys(context).length) this.records.push({ source: op.path, fields });
    }
  }

  /**
   * Up to `max` distinct sets of path parameter values for the operation. Records from answers of
   * nearby paths come first (the inventory list for /inventory/{sku}), and fields named exactly
   * like the parameter beat a record's own `id`.
   */
  bindings(op: Operation, accepts: (name: string, value: string) => boolean, max: number): Record<string, string>[] {
    const names = op.parameters.filter((p) => p.in === 'path').map((p) => p.name);
    if (names.length === 0) return [{}];
    const scored: { score: number; order: number; source: string; binding: Record<string, string> }[] = [];
    for (const [order, record] of this.records.entries()) {
      const binding: Record<string, string> = {};
      let exact = 0;
      for (const name of names) {
        const named = record.fields[name];
        if (named !== undefined && accepts(name, named)) {
          binding[name] = named;
          exact++;
        } else if (record.fields.id !== undefined && !Object.values(binding).includes(record.fields.id) && accepts(name, record.fields.id)) {
          binding[name] = record.fields.id;
        } else {
          break;
        }
      }
      if (Object.keys(binding).length === names.length) scored.push({ score: affinity(record.source, op.path) * 10 + exact, order, source: record.source, binding });
    }
    scored.sort((a, b) => b.score - a.score || a.order - b.order);
    // Several wanted: take them in turn from each answer they came from and spread over each
    // answer, rather than the first few of one list (lists put the newest first, and the newest
    // orders have no shipments yet; the orders a return points at have).
    const seen = new Set<string>();
    const bySource = new Map<string, Record<string, string>[]>();
    for (const { binding, source } of scored) {
      const key = JSON.stringify(binding);
      if (seen.has(key)) continue;
      seen.add(key);
      bySource.set(source, [...(bySource.get(source) ?? []), binding]);
    }
    const lanes = [...bySource.values()].map((list) => {
      const stride = Math.max(1, Math.floor(list.length / max));
      return list.filter((_, i) => i % stride === 0);
    });
    const out: Record<string, string>[] = [];
    for (let i = 0; out.length < max && lanes.some((lane) => i < lane.length); i++) {
      for (const lane of lanes) if (i < lane.length && out.length < max) out.push(lane[i]!);
    }
    return out;
  }

  /** Any known value for one parameter, when no record fills the whole path. */
  valueFor(name: string, accepts: (name: string, value: string) => boolean): string | undefined {
    for (const record of this.records) {
      const named = record.fields[name];
      if (named !== undefined && accepts(name, named)) return named;
    }
    for (const record of this.records) {
      const id = record.fields.id;
      if (id !== undefined && accepts(name, id)) return id;
    }
    return undefined;
  }
}

/** Leading path segments two paths share: /api/v2/inventory and /api/v2/inventory/{sku} share 3. */
function affinity(a: string, b: string): number {
  const x = a.split('/');
  const y = b.split('/');
  let n = 0;
  while (n < x.length && n < y.length && x[n] === y[n]) n++;
  return n;
}
