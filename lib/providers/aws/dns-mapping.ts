/** Route 53's shapes <-> the provider-neutral shapes of dns.ts. Pure functions: no AWS call here. */
import type {
  Change,
  ChangeInfo,
  HostedZone,
  ResourceRecordSet,
  RRType,
  VPC,
  VPCRegion,
} from '@aws-sdk/client-route-53';
import { ProviderError } from '../../core/errors.js';
import { fqdn } from '../../net/dns-name.js';
import type { ChangeStatus, ProviderRecord, ProviderZone, RecordChange } from '../dns.js';

/** Route 53 answers ids as /hostedzone/Z123 and /change/C123; Nimbo stores and shows the bare id. */
export function bareId(id: string | undefined): string {
  return (id ?? '').replace(/^\/(hostedzone|change|delegationset)\//, '');
}

/** Route 53 escapes some characters in names as octal (\052 for the wildcard "*"). */
export function unescapeName(name: string): string {
  return name.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(Number.parseInt(octal, 8)));
}

export function toProviderZone(zone: HostedZone, vpcs: VPC[] = []): ProviderZone {
  return {
    externalId: bareId(zone.Id),
    name: fqdn(unescapeName(zone.Name ?? '')),
    private: zone.Config?.PrivateZone === true,
    comment: zone.Config?.Comment || null,
    recordCount: zone.ResourceRecordSetCount ?? null,
    vpcs: vpcs
      .filter((v) => v.VPCId && v.VPCRegion)
      .map((v) => ({ region: v.VPCRegion as string, vpcId: v.VPCId as string })),
  };
}

export function toProviderRecord(set: ResourceRecordSet): ProviderRecord {
  return {
    name: fqdn(unescapeName(set.Name ?? '')),
    type: set.Type ?? 'UNKNOWN',
    ttl: set.TTL ?? null,
    values: (set.ResourceRecords ?? []).map((r) => r.Value ?? ''),
    alias: set.AliasTarget
      ? { dnsName: set.AliasTarget.DNSName ?? '', zoneId: set.AliasTarget.HostedZoneId ?? '' }
      : null,
    setIdentifier: set.SetIdentifier ?? null,
  };
}

export function toChangeStatus(info: ChangeInfo | undefined, operation: string): ChangeStatus {
  if (!info?.Id) throw new ProviderError(`Route 53 ${operation}: AWS returned no change`);
  return {
    id: bareId(info.Id),
    status: info.Status === 'INSYNC' ? 'INSYNC' : 'PENDING',
    submittedAt: info.SubmittedAt ?? new Date(0),
  };
}

export function toRoute53Change(change: RecordChange): Change {
  const r = change.record;
  return {
    Action: change.action,
    ResourceRecordSet: {
      Name: r.name,
      Type: r.type as RRType,
      TTL: r.ttl,
      ResourceRecords: r.values.map((Value) => ({ Value })),
    },
  };
}

export function toRoute53Vpc(vpc: { region: string; vpcId: string }): VPC {
  return { VPCRegion: vpc.region as VPCRegion, VPCId: vpc.vpcId };
}
