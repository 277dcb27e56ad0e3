/**
 * Record sets in the fake Route 53, per the Route 53 API reference: ListResourceRecordSets in Route 53's
 * order, paged with StartRecordName/Type/Identifier and NextRecordName/Type/Identifier;
 * ChangeResourceRecordSets applied as one atomic batch or refused whole with InvalidChangeBatch naming
 * each bad change (CREATE of an existing set, DELETE of an absent one or with other values, a name
 * outside the zone, a value not in Route 53's text form, a CNAME beside other types, the apex SOA/NS).
 */
import { isIPv4, isIPv6 } from 'node:net';
import {
  type Change,
  ChangeResourceRecordSetsCommand,
  type ChangeResourceRecordSetsCommandInput,
  type ChangeResourceRecordSetsCommandOutput,
  ListResourceRecordSetsCommand,
  type ListResourceRecordSetsCommandInput,
  type ListResourceRecordSetsCommandOutput,
  type ResourceRecordSet,
} from '@aws-sdk/client-route-53';
import {
  canonicalName,
  changeInfo,
  escapeName,
  type FakeZone,
  invalidChangeBatch,
  r53Error,
  recordOrder,
} from './route53-state.js';
import type { Route53Handler, Route53Table } from './route53-zones.js';

const sameSet = (a: ResourceRecordSet, b: ResourceRecordSet) =>
  a.Name === b.Name && a.Type === b.Type && (a.SetIdentifier ?? '') === (b.SetIdentifier ?? '');

const describe = (s: ResourceRecordSet) => `resource record set [name='${s.Name}', type='${s.Type}']`;

/** Route 53's check of one value in its text form; the reason as Route 53 words it, or undefined. */
function valueProblem(type: string | undefined, value: string): string | undefined {
  const fatal = (what: string) =>
    `Invalid Resource Record: 'FATAL problem: ${what} encountered with '${value}''`;
  switch (type) {
    case 'A':
      return isIPv4(value)
        ? undefined
        : fatal('ARRDATAIllegalIPv4Address (Value is not a valid IPv4 address)');
    case 'AAAA':
      return isIPv6(value)
        ? undefined
        : fatal('AAAARRDATAIllegalIPv6Address (Value is not a valid IPv6 address)');
    case 'MX': {
      const m = /^(\d{1,5}) (\S+)$/.exec(value);
      return m && Number(m[1]) <= 65535 ? undefined : fatal('MXRRDATANotTwoFields (Value contains spaces)');
    }
    case 'TXT':
    case 'SPF':
      return /^("([^"\\]|\\.){0,255}"\s*)+$/.test(value)
        ? undefined
        : fatal('InvalidCharacterString (Value should be enclosed in quotation marks)');
    case 'CNAME':
      return /\s/.test(value) || value === '' ? fatal('DomainLabelEmpty (Domain label is empty)') : undefined;
    default:
      return undefined;
  }
}

