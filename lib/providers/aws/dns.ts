/**
 * The AWS dns driver: Route 53 hosted zones and record sets. Route 53 is global, so one client serves the
 * cloud whatever its regions. Every call is wrapped like the EC2 ones: throttling (and Route 53's
 * PriorRequestNotComplete) retried with backoff, failures mapped to provider errors with AWS's reason.
 */
import { randomUUID } from 'node:crypto';
import {
  ChangeResourceRecordSetsCommand,
  CreateHostedZoneCommand,
  DeleteHostedZoneCommand,
  GetChangeCommand,
  GetHostedZoneCommand,
  ListHostedZonesCommand,
  ListResourceRecordSetsCommand,
  type ResourceRecordSet,
  Route53Client,
  type RRType,
} from '@aws-sdk/client-route-53';
import { ProviderError } from '../../core/errors.js';
import { fqdn } from '../../net/dns-name.js';
import type {
  ChangeStatus,
  CreateZoneRequest,
  DnsDriver,
  ProviderRecord,
  ProviderZone,
  RecordChange,
} from '../dns.js';
import { isZoneOwnRecord } from '../dns.js';
import { allPages, SDK_MAX_ATTEMPTS } from './client.js';
import { type AwsContextDeps, awsContext } from './context.js';
import type { AwsCredentials } from './credentials.js';
import {
  bareId,
  toChangeStatus,
  toProviderRecord,
  toProviderZone,
  toRoute53Change,
  toRoute53Vpc,
  unescapeName,
} from './dns-mapping.js';
import { callWithBackoff } from './retry.js';

/** Route 53 takes at most 1,000 changes per ChangeResourceRecordSets. */
export const MAX_CHANGES_PER_BATCH = 1000;

export interface Route53DriverDeps extends AwsContextDeps {
  client?: Route53Client;
}

export class AwsDnsDriver implements DnsDriver {
  private readonly client: Route53Client;
  private readonly context: ReturnType<typeof awsContext>;

  constructor(
    config: { cloudId: string; credentials: AwsCredentials; endpoint?: string },
    deps: Route53DriverDeps = {},
  ) {
    // Route 53's endpoint lives in us-east-1 (and STS answers there too).
    this.context = awsContext({ ...config, region: 'us-east-1' }, deps);
    this.client =
      deps.client ??
      new Route53Client({
        region: 'us-east-1',
        maxAttempts: SDK_MAX_ATTEMPTS,
        requestHandler: { connectionTimeout: 5_000, requestTimeout: 30_000, throwOnRequestTimeout: true },
        ...(this.context.credentials ? { credentials: this.context.credentials } : {}),
        ...(config.endpoint ? { endpoint: config.endpoint } : {}),
      });
  }

  private call<T>(operation: string, fn: (r53: Route53Client) => Promise<T>, subject?: string): Promise<T> {
    const context = `Route 53 ${operation}${subject ? ` ${subject}` : ''}`;
    return callWithBackoff(context, () => fn(this.client), this.context.backoff, {
      secrets: this.context.secrets,
    });
  }

  async listZones(): Promise<ProviderZone[]> {
    const zones = await allPages((marker) =>
      this.call('ListHostedZones', async (r53) => {
        const out = await r53.send(new ListHostedZonesCommand({ MaxItems: 100, Marker: marker }));
        return { items: out.HostedZones, next: out.IsTruncated ? out.NextMarker : undefined };
      }),
    );
    // ListHostedZones does not say which VPCs a private zone answers in: only GetHostedZone does.
    return Promise.all(
      zones.map(async (z) => {
        if (!z.Config?.PrivateZone) return toProviderZone(z);
        const id = bareId(z.Id);
        const out = await this.call(
          'GetHostedZone',
          (r53) => r53.send(new GetHostedZoneCommand({ Id: id })),
          id,
        );
        return toProviderZone(z, out.VPCs ?? []);
      }),
    );
  }

