/**
 * Tags of any EC2 resource (CreateTags, DeleteTags), found by its id's prefix with EC2's not-found codes.
 */
import type {
  CreateTagsCommandInput,
  CreateTagsCommandOutput,
  DeleteTagsCommandInput,
  DeleteTagsCommandOutput,
} from '@aws-sdk/client-ec2';
import { type Ec2Handler, type Ec2Region, ec2Error } from './ec2-state.js';

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

export const createTags: Ec2Handler<CreateTagsCommandInput, CreateTagsCommandOutput> = (input, region) => {
  const resources = (input.Resources ?? []).map((id) => taggable(region, id));
  for (const tags of resources) {
    for (const t of input.Tags ?? []) if (t.Key !== undefined) tags[t.Key] = t.Value ?? '';
  }
  return {};
};

export const deleteTags: Ec2Handler<DeleteTagsCommandInput, DeleteTagsCommandOutput> = (input, region) => {
  const resources = (input.Resources ?? []).map((id) => taggable(region, id));
  for (const tags of resources) {
    // No Tags: every tag goes; a Tag with a Value goes only when the value matches.
    for (const key of Object.keys(tags)) {
      const asked = input.Tags === undefined ? [{ Key: key }] : input.Tags.filter((t) => t.Key === key);
      if (asked.some((t) => t.Value === undefined || t.Value === tags[key])) delete tags[key];
    }
  }
  return {};
};

/** What settle() does to instances: transitional states end; a terminated instance's volumes go. */
