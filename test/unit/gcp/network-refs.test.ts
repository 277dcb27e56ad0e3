import { describe, expect, it } from 'vitest';
import { subnetworkId, toProviderMachine } from '../../../lib/providers/gcp/mapping.js';

const BASE = 'https://www.googleapis.com/compute/v1/projects/p';

describe("an instance's place in the network", () => {
  it('records the network by name and the subnetwork as <region>/<name>, as the network driver lists them', () => {
    const m = toProviderMachine({
      id: '42',
      name: 'web',
      zone: `${BASE}/zones/europe-west1-b`,
      status: 'RUNNING',
      networkInterfaces: [
        {
          networkIP: '127.0.0.5',
          network: `${BASE}/global/networks/prod`,
          subnetwork: `${BASE}/regions/europe-west1/subnetworks/web-tier`,
        },
      ],
    });
    expect(m.extra).toMatchObject({ vpcId: 'prod', subnetId: 'europe-west1/web-tier' });
  });

  it('records nothing for an instance without interfaces', () => {
    const m = toProviderMachine({ id: '1', name: 'bare', zone: 'zones/europe-west1-b' });
    expect(m.extra?.vpcId).toBeUndefined();
    expect(m.extra?.subnetId).toBeUndefined();
  });

  it('reads a subnetwork id only from a subnetwork URL', () => {
    expect(subnetworkId('projects/p/regions/us-central1/subnetworks/a')).toBe('us-central1/a');
    expect(subnetworkId('projects/p/global/networks/a')).toBeUndefined();
    expect(subnetworkId(undefined)).toBeUndefined();
  });
});
