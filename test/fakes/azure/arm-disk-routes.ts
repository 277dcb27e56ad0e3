/**
 * The fake's disk-side routes: Microsoft.Compute snapshots (of a VM's OS disk) and managed disks made
 * from them, with the wire shapes of Azure's snapshot.json and disk.json.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ArmFake, FakeSnapshot } from './arm-fake.js';

export type Route = (req: IncomingMessage, res: ServerResponse) => void;

/** One resource provider's routes: the handler of a request, or undefined when the request is not theirs. */
export type RouteMatcher = (
  fake: ArmFake,
  method: string,
  path: string,
  query: URLSearchParams,
  body: Record<string, unknown>,
) => Route | undefined;

function snapshotJson(s: FakeSnapshot) {
  return {
    id: s.id,
    name: s.name,
    type: 'Microsoft.Compute/snapshots',
    location: s.location,
    tags: s.tags,
    properties: {
      creationData: { createOption: 'Copy', sourceResourceId: s.sourceResourceId },
      provisioningState: s.provisioning,
      timeCreated: s.created,
      incremental: true,
    },
  };
}

export function snapshotRoute(
  fake: ArmFake,
  method: string,
  group: string,
  name: string | undefined,
  body: Record<string, unknown>,
  notFound: (req: IncomingMessage, res: ServerResponse, type: string, group: string, name: string) => void,
): Route | undefined {
  if (!fake.resourceGroups.has(group.toLowerCase())) {
    return (req, res) =>
      fake.error(res, req, 404, 'ResourceGroupNotFound', `Resource group '${group}' could not be found.`);
  }
  if (!name) {
    if (method !== 'GET') return undefined;
    return (req, res) => {
      const inGroup = [...fake.snapshots.values()].filter(
        (s) => s.resourceGroup.toLowerCase() === group.toLowerCase(),
      );
      fake.send(res, req, 200, { value: inGroup.map(snapshotJson) });
    };
  }
  const id = `${fake.subscriptionPath}/resourceGroups/${group}/providers/Microsoft.Compute/snapshots/${name}`;
  const snap = fake.snapshots.get(id.toLowerCase());
  if (method === 'PUT') {
    return (req, res) => {
      const props = (body.properties ?? {}) as { creationData?: { sourceResourceId?: string } };
      const source = props.creationData?.sourceResourceId ?? '';
      if (![...fake.vms.values()].some((vm) => vm.osDiskId.toLowerCase() === source.toLowerCase())) {
        return fake.error(res, req, 404, 'ResourceNotFound', `The source disk '${source}' was not found.`);
      }
      const s: FakeSnapshot = {
        id,
        name,
        resourceGroup: group,
        location: String(body.location),
        tags: (body.tags as Record<string, string>) ?? {},
        sourceResourceId: source,
        provisioning: 'Creating',
        created: new Date().toISOString(),
      };
      fake.snapshots.set(id.toLowerCase(), s);
      fake.startOperation(
        res,
        req,
        s.location,
        {
          apply: () => {
            s.provisioning = 'Succeeded';
          },
        },
        202,
        undefined,
      );
    };
  }
  if (!snap) return (req, res) => notFound(req, res, 'Microsoft.Compute/snapshots', group, name);
  if (method === 'GET') return (req, res) => fake.send(res, req, 200, snapshotJson(snap));
  if (method === 'DELETE') {
    return (req, res) =>
      fake.startOperation(res, req, snap.location, { apply: () => fake.snapshots.delete(id.toLowerCase()) });
  }
  return undefined;
}

export function diskRoute(
  fake: ArmFake,
  method: string,
  group: string,
  name: string,
  body: Record<string, unknown>,
): Route | undefined {
  const id = `${fake.subscriptionPath}/resourceGroups/${group}/providers/Microsoft.Compute/disks/${name}`;
  const json = (d: { id: string; name: string; location: string; source: string; provisioning: string }) => ({
    id: d.id,
    name: d.name,
    type: 'Microsoft.Compute/disks',
    location: d.location,
    properties: {
      creationData: { createOption: 'Copy', sourceResourceId: d.source },
      provisioningState: d.provisioning,
    },
  });
  if (method === 'PUT') {
    return (req, res) => {
      const source =
        ((body.properties ?? {}) as { creationData?: { sourceResourceId?: string } }).creationData
          ?.sourceResourceId ?? '';
      if (!fake.snapshots.has(source.toLowerCase())) {
        return fake.error(
          res,
          req,
          404,
          'ResourceNotFound',
          `The source snapshot '${source}' was not found.`,
        );
      }
      const d = { id, name, location: String(body.location), source, provisioning: 'Creating' };
      fake.disks.set(id.toLowerCase(), d);
      fake.startOperation(
        res,
        req,
        d.location,
        {
          apply: () => {
            d.provisioning = 'Succeeded';
          },
        },
        202,
        undefined,
      );
    };
  }
  const disk = fake.disks.get(id.toLowerCase());
  if (method === 'GET' && disk) return (req, res) => fake.send(res, req, 200, json(disk));
  if (method === 'GET')
    return (req, res) =>
      fake.error(
        res,
        req,
        404,
        'ResourceNotFound',
        `The Resource 'Microsoft.Compute/disks/${name}' under resource group '${group}' was not found.`,
      );
  return undefined;
}
