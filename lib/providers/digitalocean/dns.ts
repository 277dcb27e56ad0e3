/**
 * The DigitalOcean DNS driver: the account's domains as public zones (externalId: the domain's name),
 * their records grouped into record sets. DigitalOcean applies each record call at once and has no
 * change batches: a batch is checked whole first (dns-plan.ts), then written one record at a time, and
 * reported INSYNC with an id that only carries its time. A call that fails half way leaves the calls
 * before it applied; its error names the one that failed. Private zones do not exist on DigitalOcean.
 */

import { z } from 'zod';
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
import {
  type DigitalOceanCloudConfig,
  type DigitalOceanDriverDeps,
  type DigitalOceanSetup,
  digitalOceanSetup,
  listAll,
  SERVICE,
} from './client.js';
import { bareDomain, toRecordSets, toZone } from './dns-mapping.js';
import { planChanges } from './dns-plan.js';
import { Domain, DomainRecord, NoContent } from './schemas.js';

/** This driver's change ids: "digitalocean-" and a UUIDv7 carrying the time (lib/providers/dns.ts). */
const CHANGE_PREFIX = 'digitalocean';

export class DigitalOceanDnsDriver implements DnsDriver {
  private readonly setup: DigitalOceanSetup;

  constructor(config: DigitalOceanCloudConfig, deps: DigitalOceanDriverDeps = {}) {
    this.setup = digitalOceanSetup(config, deps);
  }

  /** Applied already: nothing to wait for. */
  private applied(): ChangeStatus {
    const submittedAt = this.setup.now();
    return { id: newChangeId(CHANGE_PREFIX, submittedAt), status: 'INSYNC', submittedAt };
  }

  private recordsPath(zoneId: string): string {
    const domain = bareDomain(zoneId);
    if (!domain) throw new ProviderNotFoundError(`${SERVICE}: "${zoneId}" is not a domain name`);
    return `/domains/${encodeURIComponent(domain)}/records`;
  }

  async listZones(): Promise<ProviderZone[]> {
    const domains = await listAll(this.setup.rest, '/domains', 'domains', Domain, 'list domains');
    return domains.map(toZone);
  }

  async createZone(req: CreateZoneRequest): Promise<{ zone: ProviderZone; change: ChangeStatus }> {
    const name = bareDomain(req.name);
    if (req.private) {
      throw new ProviderRejectedError(
        `${SERVICE} cannot create private zone ${name}: its domains are public DNS only; create a public zone`,
      );
    }
    const answer = await this.setup.rest.post({
      path: '/domains',
      body: { name },
      schema: z.looseObject({ domain: Domain }),
      context: `create domain ${name}`,
    });
    return { zone: toZone(answer.domain), change: this.applied() };
  }

  private rawRecords(zoneId: string, verb: string) {
    return listAll(
      this.setup.rest,
      this.recordsPath(zoneId),
      'domain_records',
      DomainRecord,
      `${verb} domain ${bareDomain(zoneId)}`,
    );
  }

  async listRecords(zoneId: string): Promise<ProviderRecord[]> {
    return toRecordSets(await this.rawRecords(zoneId, 'list records of'), bareDomain(zoneId));
  }

  /** DigitalOcean deletes a domain with its records: Nimbo refuses unless forced while others are there. */
  async deleteZone(zoneId: string, options: { force?: boolean } = {}): Promise<ChangeStatus> {
    const domain = bareDomain(zoneId);
    const sets = toRecordSets(await this.rawRecords(zoneId, 'delete'), domain);
    const others = sets.filter((r) => !isZoneOwnRecord(r, `${domain}.`));
    if (others.length > 0 && !options.force) {
      throw new ProviderConflictError(
        `${SERVICE} delete domain ${domain}: it holds ${others.length} record set(s) besides its SOA and NS; delete them first or force`,
      );
    }
    await this.setup.rest.delete({
      path: `/domains/${encodeURIComponent(domain)}`,
      schema: NoContent,
      context: `delete domain ${domain}`,
    });
    return this.applied();
  }

  async changeRecords(zoneId: string, changes: RecordChange[]): Promise<ChangeStatus> {
    const domain = bareDomain(zoneId);
    const path = this.recordsPath(zoneId);
    const calls = planChanges(domain, await this.rawRecords(zoneId, 'change records of'), changes);
    const rest = this.setup.rest;
    for (const call of calls) {
      if (call.op === 'create') {
        await rest.post({
          path,
          body: call.body,
          schema: z.looseObject({ domain_record: DomainRecord }),
          context: `create ${call.body.type} record ${call.body.name} in domain ${domain}`,
        });
      } else if (call.op === 'update') {
        await rest.put({
          path: `${path}/${call.id}`,
          body: call.body,
          schema: z.looseObject({ domain_record: DomainRecord }),
          context: `update ${call.body.type} record ${call.body.name} (${call.id}) in domain ${domain}`,
        });
      } else {
        await rest.delete({
          path: `${path}/${call.id}`,
          schema: NoContent,
          context: `delete record ${call.id} in domain ${domain}`,
        });
      }
    }
    return this.applied();
  }

  /** Every change this driver reports is INSYNC already; an id of another shape was never ours. */
  async getChange(changeId: string): Promise<ChangeStatus> {
    const submittedAt = changeTime(CHANGE_PREFIX, changeId);
    if (!submittedAt)
      throw new ProviderNotFoundError(`${SERVICE}: ${changeId} is not a change id of DigitalOcean DNS`);
    return { id: changeId, status: 'INSYNC', submittedAt };
  }
}
