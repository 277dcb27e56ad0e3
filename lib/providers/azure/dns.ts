/**
 * The Azure DNS driver: public zones across the subscription (Microsoft.Network/dnsZones through
 * @azure/arm-dns). A zone's externalId is its ARM id; Nimbo creates zones in the `nimbo-dns` resource
 * group. Azure has no change batches and applies each record set write at once: changes are applied in
 * order, one call each, and reported INSYNC with an id that only carries the time. A batch that fails
 * half way leaves the earlier changes applied (the error names the change that failed).
 * Private zones are Azure Private DNS, another API: they are refused.
 */
import { ConfigurationError } from '../../core/errors.js';
import {
  type ChangeStatus,
  type CreateZoneRequest,
  changeTime,
  type DnsDriver,
  isZoneOwnRecord,
  newChangeId,
  type ProviderRecord,
  type ProviderZone,
  type RecordChange,
} from '../dns.js';
import { ProviderConflictError, ProviderNotFoundError, ProviderRejectedError } from '../errors.js';
import { type AzureClients, collect } from './client.js';
import {
  COMMENT_TAG,
  parseZoneId,
  relativeName,
  toAzureRecordSet,
  toProviderRecord,
  toProviderZone,
  type ZoneName,
} from './dns-mapping.js';
import { ensureResourceGroup } from './resource-group.js';
import { type AzureCloudConfig, type AzureDriverDeps, type AzureSetup, azureSetup } from './setup.js';

/** Where Nimbo creates zones: DNS zones are global, their resource group needs a location all the same. */
export const DNS_RESOURCE_GROUP = 'nimbo-dns';

/** This driver's change ids are "azure-" and a UUIDv7 carrying the time (lib/providers/dns.ts). */
const CHANGE_PREFIX = 'azure';

export class AzureDnsDriver implements DnsDriver {
  private readonly azure: AzureClients;
  private readonly setup: AzureSetup;

  constructor(
    private readonly config: AzureCloudConfig,
    deps: AzureDriverDeps = {},
  ) {
    this.setup = azureSetup(config, deps);
    this.azure = this.setup.azure;
  }

  private zoneName(zoneId: string): ZoneName {
    const parsed = parseZoneId(zoneId);
    if (!parsed) throw new ProviderNotFoundError(`Azure: ${zoneId} is not the ARM id of a DNS zone`);
    return parsed;
  }

  /** Applied already: nothing to wait for. */
  private applied(): ChangeStatus {
    const submittedAt = this.setup.now();
    return { id: newChangeId(CHANGE_PREFIX, submittedAt), status: 'INSYNC', submittedAt };
  }

  async listZones(): Promise<ProviderZone[]> {
    const dns = await this.azure.dns();
    const zones = await this.azure.call('list DNS zones', () => collect(dns.zones.list()));
    return zones.map(toProviderZone);
  }

  /** If-None-Match '*': a zone of that name already in nimbo-dns is a conflict, not overwritten. */
  async createZone(req: CreateZoneRequest): Promise<{ zone: ProviderZone; change: ChangeStatus }> {
    const name = req.name.trim().toLowerCase().replace(/\.$/, '');
    if (req.private) {
      throw new ProviderRejectedError(
        `Azure cannot create private zone ${name} here: private zones are Azure Private DNS ` +
          '(Microsoft.Network/privateDnsZones), which this driver does not manage; create a public zone',
      );
    }
    const location = this.setup.regions[0];
    if (!location) {
      throw new ConfigurationError(
        `Azure cloud ${this.config.cloudId} has no location configured for the ${DNS_RESOURCE_GROUP} resource group`,
      );
    }
    await ensureResourceGroup(this.azure, DNS_RESOURCE_GROUP, location);
    const dns = await this.azure.dns();
    const zone = await this.azure.call(`create DNS zone ${name}`, () =>
      dns.zones.createOrUpdate(
        DNS_RESOURCE_GROUP,
        name,
        { location: 'global', tags: req.comment ? { [COMMENT_TAG]: req.comment } : {} },
        { ifNoneMatch: '*' },
      ),
    );
    return { zone: toProviderZone(zone), change: this.applied() };
  }

