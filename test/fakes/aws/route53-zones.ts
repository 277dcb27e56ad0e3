/**
 * Hosted zones in the fake Route 53, per the Route 53 API reference: CreateHostedZone (idempotent per
 * CallerReference: a reused reference is HostedZoneAlreadyExists; a private zone needs its VPC), the
 * apex SOA and NS made with the zone, ListHostedZones paged with Marker/NextMarker, GetHostedZone with
 * the VPCs of a private zone, DeleteHostedZone refused (HostedZoneNotEmpty) while records other than the
 * apex SOA and NS remain, GetChange.
 */
import {
  CreateHostedZoneCommand,
  type CreateHostedZoneCommandInput,
  type CreateHostedZoneCommandOutput,
  DeleteHostedZoneCommand,
  type DeleteHostedZoneCommandInput,
  type DeleteHostedZoneCommandOutput,
  GetChangeCommand,
  type GetChangeCommandInput,
  type GetChangeCommandOutput,
  GetHostedZoneCommand,
  type GetHostedZoneCommandInput,
  type GetHostedZoneCommandOutput,
  type HostedZone,
  ListHostedZonesCommand,
  type ListHostedZonesCommandInput,
  type ListHostedZonesCommandOutput,
} from '@aws-sdk/client-route-53';
import { canonicalName, changeInfo, type FakeZone, type Route53State, r53Error } from './route53-state.js';

export type Route53Handler<I, O> = (input: I, state: Route53State) => Omit<O, '$metadata'>;

export type Route53Table = Array<[new (input: any) => any, Route53Handler<any, any>]>;

function toHostedZone(z: FakeZone): HostedZone {
  return {
    Id: `/hostedzone/${z.id}`,
    Name: z.name,
    CallerReference: z.callerReference,
    Config: { PrivateZone: z.private, ...(z.comment ? { Comment: z.comment } : {}) },
    ResourceRecordSetCount: z.records.length,
  };
}

