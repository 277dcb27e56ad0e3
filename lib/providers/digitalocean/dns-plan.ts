/**
 * A change batch turned into DigitalOcean's one-record calls, checked whole against the records as
 * they are before anything is written: DigitalOcean has no batches, so a batch Route 53 would refuse
 * (a CREATE of a set that exists, a DELETE of one that does not or with other values, a CNAME beside
 * other records) is refused here and writes nothing. Pure: the caller lists the records and runs the
 * calls.
 */
import type { RecordType } from '../../net/record-values.js';
import type { RecordChange } from '../dns.js';
import { ProviderConflictError, ProviderNotFoundError, ProviderRejectedError } from '../errors.js';
import { SERVICE } from './client.js';
import { absoluteName, recordBody, recordValue, relativeName } from './dns-mapping.js';
import type { DomainRecord } from './schemas.js';

export type RecordCall =
  | { op: 'create'; body: ReturnType<typeof recordBody>; cancelled?: boolean }
  | { op: 'update'; id: number; body: ReturnType<typeof recordBody> }
  | { op: 'delete'; id: number };

/** One value of a set: an existing record (id) or one the batch creates (its call). */
interface Entry {
  value: string;
  ttl: number | null;
  id?: number;
  create?: Extract<RecordCall, { op: 'create' }>;
}

const sameValues = (a: string[], b: string[]) =>
  a.length === b.length && [...a].sort().join('\n') === [...b].sort().join('\n');

export function planChanges(
  domain: string,
  current: readonly DomainRecord[],
  changes: RecordChange[],
): RecordCall[] {
  const sets = new Map<string, Entry[]>();
  for (const r of current) {
    const key = `${absoluteName(r.name, domain)}|${r.type}`;
    sets.set(key, [
      ...(sets.get(key) ?? []),
      { value: recordValue(r, domain), ttl: r.ttl ?? null, id: r.id },
    ]);
  }
  const calls: RecordCall[] = [];
  const remove = (entry: Entry) => {
    if (entry.id !== undefined) calls.push({ op: 'delete', id: entry.id });
    else if (entry.create) entry.create.cancelled = true;
  };
  const add = (type: RecordType, relative: string, value: string, ttl: number): Entry => {
    const create = { op: 'create' as const, body: recordBody(type, relative, value, ttl) };
    calls.push(create);
    return { value, ttl, create };
  };

  for (const { action, record } of changes) {
    const context = `${SERVICE} ${action} ${record.type} ${record.name} in domain ${domain}`;
    const relative = relativeName(record.name, domain);
    if (relative === undefined) throw new ProviderRejectedError(`${context}: the name is not in the domain`);
    const key = `${absoluteName(relative, domain)}|${record.type}`;
    const entries = sets.get(key) ?? [];
    if (action === 'CREATE') {
      if (entries.length > 0) {
        throw new ProviderConflictError(
          `${context}: the record set exists already (${entries.map((e) => e.value).join(', ')})`,
        );
      }
      sets.set(
        key,
        record.values.map((v) => add(record.type, relative, v, record.ttl)),
      );
    } else if (action === 'DELETE') {
      if (entries.length === 0) throw new ProviderNotFoundError(`${context}: there is no such record set`);
      const values = entries.map((e) => e.value);
      if (!sameValues(values, record.values)) {
        throw new ProviderConflictError(
          `${context}: its values are ${values.join(', ')}, not the ones given`,
        );
      }
      entries.forEach(remove);
      sets.delete(key);
    } else {
      const kept: Entry[] = [];
      for (const e of entries) {
        if (!record.values.includes(e.value) || kept.some((k) => k.value === e.value)) remove(e);
        else kept.push(e);
      }
      for (const e of kept) {
        if (e.ttl === record.ttl) continue;
        if (e.id !== undefined)
          calls.push({
            op: 'update',
            id: e.id,
            body: recordBody(record.type, relative, e.value, record.ttl),
          });
        else if (e.create) e.create.body = { ...e.create.body, ttl: record.ttl };
        e.ttl = record.ttl;
      }
      for (const v of record.values)
        if (!kept.some((k) => k.value === v)) kept.push(add(record.type, relative, v, record.ttl));
      sets.set(key, kept);
    }
  }
  refuseCnameBesideOthers(sets, domain);
  return calls.filter((c) => !(c.op === 'create' && c.cancelled));
}

/** A CNAME is the only record of its name (RFC 1034); DigitalOcean would refuse it half way through. */
function refuseCnameBesideOthers(sets: Map<string, Entry[]>, domain: string): void {
  const typesByName = new Map<string, string[]>();
  for (const [key, entries] of sets) {
    if (entries.length === 0) continue;
    const [name, type] = key.split('|') as [string, string];
    typesByName.set(name, [...(typesByName.get(name) ?? []), type]);
  }
  for (const [name, types] of typesByName) {
    if (types.includes('CNAME') && types.length > 1) {
      throw new ProviderRejectedError(
        `${SERVICE} domain ${domain}: ${name} would hold a CNAME beside ${types.filter((t) => t !== 'CNAME').join(', ')} records; a CNAME must be the only record of its name`,
      );
    }
  }
}
