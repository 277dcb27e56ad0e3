/**
 * The instance paths of the fake Compute Engine: zones/{zone}/instances[/{name}[/{verb}]]. The state
 * rules are GCE's: setMachineType and setName want a TERMINATED instance, reset a RUNNING one, and
 * every change lands when its operation completes.
 */
import type { ServerResponse } from 'node:http';
import type { GcpComputeFake } from './compute-fake.js';

export interface InstanceRequest {
  method: string;
  zone: string;
  name: string | undefined;
  verb: string | undefined;
  body: Record<string, unknown>;
}

export function instanceRoute(fake: GcpComputeFake, res: ServerResponse, request: InstanceRequest) {
  const { method, zone, name, verb, body } = request;
  const scope = `zones/${zone}`;
  if (!fake.zones.includes(zone))
    return fake.error(res, 404, 'notFound', `The resource 'zones/${zone}' was not found`);
  if (!name && method === 'POST') {
    const n = String(body.name ?? '');
    if (fake.instance(zone, n))
      return fake.error(res, 409, 'alreadyExists', `The resource '${n}' already exists`);
    const machineType =
      String(body.machineType ?? '')
        .split('/')
        .pop() ?? '';
    const meta = (body.metadata as { items?: { key: string; value: string }[] })?.items ?? [];
    const target = fake.url(`${scope}/instances/${n}`);
    return fake.send(
      res,
      200,
      fake.operation(scope, 'insert', target, () => {
        fake.seed(zone, n, {
          machineType,
          labels: (body.labels as Record<string, string>) ?? {},
          metadata: meta,
        });
      }),
    );
  }
  const found = name ? fake.instance(zone, name) : undefined;
  if (!found || !name)
    return fake.error(res, 404, 'notFound', `The resource '${scope}/instances/${name}' was not found`);
  const inst = found;
  // The path may name the instance by its numeric id: from here on, its name.
  const key = `${zone}/${inst.name}`;
  const target = fake.url(`${scope}/instances/${inst.name}`);
  if (method === 'GET' && !verb) return fake.send(res, 200, fake.toJson(inst));
  if (method === 'DELETE' && !verb) {
    inst.status = 'STOPPING';
    return fake.send(
      res,
      200,
      fake.operation(scope, 'delete', target, () => fake.instances.delete(key)),
    );
  }
  const op = (type: string, apply: () => void) =>
    fake.send(res, 200, fake.operation(scope, type, target, apply));
  switch (verb) {
    case 'start':
      if (inst.status === 'TERMINATED') inst.status = 'STAGING';
      return op('start', () => {
        inst.status = 'RUNNING';
      });
    case 'stop':
      if (inst.status === 'RUNNING') inst.status = 'STOPPING';
      return op('stop', () => {
        inst.status = 'TERMINATED';
      });
    case 'reset':
      if (inst.status !== 'RUNNING') {
        return fake.error(res, 400, 'resourceNotReady', `The resource '${target}' is not ready`);
      }
      return op('reset', () => {
        fake.resets.push(key);
      });
    case 'setMachineType':
      if (inst.status !== 'TERMINATED') {
        return fake.error(
          res,
          400,
          'resourceNotReady',
          `Instance '${inst.name}' must be stopped before changing its machine type.`,
        );
      }
      return op('setMachineType', () => {
        inst.machineType =
          String(body.machineType ?? '')
            .split('/')
            .pop() ?? '';
      });
    case 'setName': {
      if (inst.status !== 'TERMINATED') {
        return fake.error(
          res,
          400,
          'resourceNotReady',
          `Instance '${inst.name}' must be stopped before it is renamed.`,
        );
      }
      if (body.currentName !== inst.name)
        return fake.error(res, 412, 'conditionNotMet', 'currentName does not match');
      const next = String(body.name ?? '');
      return op('setName', () => {
        fake.instances.delete(key);
        fake.instances.set(`${zone}/${next}`, { ...inst, name: next });
      });
    }
    default:
      return fake.error(res, 404, 'notFound', `No method ${verb}`);
  }
}
