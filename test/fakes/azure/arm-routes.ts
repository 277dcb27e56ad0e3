/**
 * The ARM routes of the fake (arm-fake.ts): Microsoft.Compute virtual machines, sizes, snapshots and
 * operations, and Microsoft.Resources resource groups, with the wire shapes of Azure's REST specs
 * (a resource's `properties` envelope, `{ value, nextLink }` pages, `{ error: { code, message } }`).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { diskRoute, type Route, type RouteMatcher, snapshotRoute } from './arm-disk-routes.js';
import { dnsRoute } from './arm-dns-routes.js';
import type { ArmFake, FakeVm, Power } from './arm-fake.js';
import { networkRoute } from './arm-network-routes.js';

export type { Route };

const VM_PATH =
  /^\/subscriptions\/[^/]+\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Compute\/virtualMachines\/([^/]+)(?:\/(\w+))?$/i;
const SNAP_PATH =
  /^\/subscriptions\/[^/]+\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Compute\/snapshots(?:\/([^/]+))?$/i;
const OP_PATH =
  /^\/subscriptions\/[^/]+\/providers\/Microsoft\.(?:Compute|Network)\/locations\/([^/]+)\/operations\/([^/]+)$/i;
const SIZES_PATH = /^\/subscriptions\/[^/]+\/providers\/Microsoft\.Compute\/locations\/([^/]+)\/vmSizes$/i;
const DISK_PATH =
  /^\/subscriptions\/[^/]+\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Compute\/disks\/([^/]+)$/i;
const RG_PATH = /^\/subscriptions\/[^/]+\/resourcegroups\/([^/]+)$/i;

export const DEFAULT_SIZES = [
  { name: 'Standard_B1s', numberOfCores: 1, memoryInMB: 1024 },
  { name: 'Standard_B2s', numberOfCores: 2, memoryInMB: 4096 },
  { name: 'Standard_D4s_v5', numberOfCores: 4, memoryInMB: 16384 },
];

function nicId(vm: FakeVm) {
  return `${vm.id.replace(/Microsoft\.Compute\/virtualMachines\/.*$/, 'Microsoft.Network/networkInterfaces/')}${vm.name}-nic`;
}

/** One NIC per VM, one public IP per VM that has one: the shapes of Microsoft.Network's listings. */
function networkListing(fake: ArmFake, kind: string) {
  const vms = [...fake.vms.values()];
  if (kind === 'publicIPAddresses') {
    return vms
      .filter((vm) => vm.publicIp)
      .map((vm) => ({
        id: `${nicId(vm)}-pip`,
        name: `${vm.name}-pip`,
        location: vm.location,
        properties: { ipAddress: vm.publicIp },
      }));
  }
  return vms.map((vm) => ({
    id: nicId(vm),
    name: `${vm.name}-nic`,
    location: vm.location,
    properties: {
      virtualMachine: { id: vm.id },
      ipConfigurations: [
        {
          id: `${nicId(vm)}/ipConfigurations/ipconfig1`,
          name: 'ipconfig1',
          properties: {
            ...(vm.privateIp ? { privateIPAddress: vm.privateIp } : {}),
            ...(vm.publicIp ? { publicIPAddress: { id: `${nicId(vm)}-pip` } } : {}),
            ...(vm.subnetId ? { subnet: { id: vm.subnetId } } : {}),
          },
        },
      ],
    },
  }));
}

export function vmJson(vm: FakeVm, instanceView: boolean) {
  return {
    id: vm.id,
    name: vm.name,
    type: 'Microsoft.Compute/virtualMachines',
    location: vm.location,
    tags: vm.tags,
    properties: {
      vmId: `vm-${vm.name}`,
      hardwareProfile: { vmSize: vm.size },
      storageProfile: {
        imageReference: {
          publisher: 'Canonical',
          offer: '0001-com-ubuntu-server-jammy',
          sku: '22_04-lts-gen2',
          version: 'latest',
        },
        osDisk: {
          osType: 'Linux',
          name: `${vm.name}_OsDisk_1`,
          createOption: 'FromImage',
          managedDisk: { id: vm.osDiskId },
        },
      },
      networkProfile: { networkInterfaces: [{ id: nicId(vm) }] },
      provisioningState: vm.provisioning,
      timeCreated: vm.created,
      ...(instanceView
        ? {
            instanceView: {
              statuses: [
                { code: `ProvisioningState/${vm.provisioning.toLowerCase()}`, level: 'Info' },
                ...(vm.provisioning === 'Creating'
                  ? []
                  : [{ code: `PowerState/${vm.power}`, level: 'Info' }]),
              ],
            },
          }
        : {}),
    },
  };
}

