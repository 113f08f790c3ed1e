// One Node range, said the same everywhere: package.json's engines, the README, the Dockerfile's
// base image, and the engines every installed runtime dependency declares.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const json = async (file: string) => JSON.parse(await readFile(`${root}${file}`, 'utf8'));

/** The lowest Node a range of the form ">=X[.Y[.Z]]" allows, as [major, minor]. */
const floor = (range: string): [number, number] => {
  const match = /^>=\s*v?(\d+)(?:\.(\d+))?/.exec(range.trim());
  if (!match) throw new Error(`an engines range this test cannot read: ${range}`);
  return [Number(match[1]), Number(match[2] ?? 0)];
};
const atMost = ([a, b]: [number, number], [c, d]: [number, number]) => a < c || (a === c && b <= d);

describe('the Node versions', () => {
  it('are the same in engines, the README and the Dockerfile', async () => {
    const engines: string = (await json('package.json')).engines.node;
    const [major, minor] = floor(engines);
    expect(await readFile(`${root}README.md`, 'utf8')).toContain(`Node ≥ ${major}.${minor}`);
    const images = [...(await readFile(`${root}Dockerfile`, 'utf8')).matchAll(/^FROM node:(\d+)\.(\d+)/gm)].map((m) => [Number(m[1]), Number(m[2])] as [number, number]);
    expect(images.length).toBeGreaterThan(0);
    for (const image of images) expect(atMost([major, minor], image), `the image's Node ${image.join('.')} is inside ${engines}`).toBe(true);
  });

  it('no dependency declares a Node the range does not cover (npm ci warns of none)', async () => {
    const lock = await json('package-lock.json');
    const [major, minor] = floor((await json('package.json')).engines.node);
    const narrower = Object.entries(lock.packages as Record<string, { engines?: { node?: string } }>)
      .filter(([path, info]) => path && info.engines?.node && /^>=/.test(info.engines.node.trim()))
      .filter(([, info]) => !atMost(floor(info.engines!.node!), [major, minor]))
      .map(([path, info]) => `${path.replace(/^node_modules\//, '')} needs ${info.engines!.node}`);
    expect(narrower).toEqual([]);
  });
});
