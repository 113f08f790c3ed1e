// The write-ahead log: numbered segment files beside the state file (`state.json.wal.7`), each a
// header line and then one record per line as `<crc32 hex> <json>`. The writer appends a batch of
// records with one write and, when durable, one fdatasync; a segment past its size limit is
// sealed and a new one started, and sealed segments are folded into the snapshot by compaction.
// The reader checks every line and says where the first bad one is.
import { basename, dirname } from 'node:path';
import { crc32 } from 'node:zlib';
import type { FileSystem, LogFileHandle } from './file-system.ts';
import type { LogRecord } from './image.ts';

const WAL_FORMAT = 'marketplace-sandbox/wal';

/** A log or state file that cannot be read as it is: where, and what to do. */
export class DamagedFileError extends Error {
  constructor(
    readonly file: string,
    readonly offset: number,
    reason: string,
  ) {
    super(`${file} is damaged at byte ${offset} (${reason}): start with --repair to keep everything up to the last good record (the damaged file is kept beside it), or move the file away.`);
  }
}

export const segmentPath = (stateFile: string, n: number): string => `${stateFile}.wal.${n}`;

/** The segment numbers that exist for `stateFile`, ascending. */
export async function listSegments(fs: FileSystem, stateFile: string): Promise<number[]> {
  const prefix = `${basename(stateFile)}.wal.`;
  const names = await fs.readdir(dirname(stateFile)).catch(() => [] as string[]);
  return names
    .filter((name) => name.startsWith(prefix) && /^\d+$/.test(name.slice(prefix.length)))
    .map((name) => Number(name.slice(prefix.length)))
    .sort((a, b) => a - b);
}

const frame = (json: string): string => `${crc32(json).toString(16).padStart(8, '0')} ${json}\n`;

/** The header line of segment `n`. */
const header = (n: number): string => frame(JSON.stringify({ format: WAL_FORMAT, version: 1, segment: n }));

export interface SegmentContents {
  records: LogRecord[];
  /** Bytes up to the end of the last good record. */
  goodBytes: number;
  /** The first bad line, if any: nothing after it is read. */
  damage?: { offset: number; reason: string };
}

/** Reads a segment, record by record, up to its end or its first bad line. */
export async function readSegment(fs: FileSystem, path: string): Promise<SegmentContents> {
  const bytes = await fs.readFile(path);
  const records: LogRecord[] = [];
  let offset = 0;
  let first = true;
  while (offset < bytes.length) {
    const end = bytes.indexOf(10, offset);
    if (end < 0) return { records, goodBytes: offset, damage: { offset, reason: 'the last record is cut off' } };
    const line = bytes.subarray(offset, end).toString('utf8');
    const json = line.slice(9);
    if (line[8] !== ' ' || line.slice(0, 8) !== crc32(json).toString(16).padStart(8, '0')) {
      return { records, goodBytes: offset, damage: { offset, reason: 'a record does not match its checksum' } };
    }
    const value = JSON.parse(json) as Record<string, unknown>;
    if (first) {
      if (value.format !== WAL_FORMAT) throw new Error(`${path} is not a marketplace-sandbox log: move it away or pass another --data file.`);
      first = false;
    } else records.push(value as unknown as LogRecord);
    offset = end + 1;
  }
  if (first) return { records, goodBytes: 0, damage: { offset: 0, reason: 'the file is empty' } };
  return { records, goodBytes: offset };
}

export interface LogWriterOptions {
  fs: FileSystem;
  stateFile: string;
  /** The first segment number this writer may use (one past every existing one). */
  segment: number;
  /** fdatasync every batch before it counts as written. */
  durable: boolean;
  /** A segment past this size is sealed after the batch that crossed it. */
  segmentBytes: number;
  /** Called with the number of a segment once it is sealed. */
  onSealed: (segment: number) => void;
}

/** Appends batches to the current segment, one batch at a time. */
export class LogWriter {
  private handle: LogFileHandle | null = null;
  private size = 0;
  private segment: number;

  constructor(private readonly options: LogWriterOptions) {
    this.segment = options.segment;
  }

  get currentSegment(): number {
    return this.segment;
  }

  /** Opens the writer's first segment (a new file). */
  async open(): Promise<void> {
    await this.start(this.segment);
  }

  /**
   * Writes the framed records with one write (and, durable, one fdatasync). On a failure the
   * segment is cut back to where the batch began, so no half batch stays behind, and it rejects.
   */
  async append(records: string[]): Promise<void> {
    if (!this.handle) throw new Error('the log is closed');
    const buffer = Buffer.from(records.map(frame).join(''));
    const before = this.size;
    try {
      const { bytesWritten } = await this.handle.write(buffer);
      if (bytesWritten !== buffer.length) throw Object.assign(new Error('short write'), { code: 'ENOSPC' });
      if (this.options.durable) await this.handle.datasync();
      this.size += buffer.length;
    } catch (error) {
      await this.handle.truncate(before).catch(() => undefined);
      throw error;
    }
    if (this.size >= this.options.segmentBytes) await this.seal();
  }

  /** Seals the current segment and starts the next one. */
  async seal(): Promise<void> {
    const sealed = this.segment;
    await this.handle?.datasync().catch(() => undefined);
    await this.handle?.close();
    this.handle = null;
    await this.start(sealed + 1);
    this.options.onSealed(sealed);
  }

  async close(): Promise<void> {
    const handle = this.handle;
    this.handle = null;
    if (!handle) return;
    await handle.datasync().catch(() => undefined);
    await handle.close();
  }

  private async start(n: number): Promise<void> {
    const path = segmentPath(this.options.stateFile, n);
    const handle = await this.options.fs.open(path, 'a');
    const head = Buffer.from(header(n));
    await handle.write(head);
    await handle.datasync();
    this.handle = handle;
    this.segment = n;
    this.size = head.length;
  }
}