  async createZone(req: CreateZoneRequest): Promise<{ zone: ProviderZone; change: ChangeStatus }> {
    // One reference for every try: a retried CreateHostedZone that did go through is not made twice.
    const callerReference = `nimbo-${randomUUID()}`;
    const out = await this.call(
      'CreateHostedZone',
      (r53) =>
        r53.send(
          new CreateHostedZoneCommand({
            Name: fqdn(req.name),
            CallerReference: callerReference,
            HostedZoneConfig: { PrivateZone: req.private, ...(req.comment ? { Comment: req.comment } : {}) },
            ...(req.vpc ? { VPC: toRoute53Vpc(req.vpc) } : {}),
          }),
        ),
      fqdn(req.name),
    );
    if (!out.HostedZone) throw new ProviderError('Route 53 CreateHostedZone: AWS returned no hosted zone');
    return {
      zone: toProviderZone(out.HostedZone, out.VPC ? [out.VPC] : []),
      change: toChangeStatus(out.ChangeInfo, 'CreateHostedZone'),
    };
  }

  private async rawRecords(zoneId: string): Promise<ResourceRecordSet[]> {
    return allPages((token) =>
      this.call(
        'ListResourceRecordSets',
        async (r53) => {
          const start = token ? (JSON.parse(token) as { n: string; t: RRType; i?: string }) : undefined;
          const out = await r53.send(
            new ListResourceRecordSetsCommand({
              HostedZoneId: zoneId,
              MaxItems: 300,
              ...(start
                ? {
                    StartRecordName: start.n,
                    StartRecordType: start.t,
                    ...(start.i ? { StartRecordIdentifier: start.i } : {}),
                  }
                : {}),
            }),
          );
          const next =
            out.IsTruncated && out.NextRecordName
              ? JSON.stringify({
                  n: out.NextRecordName,
                  t: out.NextRecordType,
                  ...(out.NextRecordIdentifier ? { i: out.NextRecordIdentifier } : {}),
                })
              : undefined;
          return { items: out.ResourceRecordSets, next };
        },
        zoneId,
      ),
    );
  }

  async listRecords(zoneId: string): Promise<ProviderRecord[]> {
    return (await this.rawRecords(zoneId)).map(toProviderRecord);
  }

  async changeRecords(zoneId: string, changes: RecordChange[], comment?: string): Promise<ChangeStatus> {
    const out = await this.call(
      'ChangeResourceRecordSets',
      (r53) =>
        r53.send(
          new ChangeResourceRecordSetsCommand({
            HostedZoneId: zoneId,
            ChangeBatch: { ...(comment ? { Comment: comment } : {}), Changes: changes.map(toRoute53Change) },
          }),
        ),
      zoneId,
    );
    return toChangeStatus(out.ChangeInfo, 'ChangeResourceRecordSets');
  }

  async deleteZone(zoneId: string, options: { force?: boolean } = {}): Promise<ChangeStatus> {
    if (options.force) {
      const zone = await this.call(
        'GetHostedZone',
        (r53) => r53.send(new GetHostedZoneCommand({ Id: zoneId })),
        zoneId,
      );
      const zoneName = fqdn(unescapeName(zone.HostedZone?.Name ?? ''));
      // Deleted as listed (alias targets, routing policies and all): Route 53 wants the exact record set.
      const doomed = (await this.rawRecords(zoneId)).filter(
        (s) => !isZoneOwnRecord(toProviderRecord(s), zoneName),
      );
      for (let i = 0; i < doomed.length; i += MAX_CHANGES_PER_BATCH) {
        const batch = doomed.slice(i, i + MAX_CHANGES_PER_BATCH);
        await this.call(
          'ChangeResourceRecordSets',
          (r53) =>
            r53.send(
              new ChangeResourceRecordSetsCommand({
                HostedZoneId: zoneId,
                ChangeBatch: {
                  Comment: 'Nimbo: forced zone deletion',
                  Changes: batch.map((ResourceRecordSet) => ({ Action: 'DELETE', ResourceRecordSet })),
                },
              }),
            ),
          zoneId,
        );
      }
    }
    const out = await this.call(
      'DeleteHostedZone',
      (r53) => r53.send(new DeleteHostedZoneCommand({ Id: zoneId })),
      zoneId,
    );
    return toChangeStatus(out.ChangeInfo, 'DeleteHostedZone');
  }

  async getChange(changeId: string): Promise<ChangeStatus> {
    const out = await this.call(
      'GetChange',
      (r53) => r53.send(new GetChangeCommand({ Id: changeId })),
      changeId,
    );
    return toChangeStatus(out.ChangeInfo, 'GetChange');
  }
}
