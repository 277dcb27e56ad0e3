/**
 * Domain names as Route 53 (and the simulator) hold them: lowercase, fully qualified with a trailing dot.
 * Validation is per label (1-63 characters, at most 253 in all), with the variations the record types
 * need: a leading `*` label for wildcard records, and `_` for service names (_sip._tcp, _dmarc).
 */

export interface NameRules {
  /** `*` as the whole leftmost label (wildcard records). */
  wildcard?: boolean;
  /** `_` anywhere in a label (service and verification names, and CNAME targets that use them). */
  underscore?: boolean;
}

/** Lowercase with exactly one trailing dot; the root stays ".". */
export function fqdn(name: string): string {
  const lower = name.trim().toLowerCase();
  return lower.endsWith('.') ? lower : `${lower}.`;
}

/** Why `name` is not a valid domain name under `rules`, or undefined when it is. */
export function domainNameProblem(name: string, rules: NameRules = {}): string | undefined {
  const bare = name.endsWith('.') ? name.slice(0, -1) : name;
  if (bare.length === 0) return 'must not be empty';
  if (bare.length > 253) return 'must be at most 253 characters';
  const labels = bare.split('.');
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i]!;
    if (label.length === 0) return 'must not contain an empty label (two dots in a row)';
    if (label.length > 63) return `label "${label.slice(0, 20)}..." is longer than 63 characters`;
    if (label === '*') {
      if (!rules.wildcard) return 'a wildcard (*) is not allowed here';
      if (i !== 0) return 'a wildcard (*) must be the leftmost label';
      continue;
    }
    const chars = rules.underscore ? /^[a-z0-9_-]+$/i : /^[a-z0-9-]+$/i;
    if (!chars.test(label)) {
      return `label "${label}" may only contain letters, digits, hyphens${rules.underscore ? ' and underscores' : ''}`;
    }
    if (label.startsWith('-') || label.endsWith('-'))
      return `label "${label}" must not start or end with a hyphen`;
  }
  return undefined;
}

/** Whether `name` (fully qualified) is the zone's apex or below it. */
export function isInZone(name: string, zone: string): boolean {
  const n = fqdn(name);
  const z = fqdn(zone);
  return n === z || n.endsWith(`.${z}`);
}

/**
 * A record name as the API takes it, made absolute: "@" or "" is the apex, a name with a trailing dot or
 * ending with the zone's name is absolute, anything else is relative to the zone ("www" -> www.zone.).
 */
export function recordFqdn(name: string, zone: string): string {
  const z = fqdn(zone);
  const n = name.trim().toLowerCase();
  if (n === '' || n === '@') return z;
  if (n.endsWith('.')) return n;
  const bareZone = z.slice(0, -1);
  if (n === bareZone || n.endsWith(`.${bareZone}`)) return `${n}.`;
  return `${n}.${z}`;
}
