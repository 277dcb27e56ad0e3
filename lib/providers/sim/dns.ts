/**
 * The simulated dns driver: Route 53's behaviour without Route 53. Zones start with their SOA and NS;
 * change batches are checked with the same value rules Nimbo applies (lib/net) and with Route 53's own
 * refusals (CREATE of an existing set, DELETE of a set that differs, CNAME next to other records), all
 * or nothing; a change is PENDING until the simulator's transition time has passed, then INSYNC.
 */
import { randomBytes } from 'node:crypto';
import { domainNameProblem, fqdn, isInZone } from '../../net/dns-name.js';
import { normalizeRecordValues, RECORD_TYPES, type RecordType } from '../../net/record-values.js';
import {
  type ChangeStatus,
  type CreateZoneRequest,
  type DnsDriver,
  isZoneOwnRecord,
  type ProviderRecord,
  type ProviderZone,
  type RecordChange,
  recordKey,
} from '../dns.js';
import { ProviderConflictError, ProviderNotFoundError, ProviderRejectedError } from '../errors.js';
import { type SimCallDeps, type SimFaultSettings, simCallDeps, simulateCall } from './faults.js';
import type { SimNetStore, SimZone } from './net-store.js';

export interface SimDnsSettings extends SimFaultSettings {
  /** How long a change stays PENDING before it is INSYNC. */
  transitionMs: number;
}

export interface SimDnsDeps {
  store: SimNetStore;
  now: () => Date;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

/** Name servers of the simulator: the .invalid TLD (RFC 2606) says they answer nothing. */
export const SIM_NAME_SERVERS = ['ns-1.sim.nimbo.invalid.', 'ns-2.sim.nimbo.invalid.'];

function simId(prefix: string): string {
  return prefix + randomBytes(10).toString('hex').toUpperCase().slice(0, 13);
}

function describe(r: { name: string; type: string }): string {
  return `[name='${r.name}', type='${r.type}']`;
}

function sameSet(a: ProviderRecord, b: ProviderRecord): boolean {
  return a.ttl === b.ttl && [...a.values].sort().join('\n') === [...b.values].sort().join('\n');
}

export class SimDnsDriver implements DnsDriver {
  private readonly callDeps: SimCallDeps;

  constructor(
    private readonly settings: SimDnsSettings,
    private readonly deps: SimDnsDeps,
  ) {
    this.callDeps = simCallDeps(deps);
  }

  private call(operation: string) {
    return simulateCall(this.settings, this.callDeps, operation);
  }

  private async zone(zoneId: string): Promise<SimZone> {
    const zone = await this.deps.store.get('zone', zoneId);
    if (!zone)
      throw new ProviderNotFoundError(`sim: NoSuchHostedZone: No hosted zone found with ID: ${zoneId}`);
    return zone;
  }

  private async newChange(): Promise<ChangeStatus> {
    const change = { id: simId('C'), submittedAt: this.deps.now() };
    await this.deps.store.put('change', change.id, change);
    return { ...change, status: this.settings.transitionMs > 0 ? 'PENDING' : 'INSYNC' };
  }

  private static view(zone: SimZone): ProviderZone {
    const { records, ...rest } = zone;
    return { ...rest, recordCount: records.length };
  }

  async listZones(): Promise<ProviderZone[]> {
    await this.call('ListHostedZones');
    return (await this.deps.store.list('zone')).map(SimDnsDriver.view);
  }

  async createZone(req: CreateZoneRequest): Promise<{ zone: ProviderZone; change: ChangeStatus }> {
    await this.call('CreateHostedZone');
    const name = fqdn(req.name);
    const problem = domainNameProblem(name);
    if (problem) throw new ProviderRejectedError(`sim: InvalidDomainName: ${name} ${problem}`);
    if (req.private && !req.vpc) {
      throw new ProviderRejectedError(
        'sim: InvalidInput: a private hosted zone needs a VPC (VPCRegion and VPCId)',
      );
    }
    if (!req.private && req.vpc) {
      throw new ProviderRejectedError(
        'sim: InvalidInput: a public hosted zone cannot be associated with a VPC',
      );
    }
    if (req.vpc) {
      const vpc = await this.deps.store.get('network', req.vpc.vpcId);
      if (!vpc || vpc.region !== req.vpc.region) {
        throw new ProviderRejectedError(
          `sim: InvalidVPCId: The VPC ${req.vpc.vpcId} in region ${req.vpc.region} does not exist`,
        );
      }
    }
    const zone: SimZone = {
      externalId: simId('Z'),
      name,
      private: req.private,
      comment: req.comment ?? null,
      recordCount: 2,
      vpcs: req.vpc ? [req.vpc] : [],
      records: [
        {
          name,
          type: 'SOA',
          ttl: 900,
          values: [`${SIM_NAME_SERVERS[0]} hostmaster.sim.nimbo.invalid. 1 7200 900 1209600 86400`],
          alias: null,
          setIdentifier: null,
        },
        { name, type: 'NS', ttl: 172800, values: SIM_NAME_SERVERS, alias: null, setIdentifier: null },
      ],
    };
    await this.deps.store.put('zone', zone.externalId, zone);
    return { zone: SimDnsDriver.view(zone), change: await this.newChange() };
  }

