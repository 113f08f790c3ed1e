// The embedded backend: a snapshot file written by lowdb (`--data`, src/store/snapshot-file.ts)
// and the write-ahead log beside it (src/store/wal.ts). A start reads the snapshot, replays the
// log segments after it and opens a new segment; every sealed segment is folded into the
// snapshot by a worker thread (src/store/compaction-worker.ts) and then deleted.
import { dirname } from 'node:path';
import type { Durability, StateBackend } from './backend.ts';
import { nodeFileSystem, type FileSystem } from './file-system.ts';
import { applyRecord, emptyImage, type PersistedImage } from './image.ts';
import { readSnapshotFile, UnreadableStateFile } from './snapshot-file.ts';
import { DamagedFileError, listSegments, LogWriter, readSegment, segmentPath } from './wal.ts';
import type { CompactionJob } from './compaction-worker.ts';
import { startWorker } from './worker-thread.ts';

export interface FileBackendOptions {
  file: string;
  durability: Durability;
  /** Keep what can be read of a damaged snapshot or log (the damaged file is kept aside). */
  repair?: boolean;
  fs?: FileSystem;
  /** A log segment past this size is sealed and compacted (default 8 MB). */
  segmentBytes?: number;
  /** Told what a repair kept aside (default: the console). */
  warn?: (line: string) => void;
}

/** A start that cannot use its files: one line that says what to do. */
export class StorageStartError extends Error {}

export class FileBackend implements StateBackend {
  readonly location: string;
  private readonly fs: FileSystem;
  private writer: LogWriter | null = null;
  private compacting: Promise<void> | null = null;
  private compactThrough = 0;
  private compacted = 0;

  constructor(private readonly options: FileBackendOptions) {
    this.location = options.file;
    this.fs = options.fs ?? nodeFileSystem;
  }

  async load(): Promise<PersistedImage | null> {
    const { file } = this.options;
    const { image, segments, folded, replayed } = await readKeptState(file, this.options);
    const last = segments.at(-1) ?? 0;
    this.compacted = folded;
    this.writer = new LogWriter({
      fs: this.fs,
      stateFile: file,
      segment: last + 1,
      durable: this.options.durability === 'durable',
      segmentBytes: this.options.segmentBytes ?? 8 * 1024 * 1024,
      onSealed: (n) => this.compact(n),
    });
    await this.writer.open().catch((error: NodeJS.ErrnoException) => {
      throw new StorageStartError(describeFsError(error, segmentPath(file, last + 1)));
    });
    // What the start replayed is folded into the snapshot in the background.
    if (replayed && last > folded) this.compact(last);
    return image;
  }

  append(records: string[]): Promise<void> {
    if (!this.writer) return Promise.reject(new Error('the state files are not open'));
    return this.writer.append(records);
  }

  async close(): Promise<void> {
    await this.writer?.close();
    this.writer = null;
    await this.compacting;
  }

  /** Folds segments up to `through` into the snapshot, one compaction at a time. */
  private compact(through: number): void {
    this.compactThrough = Math.max(this.compactThrough, through);
    if (this.compacting) return;
    const target = this.compactThrough;
    this.compacting = runCompaction({ stateFile: this.options.file, through: target })
      .then(async () => {
        for (const n of await listSegments(this.fs, this.options.file)) if (n > this.compacted && n <= target) await this.fs.unlink(segmentPath(this.options.file, n)).catch(() => undefined);
        this.compacted = target;
      })
      .catch((error: Error) => console.error(`marketplace-sandbox: compaction of ${this.options.file} failed, the log is kept: ${error.message}`))
      .finally(() => {
        this.compacting = null;
        if (this.compactThrough > this.compacted && this.writer) this.compact(this.compactThrough);
      });
  }
}

/**
 * What a start would see in `file` and its log: the snapshot with every later record folded in.
 * A damaged file stops it with one line, unless `repair` keeps what can be read.
 */
