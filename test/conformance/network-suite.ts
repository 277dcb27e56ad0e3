/**
 * The network driver conformance suite: one specification of NetworkDriver (lib/providers/network.ts)
 * that every provider with the network capability passes against its world. What it asks is what the
 * provider's NetworkLimits say (a range of its own or none, global or regional networks, zones or not,
 * delete with subnets or not): limits that lie fail here, as lib/networks relies on them.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GLOBAL_REGION } from '../../lib/net/network-rules.js';
import type { Provider } from '../../lib/providers/capabilities.js';
import {
  ProviderAuthError,
  ProviderConflictError,
  ProviderNotFoundError,
  ProviderRejectedError,
  ProviderThrottledError,
} from '../../lib/providers/errors.js';
import {
  type CreateSubnetRequest,
  NETWORK_LIMITS,
  type NetworkDriver,
  type NetworkRef,
  type ProviderNetwork,
  type ProviderSubnet,
} from '../../lib/providers/network.js';
import type { WorldFaults } from './world.js';

/** One provider's world, fresh for every test. */
export interface NetworkWorld extends WorldFaults {
  driver: NetworkDriver;
  /** Puts a machine (its network interface) in the subnet, as if made outside Nimbo. */
  attachMachine(subnet: ProviderSubnet): Promise<void>;
  /** Where networks have no subnets (limits.subnets false): puts a machine in the network itself. */
  attachMachineToNetwork?(network: ProviderNetwork): Promise<void>;
}

export interface NetworkConformance {
  provider: Provider;
  /** A region of the cloud. */
  region: string;
  /** A zone of `region`, where subnets are placed in zones (limits.subnetZones). */
  zone?: string;
  /** A network ref in the driver's shape that the provider does not know. */
  missing: NetworkRef;
  /** The world can throttle a counted number of tries (the simulator throttles by rate only). */
  countedThrottling?: boolean;
  world(): Promise<NetworkWorld>;
}

