/**
 * The rules a network (VPC) or subnet must meet before any provider is asked to create it: CIDR syntax,
 * the provider's prefix limits, a subnet inside its network and clear of its siblings. Pure: every
 * problem names the field and, for overlaps, the sibling.
 */
import { type Cidr4, cidrContains, cidrsOverlap, formatCidr4, parseCidr4 } from './ipv4.js';

export interface NetworkLimits {
  /** Largest network allowed (smallest prefix), e.g. AWS /16. */
  networkMinPrefix: number;
  /** Smallest network allowed (largest prefix), e.g. AWS /28. */
  networkMaxPrefix: number;
  subnetMinPrefix: number;
  subnetMaxPrefix: number;
  /** Whether the provider deletes a network together with its subnets (AWS: no, DependencyViolation). */
  deleteWithSubnets: boolean;
  /** Addresses the provider keeps in every subnet (AWS: the first four and the last). */
  reservedPerSubnet: number;
  /**
   * Whether a network has an address range of its own that its subnets sit inside (AWS, Azure: yes; a GCP
   * custom-mode VPC network has none: only its subnets have ranges, and its `cidr` is '').
   */
  networkCidr: boolean;
  /** Whether a network spans every region (GCP: region "global") and each subnet names its own region. */
  globalNetworks: boolean;
  /** Whether a subnet is placed in a zone of its region (AWS: yes; GCP and Azure subnets are regional). */
  subnetZones: boolean;
  /** Whether networks have subnets at all (a DigitalOcean VPC has none: machines join the VPC itself). */
  subnets: boolean;
  /**
   * Where a global network's subnets sit when that is not one of the cloud's regions: Hetzner subnets
   * sit in network zones (eu-central), each holding several of the cloud's locations (fsn1, nbg1, hel1).
   */
  subnetRegions?: { of: (cloudRegion: string) => string | undefined; what: string };
  /** The provider's own rule for network and subnet names, where it is stricter than Nimbo's (NETWORK_NAME). */
  names?: { pattern: RegExp; rule: string };
}

export const AWS_NETWORK_LIMITS: NetworkLimits = {
  networkMinPrefix: 16,
  networkMaxPrefix: 28,
  subnetMinPrefix: 16,
  subnetMaxPrefix: 28,
  deleteWithSubnets: false,
  reservedPerSubnet: 5,
  networkCidr: true,
  globalNetworks: false,
  subnetZones: true,
  subnets: true,
};

/**
 * A GCP custom-mode VPC network: global, no range of its own; each subnetwork's primary IPv4 range is
 * /8 to /29, and GCE keeps four addresses of it (network, gateway, the last two). A network with
 * subnetworks is refused (resourceInUseByAnotherResource).
 */
export const GCP_NETWORK_LIMITS: NetworkLimits = {
  networkMinPrefix: 8,
  networkMaxPrefix: 29,
  subnetMinPrefix: 8,
  subnetMaxPrefix: 29,
  deleteWithSubnets: false,
  reservedPerSubnet: 4,
  networkCidr: false,
  globalNetworks: true,
  subnetZones: false,
  subnets: true,
  // RFC 1035 labels, as every GCE resource name.
  names: {
    pattern: /^[a-z](?:[-a-z0-9]{0,61}[a-z0-9])?$/,
    rule: 'gcp names have 1 to 63 characters: lowercase letters, digits and hyphens, starting with a letter and not ending with a hyphen',
  },
};

/**
 * An Azure virtual network: its address space and its subnets /8 to /29, Azure keeps five addresses of
 * each subnet; deleting a virtual network deletes its (empty) subnets with it.
 */
export const AZURE_NETWORK_LIMITS: NetworkLimits = {
  networkMinPrefix: 8,
  networkMaxPrefix: 29,
  subnetMinPrefix: 8,
  subnetMaxPrefix: 29,
  deleteWithSubnets: true,
  reservedPerSubnet: 5,
  networkCidr: true,
  globalNetworks: false,
  subnetZones: false,
  subnets: true,
  names: {
    pattern: /^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,62}[A-Za-z0-9_])?$/,
    rule: 'azure names have 1 to 64 characters: letters, digits, dots, underscores and hyphens, starting with a letter or digit and ending with a letter, digit or underscore',
  },
};

/**
 * A DigitalOcean VPC: regional, its range /16 to /28 inside RFC 1918 and clear of the account's other
 * VPCs, no subnets (a droplet joins the VPC itself). Names: letters, digits, hyphens and dots.
 */
export const DIGITALOCEAN_NETWORK_LIMITS: NetworkLimits = {
  networkMinPrefix: 16,
  networkMaxPrefix: 28,
  subnetMinPrefix: 16,
  subnetMaxPrefix: 28,
  deleteWithSubnets: false,
  reservedPerSubnet: 0,
  networkCidr: true,
  globalNetworks: false,
  subnetZones: false,
  subnets: false,
  names: {
    pattern: /^[A-Za-z0-9](?:[A-Za-z0-9.-]{0,253}[A-Za-z0-9])?$/,
    rule: 'digitalocean VPC names have 1 to 255 characters: letters, digits, hyphens and dots, starting and ending with a letter or digit',
  },
};

