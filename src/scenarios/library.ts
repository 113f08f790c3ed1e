// The scenarios a sandbox knows (scenarios/*.yaml, loaded once at start) and their worlds, built
// on first use and kept: the first reset into peak-load pays for generating it, later ones don't.
import type { Scenario } from './load.ts';
import { readBuiltWorld } from './built-worlds.ts';
import { buildWorld, type World } from './world.ts';

export class ScenarioLibrary {
  private readonly worlds = new Map<string, World>();

  constructor(readonly scenarios: ReadonlyMap<string, Scenario>) {}

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

  /** Reads the world the build made for `name` and `seed`, if any, so that world() need not generate it. */
  async prepare(name: string, seed: number): Promise<void> {
    const scenario = this.scenarios.get(name);
    if (!scenario || this.isBuilt(name, seed)) return;
    const effectiveSeed = scenario.fixture?.seed ?? seed;
    const world = await readBuiltWorld(scenario, effectiveSeed);
    if (world && !this.isBuilt(name, seed)) this.worlds.set(`${name}@${effectiveSeed}`, world);
  }

  /** Whether the world is built already (a reset into it then takes milliseconds). */
  isBuilt(name: string, seed: number): boolean {
    const scenario = this.scenarios.get(name);
    return scenario !== undefined && this.worlds.has(`${name}@${scenario.fixture?.seed ?? seed}`);
  }
}