export function networkConformance(c: NetworkConformance): void {
  const limits = NETWORK_LIMITS[c.provider];
  if (!limits) throw new Error(`${c.provider} has no network limits: it has no network capability`);
  const networkRegion = limits.globalNetworks ? GLOBAL_REGION : c.region;
  // Hetzner's subnets sit in the network zone of the cloud's location (eu-central for fsn1).
  const subnetRegion = limits.subnetRegions?.of(c.region) ?? c.region;

  describe(`the ${c.provider} network driver (conformance)`, () => {
    let w: NetworkWorld;
    beforeEach(async () => {
      w = await c.world();
    });
    afterEach(() => w.close());

    const newNetwork = (name: string, cidr: string) =>
      w.driver.createNetwork({
        name,
        region: networkRegion,
        ...(limits.networkCidr ? { cidr } : {}),
        tags: { team: 'ops' },
      });
    const subnetRequest = (network: ProviderNetwork, name: string, cidr: string): CreateSubnetRequest => ({
      name,
      cidr,
      region: subnetRegion,
      networkExternalId: network.externalId,
      ...(limits.subnetZones ? { availabilityZone: c.zone } : {}),
    });
    const ref = (x: { externalId: string; region: string }): NetworkRef => ({
      externalId: x.externalId,
      region: x.region,
    });
    const networkIds = async () => (await w.driver.listNetworks()).map((n) => n.externalId);
    const subnetsOf = async (network: ProviderNetwork) =>
      (await w.driver.listSubnets()).filter((s) => s.networkExternalId === network.externalId);

    it('creates networks that the next listing shows, across pages, as its limits describe them', async () => {
      const made = [
        await newNetwork('net-a', '10.1.0.0/16'),
        await newNetwork('net-b', '10.2.0.0/16'),
        await newNetwork('net-c', '10.3.0.0/16'),
      ];
      const listed = new Map((await w.driver.listNetworks()).map((n) => [n.externalId, n]));
      for (const [i, n] of made.entries()) {
        const got = listed.get(n.externalId);
        expect(got, n.name).toMatchObject({
          name: `net-${'abc'[i]}`,
          region: networkRegion,
          cidr: limits.networkCidr ? `10.${i + 1}.0.0/16` : '',
          isDefault: false,
        });
      }
    });

    if (!limits.subnets) {
      it('has no subnets: lists none, and refuses one without creating it', async () => {
        const net = await newNetwork('net-a', '10.1.0.0/16');
        expect(await w.driver.listSubnets()).toEqual([]);
        await expect(w.driver.createSubnet(subnetRequest(net, 'sub', '10.1.1.0/24'))).rejects.toBeInstanceOf(
          ProviderRejectedError,
        );
        expect(await w.driver.listSubnets()).toEqual([]);
      });

      it('refuses to delete a network with a machine in it, with a conflict, and deletes an empty one', async () => {
        const busy = await newNetwork('net-busy', '10.1.0.0/16');
        const idle = await newNetwork('net-idle', '10.2.0.0/16');
        if (!w.attachMachineToNetwork)
          throw new Error('a world without subnets attaches machines to networks');
        await w.attachMachineToNetwork(busy);
        await expect(w.driver.deleteNetwork(ref(busy))).rejects.toBeInstanceOf(ProviderConflictError);
        await w.driver.deleteNetwork(ref(idle));
        const ids = await networkIds();
        expect(ids).toContain(busy.externalId);
        expect(ids).not.toContain(idle.externalId);
      });
    } else {
      it('creates subnets inside a network, listed across pages with their range and free addresses', async () => {
        const net = await newNetwork('net-a', '10.1.0.0/16');
        const cidrs = ['10.1.1.0/24', '10.1.2.0/24', '10.1.3.0/24'];
        for (const [i, cidr] of cidrs.entries())
          await w.driver.createSubnet(subnetRequest(net, `sub-${i}`, cidr));
        const subnets = await subnetsOf(net);
        expect(subnets.map((s) => s.cidr).sort()).toEqual(cidrs);
        for (const s of subnets) {
          expect(s.region).toBe(subnetRegion);
          expect(s.availabilityZone).toBe(limits.subnetZones ? c.zone : '');
          if (s.availableIps !== null) expect(s.availableIps).toBe(256 - limits.reservedPerSubnet);
        }
      });

      it('refuses a subnet that overlaps a sibling, and creates nothing', async () => {
        const net = await newNetwork('net-a', '10.1.0.0/16');
        await w.driver.createSubnet(subnetRequest(net, 'first', '10.1.0.0/24'));
        const err = await w.driver
          .createSubnet(subnetRequest(net, 'second', '10.1.0.128/25'))
          .catch((e) => e);
        expect(
          err instanceof ProviderConflictError || err instanceof ProviderRejectedError,
          String(err),
        ).toBe(true);
        expect((await subnetsOf(net)).map((s) => s.name)).toEqual(['first']);
      });

      it('refuses to delete a subnet with a machine in it, with a conflict', async () => {
        const net = await newNetwork('net-a', '10.1.0.0/16');
        const sub = await w.driver.createSubnet(subnetRequest(net, 'busy', '10.1.1.0/24'));
        await w.attachMachine(sub);
        await expect(w.driver.deleteSubnet(ref(sub))).rejects.toBeInstanceOf(ProviderConflictError);
        expect((await subnetsOf(net)).map((s) => s.externalId)).toEqual([sub.externalId]);
      });

      it('deletes an empty subnet', async () => {
        const net = await newNetwork('net-a', '10.1.0.0/16');
        const sub = await w.driver.createSubnet(subnetRequest(net, 'idle', '10.1.1.0/24'));
        await w.driver.deleteSubnet(ref(sub));
        expect(await subnetsOf(net)).toEqual([]);
      });

      if (limits.deleteWithSubnets) {
        it('deletes a network together with its empty subnets', async () => {
          const net = await newNetwork('net-a', '10.1.0.0/16');
          await w.driver.createSubnet(subnetRequest(net, 'idle', '10.1.1.0/24'));
          await w.driver.deleteNetwork(ref(net));
          expect(await networkIds()).not.toContain(net.externalId);
          expect(await subnetsOf(net)).toEqual([]);
        });
      } else {
        it('refuses to delete a network that still has subnets, then deletes it once they are gone', async () => {
          const net = await newNetwork('net-a', '10.1.0.0/16');
          const sub = await w.driver.createSubnet(subnetRequest(net, 'idle', '10.1.1.0/24'));
          await expect(w.driver.deleteNetwork(ref(net))).rejects.toBeInstanceOf(ProviderConflictError);
          expect(await networkIds()).toContain(net.externalId);
          await w.driver.deleteSubnet(ref(sub));
          await w.driver.deleteNetwork(ref(net));
          expect(await networkIds()).not.toContain(net.externalId);
        });
      }
    }

    it('answers ProviderNotFoundError for a network it does not know', async () => {
      await expect(w.driver.deleteNetwork(c.missing)).rejects.toBeInstanceOf(ProviderNotFoundError);
    });

    it('answers ProviderAuthError when the provider rejects the credentials', async () => {
      w.failAuthentication();
      await expect(w.driver.listNetworks()).rejects.toBeInstanceOf(ProviderAuthError);
    });

    it.skipIf(c.countedThrottling === false)('backs off and gets through when throttled twice', async () => {
      const net = await newNetwork('net-a', '10.1.0.0/16');
      w.throttle(2);
      expect(await networkIds()).toContain(net.externalId);
      expect(w.backoffSleeps()).toBeGreaterThan(0);
    });

    it('answers ProviderThrottledError when throttling does not end', async () => {
      w.throttle(Number.POSITIVE_INFINITY);
      await expect(w.driver.listNetworks()).rejects.toBeInstanceOf(ProviderThrottledError);
    });
  });
}
