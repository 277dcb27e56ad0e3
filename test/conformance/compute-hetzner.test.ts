/**
 * The Hetzner Cloud compute driver against the compute conformance suite: the Cloud API fake on
 * 127.0.0.1, servers seeded in its locations, actions finished by settle.
 */
import { HetznerComputeDriver } from '../../lib/providers/hetzner/compute.js';
import { seedServer } from '../fakes/hetzner/compute-routes.js';
import { hetznerWorld } from '../fakes/hetzner/world.js';
import { computeConformance } from './compute-suite.js';

computeConformance({
  provider: 'hetzner',
  regions: ['fsn1', 'hel1'],
  outsideRegion: 'ash',
  inRegion: (m, region) => m.region === region,
  create: { image: 'debian-12', size: 'cx22' },
  resizeTo: 'cx32',
  countedThrottling: true,
  missing: { externalId: '999999999', region: 'fsn1' },
  async world() {
    const w = await hetznerWorld();
    return {
      ...w,
      driver: new HetznerComputeDriver(w.config, w.deps),
      async seed(machines) {
        for (const m of machines)
          seedServer(w.fake.state, m.name, m.region, m.state === 'running' ? 'running' : 'off');
      },
      settle: async () => w.fake.state.settle(),
    };
  },
});
