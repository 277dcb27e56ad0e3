/** A fresh Hetzner Cloud fake for each test of a file, and drivers wired to it (sleeps recorded). */
import { afterEach, beforeEach } from 'vitest';
import type { HetznerDriverConfig, HetznerDriverDeps } from '../../../lib/providers/hetzner/client.js';
import type { HetznerFake } from '../../fakes/hetzner/fake.js';
import { type HetznerWorld, hetznerWorld } from '../../fakes/hetzner/world.js';

export function useHetznerFake<D>(Driver: new (config: HetznerDriverConfig, deps: HetznerDriverDeps) => D): {
  fake: () => HetznerFake;
  make: (deps?: HetznerDriverDeps, regions?: string[]) => { driver: D; world: HetznerWorld };
} {
  let world: HetznerWorld | undefined;
  beforeEach(async () => {
    world = await hetznerWorld();
  });
  afterEach(() => world?.close());
  return {
    fake: () => world!.fake,
    make: (deps = {}, regions) => {
      const w = world!;
      const config = regions ? { ...w.config, regions } : w.config;
      return { driver: new Driver(config, { ...w.deps, ...deps }), world: w };
    },
  };
}