const LABEL = /^(\*|[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)$/;

export const createHostedZone: Route53Handler<CreateHostedZoneCommandInput, CreateHostedZoneCommandOutput> = (
  input,
  state,
) => {
  const name = canonicalName(input.Name ?? '');
  const labels = name.slice(0, -1).split('.');
  if (name.length > 255 || labels.length < 2 || !labels.every((l) => LABEL.test(l))) {
    throw r53Error('InvalidDomainName', `${input.Name} is reserved by AWS or is not a valid domain name`);
  }
  if (!input.CallerReference) throw r53Error('InvalidInput', 'CallerReference is required');
  if ([...state.zones.values()].some((z) => z.callerReference === input.CallerReference)) {
    throw r53Error(
      'HostedZoneAlreadyExists',
      `A hosted zone has already been created with the specified caller reference: ${input.CallerReference}`,
      409,
    );
  }
  const isPrivate = input.HostedZoneConfig?.PrivateZone === true || input.VPC !== undefined;
  if (isPrivate) {
    const vpc = input.VPC;
    if (!vpc?.VPCId || !vpc.VPCRegion) {
      throw r53Error('InvalidInput', 'When you create a private hosted zone, you must specify a VPC.');
    }
    if (!state.vpcExists(vpc.VPCRegion, vpc.VPCId)) {
      throw r53Error('InvalidVPCId', `The VPC ${vpc.VPCId} in ${vpc.VPCRegion} does not exist.`);
    }
  }
  const id = state.id('Z');
  const n = Number.parseInt(id.slice(-3), 36);
  const nameServers = isPrivate
    ? ['ns-0.awsdns-00.com.', 'ns-512.awsdns-00.net.', 'ns-1024.awsdns-00.org.', 'ns-1536.awsdns-00.co.uk.']
    : [
        `ns-${n % 512}.awsdns-${n % 64}.com.`,
        `ns-${512 + (n % 512)}.awsdns-${n % 64}.net.`,
        `ns-${1024 + (n % 512)}.awsdns-${n % 64}.org.`,
        `ns-${1536 + (n % 512)}.awsdns-${n % 64}.co.uk.`,
      ];
  const zone: FakeZone = {
    id,
    name,
    callerReference: input.CallerReference,
    private: isPrivate,
    ...(input.HostedZoneConfig?.Comment ? { comment: input.HostedZoneConfig.Comment } : {}),
    vpcs: isPrivate ? [{ VPCRegion: input.VPC!.VPCRegion!, VPCId: input.VPC!.VPCId! }] : [],
    nameServers,
    records: [
      { Name: name, Type: 'NS', TTL: 172800, ResourceRecords: nameServers.map((Value) => ({ Value })) },
      {
        Name: name,
        Type: 'SOA',
        TTL: 900,
        ResourceRecords: [
          { Value: `${nameServers[0]} awsdns-hostmaster.amazon.com. 1 7200 900 1209600 86400` },
        ],
      },
    ],
  };
  state.zones.set(id, zone);
  return {
    Location: `https://route53.amazonaws.com/2013-04-01/hostedzone/${id}`,
    HostedZone: toHostedZone(zone),
    ChangeInfo: changeInfo(state.change()),
    ...(isPrivate ? { VPC: zone.vpcs[0] as CreateHostedZoneCommandOutput['VPC'] } : {}),
    DelegationSet: isPrivate ? undefined : { NameServers: nameServers },
  };
};

export const getHostedZone: Route53Handler<GetHostedZoneCommandInput, GetHostedZoneCommandOutput> = (
  input,
  state,
) => {
  const zone = state.zone(input.Id);
  return {
    HostedZone: toHostedZone(zone),
    ...(zone.private
      ? { VPCs: zone.vpcs as GetHostedZoneCommandOutput['VPCs'] }
      : { DelegationSet: { NameServers: zone.nameServers } }),
  };
};

export const listHostedZones: Route53Handler<ListHostedZonesCommandInput, ListHostedZonesCommandOutput> = (
  input,
  state,
) => {
  // Route 53 answers at most 100 zones a page, whatever MaxItems asks.
  const max = Math.min(input.MaxItems ?? 100, 100);
  if (max < 1) throw r53Error('InvalidInput', 'MaxItems must be a positive number');
  // In the order of their ids; the Marker is the id of the first zone of the page.
  const zones = [...state.zones.values()].sort((a, b) => a.id.localeCompare(b.id));
  let start = 0;
  if (input.Marker) {
    start = zones.findIndex((z) => z.id === input.Marker);
    if (start < 0)
      throw r53Error('InvalidInput', `The marker ${input.Marker} is not a hosted zone of the account`);
  }
  const size = Math.min(max, state.pageSize);
  const page = zones.slice(start, start + size);
  const next = zones[start + size];
  return {
    HostedZones: page.map(toHostedZone),
    Marker: input.Marker ?? '',
    IsTruncated: next !== undefined,
    ...(next ? { NextMarker: next.id } : {}),
    MaxItems: max,
  };
};

export const deleteHostedZone: Route53Handler<DeleteHostedZoneCommandInput, DeleteHostedZoneCommandOutput> = (
  input,
  state,
) => {
  const zone = state.zone(input.Id);
  const own = (r: { Name?: string; Type?: string }) =>
    r.Name === zone.name && (r.Type === 'SOA' || r.Type === 'NS');
  if (!zone.records.every(own)) {
    throw r53Error(
      'HostedZoneNotEmpty',
      'The specified hosted zone contains non-required resource record sets and so cannot be deleted.',
    );
  }
  state.zones.delete(zone.id);
  return { ChangeInfo: changeInfo(state.change()) };
};

export const getChange: Route53Handler<GetChangeCommandInput, GetChangeCommandOutput> = (input, state) => {
  const id = (input.Id ?? '').replace(/^\/change\//, '');
  const change = state.changes.get(id);
  if (!change)
    throw r53Error('NoSuchChange', `A change with the specified change ID does not exist: ${id}`, 404);
  return { ChangeInfo: changeInfo(change) };
};

export const ZONE_COMMANDS: Route53Table = [
  [CreateHostedZoneCommand, createHostedZone],
  [GetHostedZoneCommand, getHostedZone],
  [ListHostedZonesCommand, listHostedZones],
  [DeleteHostedZoneCommand, deleteHostedZone],
  [GetChangeCommand, getChange],
];
