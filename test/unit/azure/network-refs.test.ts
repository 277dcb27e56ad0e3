import { describe, expect, it } from 'vitest';
import { addressesByVm, toProviderMachine, vnetOfSubnet } from '../../../lib/providers/azure/mapping.js';

const SUB = '/subscriptions/33333333-3333-4333-8333-333333333333';
const VM = `${SUB}/resourceGroups/RG-A/providers/Microsoft.Compute/virtualMachines/web`;
const SUBNET = `${SUB}/resourceGroups/RG-Net/providers/Microsoft.Network/virtualNetworks/Main/subnets/Web`;

describe("a VM's place in the network", () => {
  it('takes the subnet of its first NIC, and the virtual network from it, lowercased as ARM ids compare', () => {
    const addresses = addressesByVm(
      [
        {
          virtualMachine: { id: VM },
          ipConfigurations: [{ privateIPAddress: '127.0.0.5', subnet: { id: SUBNET } }],
        },
      ],
      [],
    );
    const m = toProviderMachine(
      { id: VM, name: 'web', location: 'westeurope' },
      addresses.get(VM.toLowerCase()),
    );
    expect(m.privateIps).toEqual(['127.0.0.5']);
    expect(m.extra).toMatchObject({
      subnetId: SUBNET.toLowerCase(),
      vpcId: `${SUB}/resourceGroups/RG-Net/providers/Microsoft.Network/virtualNetworks/Main`.toLowerCase(),
    });
  });

  it('records no network for a VM whose NICs name no subnet', () => {
    const m = toProviderMachine({ id: VM, name: 'web', location: 'westeurope' });
    expect(m.extra?.subnetId).toBeUndefined();
    expect(m.extra?.vpcId).toBeUndefined();
  });

  it('finds the virtual network of a subnet id only', () => {
    expect(vnetOfSubnet(SUBNET)).toBe(
      `${SUB}/resourceGroups/RG-Net/providers/Microsoft.Network/virtualNetworks/Main`,
    );
    expect(vnetOfSubnet(VM)).toBeUndefined();
  });
});