  private async recordSets(z: ZoneName, verb: string) {
    const dns = await this.azure.dns();
    return this.azure.call(`${verb} DNS zone ${z.resourceGroup}/${z.zone}`, () =>
      collect(dns.recordSets.listAllByDnsZone(z.resourceGroup, z.zone)),
    );
  }

  /** Every record set across pages (nextLink followed), the apex SOA and NS included. */
  async listRecords(zoneId: string): Promise<ProviderRecord[]> {
    const z = this.zoneName(zoneId);
    return (await this.recordSets(z, 'list records of')).map((s) => toProviderRecord(s, z.zone));
  }

  /**
   * Azure deletes a zone with all its records; Nimbo's contract is to refuse a zone holding more than
   * its apex SOA and NS unless forced, so the records are read first (which also finds an unknown zone:
   * Azure answers the DELETE of an absent zone with 204).
   */
  async deleteZone(zoneId: string, options: { force?: boolean } = {}): Promise<ChangeStatus> {
    const z = this.zoneName(zoneId);
    const records = (await this.recordSets(z, 'delete')).map((s) => toProviderRecord(s, z.zone));
    const others = records.filter((r) => !isZoneOwnRecord(r, `${z.zone}.`));
    if (others.length > 0 && !options.force) {
      throw new ProviderConflictError(
        `Azure delete DNS zone ${z.zone}: it holds ${others.length} record set(s) besides its SOA and NS; delete them first or force`,
      );
    }
    const dns = await this.azure.dns();
    await this.azure.call(`delete DNS zone ${z.resourceGroup}/${z.zone}`, () =>
      dns.zones.beginDeleteAndWait(z.resourceGroup, z.zone, this.setup.poll),
    );
    return this.applied();
  }

  /**
   * In order: CREATE with If-None-Match '*' (an existing set is a 412, a conflict), UPSERT as a plain
   * PUT, DELETE after reading the set (Azure answers the DELETE of an absent set with 204) and with its
   * etag, so a set changed in between is a conflict rather than deleted unseen.
   */
  async changeRecords(zoneId: string, changes: RecordChange[]): Promise<ChangeStatus> {
    const z = this.zoneName(zoneId);
    const dns = await this.azure.dns();
    for (const { action, record } of changes) {
      const relative = relativeName(record.name, z.zone);
      const context = `${action} ${record.type} ${record.name} in DNS zone ${z.zone}`;
      if (relative === undefined) {
        throw new ProviderRejectedError(`Azure ${context}: the name is not in the zone`);
      }
      if (action === 'DELETE') {
        const found = await this.azure.call(context, () =>
          dns.recordSets.get(z.resourceGroup, z.zone, relative, record.type),
        );
        await this.azure.call(context, () =>
          dns.recordSets.delete(z.resourceGroup, z.zone, relative, record.type, {
            ...(found.etag ? { ifMatch: found.etag } : {}),
          }),
        );
        continue;
      }
      await this.azure.call(context, () =>
        dns.recordSets.createOrUpdate(
          z.resourceGroup,
          z.zone,
          relative,
          record.type,
          toAzureRecordSet(record),
          action === 'CREATE' ? { ifNoneMatch: '*' } : {},
        ),
      );
    }
    return this.applied();
  }

  /** Every change this driver reports is INSYNC already; an id of another shape was never ours. */
  async getChange(changeId: string): Promise<ChangeStatus> {
    const submittedAt = changeTime(CHANGE_PREFIX, changeId);
    if (!submittedAt) throw new ProviderNotFoundError(`Azure: ${changeId} is not a change id of Azure DNS`);
    return { id: changeId, status: 'INSYNC', submittedAt };
  }
}