export async function readKeptState(
  file: string,
  options: Pick<FileBackendOptions, 'fs' | 'repair' | 'warn'> = {},
): Promise<{ image: PersistedImage | null; segments: number[]; folded: number; replayed: boolean }> {
  const fs = options.fs ?? nodeFileSystem;
  const warn = options.warn ?? ((line: string) => console.error(`marketplace-sandbox: ${line}`));
  const kind = await fs.stat(file).then((s) => (s.isDirectory() ? 'directory' : 'file'), () => 'none');
  if (kind === 'directory') throw new StorageStartError(`--data ${file} is a directory: pass the path of a file in it, e.g. --data ${file.replace(/\/$/, '')}/state.json.`);
  await fs.mkdir(dirname(file), { recursive: true }).catch((error: NodeJS.ErrnoException) => {
    throw new StorageStartError(describeFsError(error, dirname(file)));
  });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');

  let image: PersistedImage | null;
  try {
    image = await readSnapshotFile(file);
  } catch (error) {
    if (error instanceof UnreadableStateFile && options.repair && error.message.includes('is damaged')) {
      await fs.rename(file, `${file}.corrupt-${stamp}`);
      image = null;
      const logs = await listSegments(fs, file);
      if (logs.length && logs[0] !== 1) {
        // Segments before the first were folded into the damaged file: the rest alone would be changes without their start.
        for (const n of logs) await fs.rename(segmentPath(file, n), `${segmentPath(file, n)}.corrupt-${stamp}`);
        warn(`--repair: ${file} could not be read and the log alone does not hold the whole state; both are kept aside (*.corrupt-${stamp}), starting from the default data.`);
      } else warn(`--repair: ${file} could not be read; kept as ${file}.corrupt-${stamp}, the state is rebuilt from the log, which holds all of it.`);
    } else if (error instanceof UnreadableStateFile) throw new StorageStartError(error.message);
    else throw new StorageStartError(describeFsError(error as NodeJS.ErrnoException, file));
  }

  const segments = await listSegments(fs, file);
  const folded = image?.wal_through ?? 0;
  let replayed = false;
  for (const n of segments) {
    if (n <= folded) continue;
    const path = segmentPath(file, n);
    const contents = await readSegment(fs, path).catch((error: NodeJS.ErrnoException) => {
      throw new StorageStartError(error.code ? describeFsError(error, path) : error.message);
    });
    if (contents.damage) {
      // A start that died before writing its new segment's header leaves an empty last segment: nothing was in it.
      const emptyLast = contents.goodBytes === 0 && n === segments.at(-1) && contents.damage.offset === 0 && contents.records.length === 0;
      if (emptyLast) {
        await fs.unlink(path);
        continue;
      }
      if (!options.repair) throw new StorageStartError(new DamagedFileError(path, contents.damage.offset, contents.damage.reason).message);
      await fs.copyFile(path, `${path}.corrupt-${stamp}`);
      const handle = await fs.open(path, 'r+');
      await handle.truncate(contents.goodBytes);
      await handle.close();
      warn(`--repair: ${path} was damaged at byte ${contents.damage.offset} (${contents.damage.reason}); kept ${contents.records.length} good records, the damaged file is ${path}.corrupt-${stamp}.`);
    }
    image ??= emptyImage();
    for (const record of contents.records) applyRecord(image, record);
    replayed = true;
  }
  return { image, segments, folded, replayed };
}

/** Runs the compaction worker (src/store/compaction-worker.ts). */
function runCompaction(job: CompactionJob): Promise<void> {
  const worker = startWorker(import.meta.url, 'compaction-worker', job);
  return new Promise((resolve, reject) => {
    worker.once('message', (result: { ok: boolean; message?: string }) => (result.ok ? resolve() : reject(new Error(result.message))));
    worker.once('error', reject);
    worker.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`the worker stopped with code ${code}`))));
  });
}

/** A file-system error at start as one line: what, where, what to do. */
export function describeFsError(error: NodeJS.ErrnoException, path: string): string {
  const advice: Record<string, string> = {
    EACCES: `cannot write ${path}: permission denied; pass a --data file in a folder you may write to, or --memory`,
    EPERM: `cannot write ${path}: operation not permitted; pass a --data file in a folder you may write to, or --memory`,
    EROFS: `cannot write ${path}: the file system is read-only; pass a --data file on a writable disk, or --memory`,
    ENOSPC: `cannot write ${path}: the disk is full; free some space or pass a --data file on another disk`,
    ENOTDIR: `cannot use ${path}: a part of the path is a file, not a folder; pass another --data path`,
    EISDIR: `cannot use ${path}: it is a directory; pass the path of a file`,
  };
  return advice[error.code ?? ''] ?? `cannot use ${path}: ${error.message}`;
}
