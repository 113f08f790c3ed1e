// The snapshot file (`--data`, e.g. state.json): the compacted image, written and read with
// lowdb's DataFile (temp file + rename, so a crash leaves the old file or the new one, never half
// of one), then fsync'd before the log segments folded into it are deleted.
import { open } from 'node:fs/promises';
import { DataFile } from 'lowdb/node';
import { fromFirstFormat, IMAGE_FORMAT, IMAGE_VERSION, type PersistedImage } from './image.ts';

/** The state file does not parse: the position and the advice are in the message. */
export class UnreadableStateFile extends Error {}

function parseImage(file: string, text: string): PersistedImage {
  let saved: Record<string, unknown>;
  try {
    saved = JSON.parse(text) as Record<string, unknown>;
  } catch (error) {
    const at = /position (\d+)/.exec((error as Error).message)?.[1] ?? String(text.length);
    throw new UnreadableStateFile(
      `${file} is damaged at byte ${at} of ${text.length} (${(error as Error).message.split(' in JSON')[0]}): start with --repair to keep it aside as ${file}.corrupt-<time> and start from the log and the default data, or move it away.`,
    );
  }
  if (saved?.format !== IMAGE_FORMAT || !Array.isArray(saved.tenants)) {
    throw new UnreadableStateFile(`${file} is not a marketplace-sandbox state file (format/version missing): it is left as it is; move it away or pass another --data file.`);
  }
  if (saved.version === 1) return fromFirstFormat(saved as Parameters<typeof fromFirstFormat>[0]);
  if (saved.version !== IMAGE_VERSION) {
    throw new UnreadableStateFile(`${file} has state format version ${String(saved.version)}, which this version of marketplace-sandbox does not know: upgrade it, or pass another --data file.`);
  }
  return saved as unknown as PersistedImage;
}

const dataFile = (file: string) =>
  new DataFile<PersistedImage>(file, { parse: (text) => parseImage(file, text), stringify: (image) => JSON.stringify(image) });

/** The image in `file`, null when there is none. */
export async function readSnapshotFile(file: string): Promise<PersistedImage | null> {
  return dataFile(file).read();
}

/** Writes the image atomically and durably. */
export async function writeSnapshotFile(file: string, image: PersistedImage): Promise<void> {
  await dataFile(file).write(image);
  const handle = await open(file, 'r');
  try {
    await handle.datasync();
  } finally {
    await handle.close();
  }
}
