/**
 * The snapshot paths of the fake Compute Engine: global/snapshots[/{name}] (list with a sourceDisk
 * filter, get, delete) and zones/{zone}/disks/{disk}/createSnapshot. Snapshots are global, they outlive
 * their disk; each change lands when its operation completes.
 */
import type { ServerResponse } from 'node:http';
import type { GcpComputeFake } from './compute-fake.js';

export interface FakeSnapshot {
  id: string;
  name: string;
  description: string;
  sourceDisk: string;
  status: string;
  creationTimestamp: string;
  labels: Record<string, string>;
}

export interface SnapshotRequest {
  url: URL;
  method: string;
  parts: string[];
  body: Record<string, unknown>;
}

/** Answers the request if its path is a snapshot one; false otherwise. */
export function snapshotRoute(fake: GcpComputeFake, res: ServerResponse, request: SnapshotRequest): boolean {
  const [a, b, c, d, e] = request.parts;
  if (a === 'global' && b === 'snapshots') snapshots(fake, res, request, c);
  else if (a === 'zones' && b && c === 'disks' && d && e === 'createSnapshot' && request.method === 'POST') {
    createSnapshot(fake, res, request.body, b, d);
  } else return false;
  return true;
}

function snapshots(fake: GcpComputeFake, res: ServerResponse, request: SnapshotRequest, name?: string) {
  const { url, method } = request;
  const snap = name ? fake.snapshots.get(name) : undefined;
  if (name && !snap) {
    return fake.error(res, 404, 'notFound', `The resource 'global/snapshots/${name}' was not found`);
  }
  if (name && method === 'DELETE') {
    const target = fake.url(`global/snapshots/${name}`);
    return fake.send(
      res,
      200,
      fake.operation('global', 'delete', target, () => fake.snapshots.delete(name)),
    );
  }
  if (snap) return fake.send(res, 200, { kind: 'compute#snapshot', ...snap });
  const filter = /sourceDisk\s*=\s*"?([^"]+)"?/.exec(url.searchParams.get('filter') ?? '')?.[1];
  const all = [...fake.snapshots.values()].filter((s) => !filter || s.sourceDisk === filter);
  return fake.page(res, url, all, (items) => ({ items }));
}

function createSnapshot(
  fake: GcpComputeFake,
  res: ServerResponse,
  body: Record<string, unknown>,
  zone: string,
  disk: string,
) {
  const owner = [...fake.instances.values()].find((i) => i.zone === zone && i.disk === disk);
  if (!owner) {
    return fake.error(res, 404, 'notFound', `The resource 'zones/${zone}/disks/${disk}' was not found`);
  }
  const name = String(body.name ?? '');
  if (fake.snapshots.has(name)) {
    return fake.error(res, 409, 'alreadyExists', `The resource '${name}' already exists`);
  }
  const snap: FakeSnapshot = {
    id: String(5000 + fake.nextSeq()),
    name,
    description: String(body.description ?? ''),
    sourceDisk: fake.url(`zones/${zone}/disks/${disk}`),
    status: 'READY',
    creationTimestamp: new Date().toISOString(),
    labels: (body.labels as Record<string, string>) ?? {},
  };
  const target = fake.url(`global/snapshots/${name}`);
  const op = fake.operation(`zones/${zone}`, 'createSnapshot', target, () => fake.snapshots.set(name, snap));
  return fake.send(res, 200, op);
}
