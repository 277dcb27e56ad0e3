/**
 * Hetzner's label rules (docs.hetzner.cloud, "Labels"): a key is an optional DNS-subdomain prefix and
 * "/" and a name of 1 to 63 characters; a value has at most 63. Names and values start and end with a
 * letter or digit and hold only those, "-", "_" and ".". Checked before any call, so a bad tag fails
 * with the rule rather than Hetzner's invalid_input.
 */
import { ProviderRejectedError } from '../errors.js';

const NAME = /^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,61}[A-Za-z0-9])?$/;
const PREFIX = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*$/;

export function labelProblem(key: string, value: string): string | undefined {
  const slash = key.lastIndexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (prefix !== undefined && !PREFIX.test(prefix)) {
    return `label key "${key}": the prefix before "/" must be a DNS subdomain (lowercase letters, digits, "-" and ".")`;
  }
  if (!NAME.test(name)) {
    return `label key "${key}": 1 to 63 letters, digits, "-", "_" or ".", starting and ending with a letter or digit`;
  }
  if (value !== '' && !NAME.test(value)) {
    return `label "${key}": the value has at most 63 letters, digits, "-", "_" or ".", starting and ending with a letter or digit`;
  }
  return undefined;
}

/** The labels as they are, or ProviderRejectedError naming the first that breaks Hetzner's rules. */
export function checkLabels(labels: Record<string, string>, context: string): Record<string, string> {
  for (const [k, v] of Object.entries(labels)) {
    const problem = labelProblem(k, v);
    if (problem) throw new ProviderRejectedError(`${context}: Hetzner Cloud refuses ${problem}`);
  }
  return labels;
}