/** Hetzner's locations by network zone, as GET /locations reports them. */
export const HETZNER_NETWORK_ZONES: Readonly<Record<string, string>> = {
  fsn1: 'eu-central',
  nbg1: 'eu-central',
  hel1: 'eu-central',
  ash: 'us-east',
  hil: 'us-west',
  sin: 'ap-southeast',
};

/**
 * A Hetzner Cloud network: it spans the project (region "global") with a range of its own, /8 to /24
 * of RFC 1918; each subnet sits in a network zone (eu-central) and inside the network's range. Deleting
 * a network deletes its subnets; Hetzner keeps the network's first address for its gateway and the
 * subnet's first and last.
 */
export const HETZNER_NETWORK_LIMITS: NetworkLimits = {
  networkMinPrefix: 8,
  networkMaxPrefix: 24,
  subnetMinPrefix: 8,
  subnetMaxPrefix: 30,
  deleteWithSubnets: true,
  reservedPerSubnet: 3,
  networkCidr: true,
  globalNetworks: true,
  subnetZones: false,
  subnets: true,
  subnetRegions: {
    of: (location) => HETZNER_NETWORK_ZONES[location],
    what: "a network zone (eu-central, us-east, us-west, ap-southeast) of one of the cloud's locations",
  },
  names: {
    pattern: /^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,61}[A-Za-z0-9])?$/,
    rule: 'hetzner names have 1 to 63 characters: letters, digits, dots, underscores and hyphens, starting and ending with a letter or digit',
  },
};

/** The region a global network (limits.globalNetworks) is reported in. */
export const GLOBAL_REGION = 'global';

/** Names: what an EC2 Name tag shows well and a shell or URL does not trip over. */
export const NETWORK_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9 ._-]{0,126}[A-Za-z0-9._-])?$/;
export const NETWORK_NAME_RULE =
  'names have 1 to 128 characters: letters, digits, spaces, dots, underscores and hyphens, starting with a letter or digit';

export interface RuleProblem {
  path: string;
  message: string;
}

function nameProblem(name: string, limits: NetworkLimits): RuleProblem | undefined {
  const rule = limits.names ?? { pattern: NETWORK_NAME, rule: NETWORK_NAME_RULE };
  return rule.pattern.test(name) ? undefined : { path: 'name', message: rule.rule };
}

export type CidrCheck = { ok: true; cidr: Cidr4 } | { ok: false; problems: RuleProblem[] };

function prefixProblem(c: Cidr4, min: number, max: number, what: string): string | undefined {
  if (c.prefix < min || c.prefix > max) {
    return `a ${what} must be between /${min} and /${max} (got /${c.prefix})`;
  }
  return undefined;
}

/** A network without a range of its own (limits.networkCidr false) checks only its name. */
export type NetworkCheck = { ok: true; cidr: Cidr4 | null } | { ok: false; problems: RuleProblem[] };

export function checkNetworkRequest(
  req: { name: string; cidr?: string | undefined },
  limits: NetworkLimits,
): NetworkCheck {
  const problems: RuleProblem[] = [];
  const badName = nameProblem(req.name, limits);
  if (badName) problems.push(badName);
  if (!limits.networkCidr) {
    if (req.cidr !== undefined) {
      problems.push({
        path: 'cidr',
        message: "this provider's networks have no address range of their own: give each subnet its range",
      });
    }
    return problems.length ? { ok: false, problems } : { ok: true, cidr: null };
  }
  if (req.cidr === undefined) {
    problems.push({ path: 'cidr', message: 'a network needs its address range, e.g. 10.0.0.0/16' });
    return { ok: false, problems };
  }
  const parsed = parseCidr4(req.cidr);
  if (!parsed.ok) problems.push({ path: 'cidr', message: parsed.reason });
  else {
    const p = prefixProblem(parsed.cidr, limits.networkMinPrefix, limits.networkMaxPrefix, 'network');
    if (p) problems.push({ path: 'cidr', message: p });
  }
  return problems.length || !parsed.ok ? { ok: false, problems } : { ok: true, cidr: parsed.cidr };
}

export interface Sibling {
  name: string;
  cidr: string;
}

export function checkSubnetRequest(
  req: { name: string; cidr: string },
  network: { cidr: string },
  siblings: readonly Sibling[],
  limits: NetworkLimits,
): CidrCheck {
  const problems: RuleProblem[] = [];
  const badName = nameProblem(req.name, limits);
  if (badName) problems.push(badName);
  const parsed = parseCidr4(req.cidr);
  if (!parsed.ok) {
    problems.push({ path: 'cidr', message: parsed.reason });
    return { ok: false, problems };
  }
  const c = parsed.cidr;
  const p = prefixProblem(c, limits.subnetMinPrefix, limits.subnetMaxPrefix, 'subnet');
  if (p) problems.push({ path: 'cidr', message: p });
  const outer = parseCidr4(network.cidr);
  if (outer.ok && !cidrContains(outer.cidr, c)) {
    problems.push({ path: 'cidr', message: `${formatCidr4(c)} is not inside the network's ${network.cidr}` });
  }
  for (const s of siblings) {
    const other = parseCidr4(s.cidr);
    if (other.ok && cidrsOverlap(other.cidr, c)) {
      problems.push({ path: 'cidr', message: `${formatCidr4(c)} overlaps subnet "${s.name}" (${s.cidr})` });
    }
  }
  return problems.length ? { ok: false, problems } : { ok: true, cidr: c };
}
