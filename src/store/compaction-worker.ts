// Compaction, run in a worker thread so the serving loop never pays for it: reads the snapshot
// file and the sealed log segments up to `through`, folds them into one image and writes it back
// (src/store/snapshot-file.ts). Its memory is the image of the changes, never a world: worlds
// are rebuilt from their scenario and seed at start.
import { parentPort, workerData } from 'node:worker_threads';
import { nodeFileSystem } from './file-system.ts';
import { applyRecord, emptyImage } from './image.ts';
import { readSnapshotFile, writeSnapshotFile } from './snapshot-file.ts';
import { listSegments, readSegment, segmentPath } from './wal.ts';

export interface CompactionJob {
  stateFile: string;
  /** The last sealed segment to fold in. */
  through: number;
}

async function compact({ stateFile, through }: CompactionJob): Promise<void> {
  const image = (await readSnapshotFile(stateFile)) ?? emptyImage();
  for (const n of await listSegments(nodeFileSystem, stateFile)) {
    if (n <= image.wal_through || n > through) continue;
    const { records, damage } = await readSegment(nodeFileSystem, segmentPath(stateFile, n));
    // The start read every segment before this worker ran; a damaged one here is new damage.
    if (damage) throw new Error(`${segmentPath(stateFile, n)} is damaged at byte ${damage.offset} (${damage.reason}); compaction left the files as they are`);
    for (const record of records) applyRecord(image, record);
  }
  image.wal_through = through;
  await writeSnapshotFile(stateFile, image);
}

compact(workerData as CompactionJob).then(
  () => parentPort!.postMessage({ ok: true }),
  (error: Error) => parentPort!.postMessage({ ok: false, message: error.message }),
);
