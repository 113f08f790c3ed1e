// The scenarios a sandbox knows (scenarios/*.yaml, loaded once at start) and their worlds, built
// on first use and kept. A large world (peak-load) is built in a worker thread and kept in the
// world cache on disk by scenario, seed and code version, so neither its first build nor a
// restart stalls the other tenants, and a restart reads it instead of generating it again.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { VERSION } from '../sandbox-files.ts';
import type { Scenario } from './load.ts';
import { readBuiltWorld } from './built-worlds.ts';
import { buildWorldOffThread } from './world-thread.ts';
import { buildWorld, type World } from './world.ts';

/** Worlds with more products and orders than this are built off the serving thread. */
const OFF_THREAD_ENTITIES = 2000;

/** The modules that make a world: a change to any of them makes the cached worlds stale. */
const GENERATOR_MODULES = ['./world', '../fixtures/generate', '../domain/order-factory', '../domain/seeded-faker', '../domain/random', '../domain/catalog'];

export class ScenarioLibrary {
  private readonly worlds = new Map<string, World>();
  private readonly building = new Map<string, Promise<void>>();
  private codeVersion: Promise<string> | null = null;

  /** `cacheDir`: where large built worlds are kept (none: they are built on every start). */
  constructor(
    readonly scenarios: ReadonlyMap<string, Scenario>,
    private readonly cacheDir: string | null = null,
  ) {}

  get(name: string): Scenario | undefined {
    return this.scenarios.get(name);
  }

  get names(): string[] {
    return [...this.scenarios.keys()];
  }

  /** The world of `name` for a tenant of `seed` (a scenario's own fixture seed wins). */
  world(name: string, seed: number): World {
    const scenario = this.scenarios.get(name);
    if (!scenario) throw new Error(`unknown scenario ${name}`);
    const key = `${name}@${scenario.fixture?.seed ?? seed}`;
    let world = this.worlds.get(key);
    if (!world) {
      world = buildWorld(scenario, seed);
      this.worlds.set(key, world);
    }
    return world;
  }

  /**
   * Makes the world of `name` for `seed` ready without blocking the serving thread for long: the
   * one the build made, else (a large world) built in a worker or read from the world cache.
   * Resolves with the wall ms it took to build (0 when it was ready or cached).
   */
  async prepare(name: string, seed: number): Promise<number> {
    const scenario = this.scenarios.get(name);
    if (!scenario || this.isBuilt(name, seed)) return 0;
    const effectiveSeed = scenario.fixture?.seed ?? seed;
    const key = `${name}@${effectiveSeed}`;
    const started = performance.now();
    let pending = this.building.get(key);
    if (!pending) {
      pending = this.load(scenario, effectiveSeed, key).finally(() => this.building.delete(key));
      this.building.set(key, pending);
    }
    await pending;
    return performance.now() - started;
  }

  private async load(scenario: Scenario, seed: number, key: string): Promise<void> {
    const built = await readBuiltWorld(scenario, seed);
    if (built) return void (this.worlds.has(key) || this.worlds.set(key, built));
    const f = scenario.fixture;
    if (f?.catalog_only || (f?.products ?? 0) + (f?.orders ?? 0) <= OFF_THREAD_ENTITIES) return; // world() builds it in a moment
    const cacheFile = this.cacheDir ? join(this.cacheDir, `${await this.cacheName(scenario, seed)}.json`) : null;
    const world = await buildWorldOffThread({ scenario, seed, cacheFile });
    if (!this.worlds.has(key)) this.worlds.set(key, world);
  }

  /** The cache file name of a world: its scenario's content, the seed, this version and its generator's code. */
  private async cacheName(scenario: Scenario, seed: number): Promise<string> {
    this.codeVersion ??= Promise.all(
      GENERATOR_MODULES.map((module) => readFile(new URL(`${module}.${import.meta.url.endsWith('.ts') ? 'ts' : 'js'}`, import.meta.url), 'utf8').catch(() => module)),
    ).then((texts) => createHash('sha256').update(VERSION).update(texts.join('\0')).digest('hex'));
    const { file: _file, ...content } = scenario;
    const hash = createHash('sha256').update(JSON.stringify({ content, seed, code: await this.codeVersion })).digest('hex').slice(0, 24);
    return `${scenario.name}-${seed}-${hash}`;
  }

  /** Whether the world is built already (a reset into it then takes milliseconds). */
  isBuilt(name: string, seed: number): boolean {
    const scenario = this.scenarios.get(name);
    return scenario !== undefined && this.worlds.has(`${name}@${scenario.fixture?.seed ?? seed}`);
  }
}
