/**
 * The DigitalOcean dns driver against the dns conformance suite: domains and domain records on the v2
 * API's fake on 127.0.0.1, through the cloud's endpoint override. DigitalOcean has no private zones.
 */
import { DigitalOceanDnsDriver } from '../../lib/providers/digitalocean/dns.js';
import { digitalOceanWorld } from '../fakes/digitalocean/world.js';
import { dnsConformance } from './dns-suite.js';

dnsConformance({
  provider: 'digitalocean',
  privateVpc: null,
  missingZoneId: 'missing.example.org',
  countedThrottling: true,
  async world() {
    const w = await digitalOceanWorld();
    return { ...w, driver: new DigitalOceanDnsDriver(w.config, w.deps), settle: async () => {} };
  },
});
