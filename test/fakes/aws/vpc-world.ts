/**
 * The fake EC2 seen as a network world: the same stateful EC2 as the compute world (VPCs and subnets are
 * EC2 resources, ec2-vpcs.ts), plus what a network test puts in it from outside Nimbo: an instance in a
 * subnet, whose network interface keeps the subnet from being deleted.
 */
import { Ec2World } from './ec2-world.js';

export class VpcWorld extends Ec2World {
  /** A running instance in the subnet, launched outside Nimbo; its id. */
  attachMachine(region: string, subnetId: string): string {
    return this.seed({ region, subnetId, name: `in-${subnetId}`, state: 'running' }).id;
  }
}