/** What each action does to the power state: [while the operation runs, once it succeeded]. */
const ACTIONS: Record<string, { during: Power; after: Power; refuseFrom?: Power[] }> = {
  start: { during: 'starting', after: 'running' },
  powerOff: { during: 'stopping', after: 'stopped', refuseFrom: ['deallocated', 'deallocating'] },
  deallocate: { during: 'deallocating', after: 'deallocated' },
  restart: { during: 'starting', after: 'running', refuseFrom: ['deallocated', 'deallocating', 'stopped'] },
};

export const armRoute: RouteMatcher = (fake, method, path, query, body) => {
  const other = networkRoute(fake, method, path, query, body) ?? dnsRoute(fake, method, path, query, body);
  if (other) return other;
  const notFound = (req: IncomingMessage, res: ServerResponse, type: string, group: string, name: string) =>
    fake.notFound(res, req, type, group, name);

  if (method === 'GET' && path === `${fake.subscriptionPath}/providers/Microsoft.Compute/virtualMachines`) {
    const statusOnly = query.get('statusOnly') === 'true';
    return (req, res) => fake.sendPage(res, req, query, fake.vms.values(), (vm) => vmJson(vm, statusOnly));
  }
  const net =
    /^\/subscriptions\/[^/]+\/providers\/Microsoft\.Network\/(networkInterfaces|publicIPAddresses)$/i.exec(
      path,
    );
  if (net && method === 'GET')
    return (req, res) => fake.send(res, req, 200, { value: networkListing(fake, net[1]!) });
  let m = OP_PATH.exec(path);
  if (m && method === 'GET')
    return (req, res) => fake.pollOperation(res, req, m![2]!, query.get('monitor') === 'true');
  m = SIZES_PATH.exec(path);
  if (m && method === 'GET') {
    return (req, res) =>
      fake.send(res, req, 200, { value: fake.sizes.get(m![1]!.toLowerCase()) ?? DEFAULT_SIZES });
  }
  m = DISK_PATH.exec(path);
  if (m) return diskRoute(fake, method, m[1]!, m[2]!, body);
  m = RG_PATH.exec(path);
  if (m && method === 'HEAD') {
    const exists = fake.resourceGroups.has(m[1]!.toLowerCase());
    return (req, res) => fake.send(res, req, exists ? 204 : 404, undefined);
  }
  if (m && method === 'PUT') {
    const group = m[1]!;
    return (req, res) => {
      const existed = fake.resourceGroups.has(group.toLowerCase());
      const was = fake.resourceGroups.get(group.toLowerCase());
      if (existed && was !== String(body.location)) {
        return fake.error(
          res,
          req,
          409,
          'InvalidResourceGroupLocation',
          `Invalid resource group location '${String(body.location)}'. The Resource group already exists in location '${was}'.`,
        );
      }
      fake.resourceGroups.set(group.toLowerCase(), String(body.location));
      fake.send(res, req, existed ? 200 : 201, {
        id: `${fake.subscriptionPath}/resourceGroups/${group}`,
        name: group,
        location: body.location,
        properties: { provisioningState: 'Succeeded' },
      });
    };
  }
  m = VM_PATH.exec(path);
  if (m) {
    const [, group, name, action] = m as unknown as [string, string, string, string | undefined];
    const key = fake.vmId(group, name).toLowerCase();
    const vm = fake.vms.get(key);
    if (method === 'PUT' && !action) return (req, res) => createVm(fake, req, res, group, name, body);
    if (!vm) return (req, res) => notFound(req, res, 'Microsoft.Compute/virtualMachines', group, name);
    if (method === 'GET' && !action) {
      return (req, res) =>
        fake.send(res, req, 200, vmJson(vm, /instanceView/i.test(query.get('$expand') ?? '')));
    }
    if (method === 'GET' && action === 'instanceView') {
      return (req, res) => fake.send(res, req, 200, vmJson(vm, true).properties.instanceView);
    }
    if (method === 'DELETE' && !action) {
      return (req, res) => {
        vm.provisioning = 'Deleting';
        fake.startOperation(res, req, vm.location, { apply: () => fake.vms.delete(key) });
      };
    }
    if (method === 'PATCH' && !action) {
      return (req, res) => {
        const size = (body.properties as { hardwareProfile?: { vmSize?: string } } | undefined)
          ?.hardwareProfile?.vmSize;
        if (size && !(fake.sizes.get(vm.location) ?? DEFAULT_SIZES).some((s) => s.name === size)) {
          return fake.error(
            res,
            req,
            400,
            'InvalidParameter',
            `The value ${size} provided for the VM size is not valid.`,
          );
        }
        // An OS disk swap: Azure allows it on a deallocated VM only.
        const osDisk = (
          body.properties as { storageProfile?: { osDisk?: { managedDisk?: { id?: string } } } } | undefined
        )?.storageProfile?.osDisk?.managedDisk?.id;
        if (osDisk && vm.power !== 'deallocated') {
          return fake.error(
            res,
            req,
            409,
            'OperationNotAllowed',
            `The OS disk can be swapped only while the VM is deallocated; the VM is ${vm.power}.`,
          );
        }
        if (osDisk && !fake.disks.has(osDisk.toLowerCase())) {
          return fake.error(res, req, 404, 'ResourceNotFound', `The disk '${osDisk}' was not found.`);
        }
        vm.provisioning = 'Updating';
        fake.startOperation(
          res,
          req,
          vm.location,
          {
            apply: () => {
              if (size) vm.size = size;
              if (osDisk) vm.osDiskId = osDisk;
              vm.provisioning = 'Succeeded';
            },
            result: () => vmJson(vm, false),
          },
          200,
          vmJson(vm, false),
        );
      };
    }
    const rule = action ? ACTIONS[action] : undefined;
    if (method === 'POST' && rule) {
      return (req, res) => {
        if (rule.refuseFrom?.includes(vm.power)) {
          return fake.error(
            res,
            req,
            409,
            'OperationNotAllowed',
            `Operation '${action}' is not allowed on VM '${name}' since the VM is ${vm.power}.`,
          );
        }
        const before = vm.power;
        vm.power = rule.during;
        fake.startOperation(res, req, vm.location, {
          rollback: () => {
            vm.power = before;
          },
          apply: () => {
            vm.power = rule.after;
            if (action === 'restart') vm.restarts += 1;
          },
        });
      };
    }
  }
  m = SNAP_PATH.exec(path);
  if (m) return snapshotRoute(fake, method, m[1]!, m[2], body, notFound);
  return undefined;
};

function createVm(
  fake: ArmFake,
  req: IncomingMessage,
  res: ServerResponse,
  group: string,
  name: string,
  body: Record<string, unknown>,
) {
  if (!fake.requireGroup(res, req, group)) return;
  const props = (body.properties ?? {}) as { hardwareProfile?: { vmSize?: string } };
  const vm = fake.seedVm({
    resourceGroup: group,
    name,
    location: String(body.location),
    size: props.hardwareProfile?.vmSize ?? 'Standard_B2s',
    tags: (body.tags as Record<string, string>) ?? {},
    provisioning: 'Creating',
    power: 'starting',
  });
  fake.lastCreate = body;
  fake.startOperation(
    res,
    req,
    vm.location,
    {
      apply: () => {
        vm.provisioning = 'Succeeded';
        vm.power = 'running';
      },
    },
    201,
    vmJson(vm, false),
  );
}
