/** The tags of any taggable resource of a region, by its id's prefix, with EC2's not-found codes. */
import { type Ec2Region, ec2Error } from './ec2-state.js';

export function taggable(region: Ec2Region, id: string): Record<string, string> {
  const [prefix] = id.split('-');
  const kinds: Record<string, { items: Map<string, { tags: Record<string, string> }>; code: string }> = {
    i: { items: region.instances, code: 'InvalidInstanceID.NotFound' },
    vol: { items: region.volumes, code: 'InvalidVolume.NotFound' },
    snap: { items: region.snapshots, code: 'InvalidSnapshot.NotFound' },
    vpc: { items: region.vpcs, code: 'InvalidVpcID.NotFound' },
    subnet: { items: region.subnets, code: 'InvalidSubnetID.NotFound' },
  };
  const kind = kinds[prefix ?? ''];
  if (!kind) throw ec2Error('InvalidID', `The ID '${id}' is not valid`);
  const found = kind.items.get(id);
  if (!found) throw ec2Error(kind.code, `The ID '${id}' does not exist`);
  return found.tags;
}
