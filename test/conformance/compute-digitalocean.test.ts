/**
 * The DigitalOcean compute driver against the compute conformance suite: the v2 API's fake on
 * 127.0.0.1 (test/fakes/digitalocean), reached through the cloud's endpoint override; backoff sleeps
 * recorded, actions polled at once.
 */
import { DigitalOceanComputeDriver } from '../../lib/providers/digitalocean/compute.js';
import { seedDroplet } from '../fakes/digitalocean/droplet-routes.js';
import { digitalOceanWorld } from '../fakes/digitalocean/world.js';
import { computeConformance } from './compute-suite.js';

computeConformance({
  provider: 'digitalocean',
  regions: ['fra1', 'ams3'],
  outsideRegion: 'nyc3',
  inRegion: (m, region) => m.region === region,
  create: { image: 'debian-12-x64', size: 's-1vcpu-1gb' },
  resizeTo: 's-2vcpu-2gb',
  missing: { externalId: '999999999', region: 'fra1' },
  countedThrottling: true,
  async world() {
    const w = await digitalOceanWorld();
    return {
      ...w,
      driver: new DigitalOceanComputeDriver(w.config, w.deps),
      settle: async () => {},
      async seed(machines) {
        for (const m of machines) {
          seedDroplet(w.fake, {
            name: m.name,
            region: m.region,
            status: m.state === 'running' ? 'active' : 'off',
          });
        }
      },
    };
  },
});