/** Applies one change to the zone's sets, or answers why Route 53 refuses it. */
function apply(zone: FakeZone, sets: ResourceRecordSet[], change: Change): string | undefined {
  const given = change.ResourceRecordSet;
  if (!given?.Name || !given.Type) return 'Invalid request: a change needs a name and a type';
  const set: ResourceRecordSet = { ...given, Name: escapeName(canonicalName(given.Name)) };
  const name = set.Name!;
  if (name !== zone.name && !name.endsWith(`.${zone.name}`)) {
    return `RRSet with DNS name ${name} is not permitted in zone ${zone.name}`;
  }
  const at = sets.findIndex((s) => sameSet(s, set));
  if (change.Action === 'DELETE') {
    if (at < 0) return `Tried to delete ${describe(set)} but it was not found`;
    if (name === zone.name && (set.Type === 'SOA' || set.Type === 'NS')) {
      return `A HostedZone must contain at least one ${set.Type} record for the zone itself.`;
    }
    const current = sets[at]!;
    const values = (s: ResourceRecordSet) => JSON.stringify((s.ResourceRecords ?? []).map((r) => r.Value));
    if (current.TTL !== set.TTL || values(current) !== values(set)) {
      return `Tried to delete ${describe(set)} but the values provided do not match the current values`;
    }
    sets.splice(at, 1);
    return undefined;
  }
  if (change.Action === 'CREATE' && at >= 0) return `Tried to create ${describe(set)} but it already exists`;
  if (!set.AliasTarget && set.TTL === undefined)
    return 'Invalid request: Expected exactly one of [AliasTarget, TTL]';
  const values = (set.ResourceRecords ?? []).map((r) => r.Value ?? '');
  if (!set.AliasTarget && values.length === 0) return 'Invalid request: Expected at least one ResourceRecord';
  for (const v of values) {
    const problem = valueProblem(set.Type, v);
    if (problem) return problem;
  }
  if (set.Type === 'CNAME' && values.length > 1) {
    return `RRSet of type CNAME with DNS name ${name} is not permitted as it has more than one value`;
  }
  if (set.Type === 'CNAME' && name === zone.name) {
    return `RRSet of type CNAME with DNS name ${name} is not permitted at apex in zone ${zone.name}`;
  }
  const others = sets.filter((s) => s.Name === name && s.Type !== set.Type);
  if (others.length && (set.Type === 'CNAME' || others.some((s) => s.Type === 'CNAME'))) {
    return `RRSet of type ${set.Type} with DNS name ${name} is not permitted because a conflicting RRSet of type ${others[0]!.Type} with the same DNS name already exists in zone ${zone.name}`;
  }
  if (at >= 0) sets[at] = set;
  else sets.push(set);
  return undefined;
}

export const changeResourceRecordSets: Route53Handler<
  ChangeResourceRecordSetsCommandInput,
  ChangeResourceRecordSetsCommandOutput
> = (input, state) => {
  const zone = state.zone(input.HostedZoneId);
  const changes = input.ChangeBatch?.Changes ?? [];
  if (changes.length === 0 || changes.length > 1000) {
    throw r53Error('InvalidInput', 'A change batch holds 1 to 1000 changes');
  }
  // All or nothing: the batch is tried on a copy and lands only when every change is accepted.
  const sets = zone.records.map((s) => ({ ...s }));
  const problems = changes.flatMap((c) => apply(zone, sets, c) ?? []);
  if (problems.length) throw invalidChangeBatch(problems);
  zone.records = sets.sort(recordOrder);
  return { ChangeInfo: changeInfo(state.change(input.ChangeBatch?.Comment)) };
};

export const listResourceRecordSets: Route53Handler<
  ListResourceRecordSetsCommandInput,
  ListResourceRecordSetsCommandOutput
> = (input, state) => {
  const zone = state.zone(input.HostedZoneId);
  // Route 53 answers at most 300 record sets a page, whatever MaxItems asks.
  const max = Math.min(input.MaxItems ?? 300, 300);
  if (max < 1) throw r53Error('InvalidInput', 'MaxItems must be a positive number');
  if (input.StartRecordType && !input.StartRecordName) {
    throw r53Error('InvalidInput', 'The input for StartRecordType requires a value for StartRecordName');
  }
  const sets = zone.records;
  let start = 0;
  if (input.StartRecordName) {
    const from = {
      Name: escapeName(canonicalName(input.StartRecordName)),
      ...(input.StartRecordType ? { Type: input.StartRecordType } : {}),
    };
    start = sets.findIndex((s) => {
      const order = recordOrder(s, from.Type ? from : { ...from, Type: '' });
      return order > 0 || (order === 0 && (s.SetIdentifier ?? '') >= (input.StartRecordIdentifier ?? ''));
    });
    if (start < 0) start = sets.length;
  }
  const size = Math.min(max, state.pageSize);
  const page = sets.slice(start, start + size);
  const next = sets[start + size];
  return {
    ResourceRecordSets: page.map((s) => structuredClone(s)),
    IsTruncated: next !== undefined,
    ...(next
      ? {
          NextRecordName: next.Name,
          NextRecordType: next.Type,
          ...(next.SetIdentifier ? { NextRecordIdentifier: next.SetIdentifier } : {}),
        }
      : {}),
    MaxItems: max,
  };
};

export const RECORD_COMMANDS: Route53Table = [
  [ChangeResourceRecordSetsCommand, changeResourceRecordSets],
  [ListResourceRecordSetsCommand, listResourceRecordSets],
];
