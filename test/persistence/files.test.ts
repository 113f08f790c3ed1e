// The data file and its log under stress: an answer that waits for its fsync, a full disk, a cut
// log, a damaged or foreign state file, --repair, compaction, and a job a crash interrupted.
import * as nodeFs from 'node:fs/promises';
import { mkdtemp, readdir, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FileBackend, readKeptState } from '../../src/store/file-backend.ts';
import type { FileSystem, LogFileHandle } from '../../src/store/file-system.ts';
import { expectProblem, KEY_B, startSandbox } from '../support/sandbox.ts';
import { waitUntil } from '../support/webhook-receiver.ts';

const dir = await mkdtemp(join(tmpdir(), 'sandbox-files-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

let n = 0;
const fresh = () => join(dir, `state-${++n}.json`);

/** node's fs with a hand on the log: each fdatasync counted and held until released, writes failing while `full`. */
function instrumentedFs() {
  const control = { datasyncs: 0, full: false, hold: false, released: [] as Array<() => void> };
  const wrap = (handle: Awaited<ReturnType<typeof nodeFs.open>>): LogFileHandle => ({
    write: async (buffer) => {
      if (control.full) {
        // A disk that takes part of the batch, then refuses: what was written must be cut back.
        await handle.write(buffer.subarray(0, Math.floor(buffer.length / 2)));
        throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
      }
      return handle.write(buffer);
    },
    datasync: async () => {
      control.datasyncs++;
      if (control.hold) await new Promise<void>((resolve) => control.released.push(resolve));
      return handle.datasync();
    },
    truncate: (length) => handle.truncate(length),
    close: () => handle.close(),
  });
  const fs: FileSystem = { ...nodeFs, open: async (path, flags) => wrap(await nodeFs.open(path, flags)) };
  return { fs, control };
}

const sku = async (sandbox: Awaited<ReturnType<typeof startSandbox>>) => (await sandbox.call('GET', '/api/v2/inventory?limit=1')).body.data[0].sku as string;
const berlin = (item: { locations: Array<{ location_id: string; quantity: number }> }) => item.locations.find((l) => l.location_id === 'loc_berlin')?.quantity;

describe('a durable write', () => {
  it('is answered only after the fsync of its batch', async () => {
    const file = fresh();
    const { fs, control } = instrumentedFs();
    const sandbox = await startSandbox({ backend: new FileBackend({ file, durability: 'durable', fs }) });
    try {
      const item = await sku(sandbox);
      await sandbox.store.flush();
      control.hold = true;
      const before = control.datasyncs;
      let answered = false;
      const answer = sandbox.call('PATCH', `/api/v2/inventory/${item}`, { body: { quantity: 321, location: 'loc_berlin' } }).then((r) => ((answered = true), r));
      await waitUntil(() => control.released.length > 0);
      expect(control.datasyncs).toBe(before + 1);
      expect(answered).toBe(false); // its fsync is still out
      control.hold = false;
      control.released.splice(0).forEach((release) => release());
      expect((await answer).status).toBe(200);
    } finally {
      control.hold = false;
      control.released.splice(0).forEach((release) => release());
      await sandbox.close();
    }
  });

  it('is refused with 503 when the disk is full, undone in memory, and nothing half-written stays in the log', async () => {
    const file = fresh();
    const { fs, control } = instrumentedFs();
    const sandbox = await startSandbox({ backend: new FileBackend({ file, durability: 'durable', fs }) });
    const item = await sku(sandbox);
    const was = berlin((await sandbox.call('GET', `/api/v2/inventory/${item}`)).body);
    await sandbox.store.flush();
    const logBefore = (await stat(`${file}.wal.1`)).size;

    control.full = true;
    const refused = await sandbox.call('PATCH', `/api/v2/inventory/${item}`, { body: { quantity: 999, location: 'loc_berlin' } });
    expect(expectProblem(refused, 503, 'storage_unavailable').detail).toMatch(/could not write this change .*ENOSPC.*nothing of it is kept/);
    expect(refused.headers.get('retry-after')).toBe('5');
    expect(berlin((await sandbox.call('GET', `/api/v2/inventory/${item}`)).body)).toBe(was);
    expect((await stat(`${file}.wal.1`)).size).toBe(logBefore);

    control.full = false;
    expect((await sandbox.call('PATCH', `/api/v2/inventory/${item}`, { body: { quantity: 42, location: 'loc_berlin' } })).status).toBe(200);
    await sandbox.close();
    const again = await startSandbox({ dataFile: file });
    try {
      expect(berlin((await again.call('GET', `/api/v2/inventory/${item}`)).body)).toBe(42);
    } finally {
      await again.close();
    }
  });
});

describe('damaged and foreign files', () => {
  async function written(): Promise<{ file: string; item: string }> {
    const file = fresh();
    const sandbox = await startSandbox({ dataFile: file });
    const item = await sku(sandbox);
    expect((await sandbox.call('PATCH', `/api/v2/inventory/${item}`, { body: { quantity: 11, location: 'loc_berlin' } })).status).toBe(200);
    expect((await sandbox.call('PATCH', `/api/v2/inventory/${item}`, { body: { quantity: 12, location: 'loc_berlin' } })).status).toBe(200);
    await sandbox.close();
    return { file, item };
  }

  it('a cut log stops the start with one line naming the file and the byte; --repair keeps the good records and the damaged file', async () => {
    const { file, item } = await written();
    const log = `${file}.wal.1`;
    await truncate(log, (await stat(log)).size - 7);
    await expect(startSandbox({ dataFile: file })).rejects.toThrow(new RegExp(`^${log.replace(/[.]/g, '\\.')} is damaged at byte \\d+ \\(the last record is cut off\\): start with --repair`));

    const warnings: string[] = [];
    const repaired = await startSandbox({ backend: new FileBackend({ file, durability: 'durable', repair: true, warn: (line) => warnings.push(line) }) });
    try {
      expect(warnings).toEqual([expect.stringMatching(/--repair: .* was damaged at byte \d+ .*kept \d+ good records, the damaged file is .*\.corrupt-/)]);
      expect(berlin((await repaired.call('GET', `/api/v2/inventory/${item}`)).body)).toBe(11); // the last write was the cut record
      expect((await readdir(dir)).some((name) => name.startsWith(`${file.split('/').pop()}.wal.1.corrupt-`))).toBe(true);
    } finally {
      await repaired.close();
    }
  });

  it('a damaged state file names itself and the position; a file that is not ours is never overwritten', async () => {
    const file = fresh();
    await writeFile(file, '{"format":"marketplace-sandbox/state","version":2,"tenants":[');
    await expect(startSandbox({ dataFile: file })).rejects.toThrow(new RegExp(`^${file.replace(/[.]/g, '\\.')} is damaged at byte 61 of 61 \\(Unexpected end of JSON input\\).*--repair`));

    const foreign = fresh();
    await writeFile(foreign, '{"hello":"world"}');
    await expect(startSandbox({ dataFile: foreign })).rejects.toThrow(/is not a marketplace-sandbox state file .*it is left as it is/);
    expect(await readFile(foreign, 'utf8')).toBe('{"hello":"world"}');
  });

  it('a directory, or a folder the sandbox may not write to, gives one line saying what to do', async () => {
    await expect(startSandbox({ dataFile: dir })).rejects.toThrow(`--data ${dir} is a directory: pass the path of a file in it, e.g. --data ${dir}/state.json.`);
    const denied: FileSystem = { ...nodeFs, open: async () => Promise.reject(Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' })) };
    const file = fresh();
    await expect(startSandbox({ backend: new FileBackend({ file, durability: 'durable', fs: denied }) })).rejects.toThrow(
      `cannot write ${file}.wal.1: permission denied; pass a --data file in a folder you may write to, or --memory`,
    );
  });
});

describe('changes over a world', () => {
  it('a snapshot keeps what changed before it; a restart keeps both the state and the snapshot; an import survives too', async () => {
    const file = fresh();
    const first = await startSandbox({ dataFile: file });
    const item = await sku(first);
    const patch = (sandbox: typeof first, quantity: number) => sandbox.call('PATCH', `/api/v2/inventory/${item}`, { body: { quantity, location: 'loc_berlin' } });
    expect((await patch(first, 7)).status).toBe(200);
    expect((await first.control('POST', '/__sandbox/snapshots', { name: 'at-seven' })).status).toBe(201);
    expect((await patch(first, 8)).status).toBe(200);
    const exported = await first.control('GET', '/__sandbox/state?tenant_id=ten_nordwind');
    expect(exported.status).toBe(200);
    expect((await first.control('PUT', '/__sandbox/state?tenant_id=ten_suedhafen', exported.body)).status).toBe(200);
    await first.close();

    const second = await startSandbox({ dataFile: file });
    try {
      expect(berlin((await second.call('GET', `/api/v2/inventory/${item}`)).body)).toBe(8);
      expect(berlin((await second.call('GET', `/api/v2/inventory/${item}`, { key: KEY_B })).body)).toBe(8); // the import
      expect((await second.control('POST', '/__sandbox/snapshots/at-seven/restore')).status).toBe(200);
      expect(berlin((await second.call('GET', `/api/v2/inventory/${item}`)).body)).toBe(7);
    } finally {
      await second.close();
    }
  });
});

describe('the log over time', () => {
  it('is folded into the snapshot by compaction, and a restart reads both', async () => {
    const file = fresh();
    const sandbox = await startSandbox({ backend: new FileBackend({ file, durability: 'durable', segmentBytes: 4096 }) });
    const items = ((await sandbox.call('GET', '/api/v2/inventory?limit=30')).body.data as Array<{ sku: string }>).map((i) => i.sku);
    for (const [i, item] of items.entries()) {
      expect((await sandbox.call('PATCH', `/api/v2/inventory/${item}`, { body: { quantity: 100 + i, location: 'loc_berlin' } })).status).toBe(200);
    }
    const image = await waitUntil(async () => {
      const text = await readFile(file, 'utf8').catch(() => '');
      return text && JSON.parse(text).wal_through >= 2 ? JSON.parse(text) : null;
    }, 10_000);
    expect(image.format).toBe('marketplace-sandbox/state');
    await waitUntil(async () => !(await readdir(dir)).includes(`${file.split('/').pop()}.wal.1`));
    await sandbox.close();

    const again = await startSandbox({ dataFile: file });
    try {
      for (const [i, item] of items.entries()) expect(berlin((await again.call('GET', `/api/v2/inventory/${item}`)).body)).toBe(100 + i);
    } finally {
      await again.close();
    }
  });

  it('a job that was running when the sandbox stopped ends failed, saying it was interrupted', async () => {
    const file = fresh();
    const sandbox = await startSandbox({ dataFile: file });
    const item = await sku(sandbox);
    const accepted = await sandbox.call('POST', '/api/v2/inventory/sync', { body: { items: [{ sku: item, quantity: 5, location: 'loc_berlin' }] } });
    expect(accepted.status).toBe(202);
    const job = await waitUntil(async () => {
      const got = (await sandbox.call('GET', `/api/v2/jobs/${accepted.body.job_id}`)).body;
      return got.state === 'completed' ? got : null;
    });
    await sandbox.close();
    // What a crash mid-job leaves: the job written as running, the rest never.
    const backend = new FileBackend({ file, durability: 'durable' });
    await backend.load();
    await backend.append([JSON.stringify({ k: 'tenant', t: 'ten_nordwind', tables: { jobs: { [job.id]: { ...job, state: 'running', completed_at: null } } } })]);
    await backend.close();

    const again = await startSandbox({ dataFile: file });
    try {
      const after = (await again.call('GET', `/api/v2/jobs/${job.id}`)).body;
      expect(after.state).toBe('failed');
      expect(after.errors.at(-1)).toMatchObject({ code: 'interrupted', message: expect.stringMatching(/stopped while this job ran, after 1 of 1 lines/) });
      expect((await readKeptState(file)).image).not.toBeNull();
    } finally {
      await again.close();
    }
  });
});