  async deleteZone(zoneId: string, options: { force?: boolean } = {}): Promise<ChangeStatus> {
    await this.call('DeleteHostedZone');
    const zone = await this.zone(zoneId);
    if (!options.force && zone.records.some((r) => !isZoneOwnRecord(r, zone.name))) {
      throw new ProviderConflictError(
        `sim: HostedZoneNotEmpty: The hosted zone ${zoneId} contains resource record sets other than SOA and NS`,
      );
    }
    await this.deps.store.remove('zone', zoneId);
    return this.newChange();
  }

  async listRecords(zoneId: string): Promise<ProviderRecord[]> {
    await this.call('ListResourceRecordSets');
    return (await this.zone(zoneId)).records;
  }

  /** Route 53's checks of a change batch, all before anything is applied. */
  private apply(zone: SimZone, changes: RecordChange[]): { records: ProviderRecord[]; problems: string[] } {
    const problems: string[] = [];
    const records = new Map(zone.records.map((r) => [recordKey(r), r]));
    const touched = new Set<string>();
    for (const { action, record } of changes) {
      const name = fqdn(record.name);
      const key = recordKey({ name, type: record.type });
      if (!isInZone(name, zone.name)) {
        problems.push(`RRSet with DNS name ${name} is not permitted in zone ${zone.name}`);
        continue;
      }
      if (!RECORD_TYPES.includes(record.type as RecordType)) {
        problems.push(`RRSet of type ${record.type} is not managed here`);
        continue;
      }
      const values = normalizeRecordValues(record.type, record.values);
      if (!values.ok) {
        problems.push(
          `Invalid Resource Record: ${values.problems.map((p) => p.message).join('; ')} ${describe(record)}`,
        );
        continue;
      }
      const next: ProviderRecord = {
        name,
        type: record.type,
        ttl: record.ttl,
        values: values.values,
        alias: null,
        setIdentifier: null,
      };
      const current = records.get(key);
      touched.add(name);
      if (action === 'CREATE' && current) {
        problems.push(`Tried to create resource record set ${describe(next)} but it already exists`);
      } else if (action === 'DELETE') {
        if (!current)
          problems.push(`Tried to delete resource record set ${describe(next)} but it was not found`);
        else if (!sameSet(current, next)) {
          problems.push(
            `Tried to delete resource record set ${describe(next)} but the values provided do not match the current values`,
          );
        } else if (isZoneOwnRecord(current, zone.name)) {
          problems.push(`A HostedZone must contain at least one NS record for the zone itself`);
        } else records.delete(key);
      } else records.set(key, next);
    }
    for (const name of touched) {
      const types = [...records.values()].filter((r) => r.name === name).map((r) => r.type);
      if (types.includes('CNAME') && name === zone.name) {
        problems.push(
          `RRSet of type CNAME with DNS name ${name} is not permitted at apex in zone ${zone.name}`,
        );
      } else if (types.includes('CNAME') && types.length > 1) {
        problems.push(
          `RRSet of type CNAME with DNS name ${name} is not permitted as it conflicts with other records with the same DNS name in zone ${zone.name}`,
        );
      }
    }
    return { records: [...records.values()], problems };
  }

  async changeRecords(zoneId: string, changes: RecordChange[]): Promise<ChangeStatus> {
    await this.call('ChangeResourceRecordSets');
    const zone = await this.zone(zoneId);
    const { records, problems } = this.apply(zone, changes);
    if (problems.length) {
      throw new ProviderRejectedError(`sim: InvalidChangeBatch: ${problems.map((p) => `[${p}]`).join(', ')}`);
    }
    await this.deps.store.put('zone', zoneId, { ...zone, records, recordCount: records.length });
    return this.newChange();
  }

  async getChange(changeId: string): Promise<ChangeStatus> {
    await this.call('GetChange');
    const change = await this.deps.store.get('change', changeId);
    if (!change)
      throw new ProviderNotFoundError(
        `sim: NoSuchChange: A change with the specified change ID does not exist`,
      );
    const done =
      this.deps.now().getTime() - new Date(change.submittedAt).getTime() >= this.settings.transitionMs;
    return { ...change, status: done ? 'INSYNC' : 'PENDING' };
  }
}
