/**
 * Reads which AWS SDK v3 commands a source file sends, as IAM actions: `new DescribeVpcsCommand(` imported
 * from '@aws-sdk/client-ec2' is `ec2:DescribeVpcs`, and so is `paginateDescribeVpcs`. Text, not types: the
 * driver's style (one `new XxxCommand(...)` per call, named imports) is what it relies on, and a name it
 * cannot place (a command from a package without a known prefix) is reported, never skipped.
 */
import { SDK_SERVICE_PREFIXES } from '../../infra/cloud-actions.js';

export interface SdkUse {
  /** `service:Action`, or `?:Name` when the command's package is not in SDK_SERVICE_PREFIXES. */
  action: string;
  /** The text of the command's input object (`new XxxCommand(` up to its closing parenthesis). */
  input: string;
}

/** Named imports of '@aws-sdk/client-*' packages: local name -> package. */
function sdkImports(source: string): Map<string, string> {
  const names = new Map<string, string>();
  for (const m of source.matchAll(/import\s+(?:type\s+)?\{([^}]*)\}\s*from\s*'(@aws-sdk\/client-[\w-]+)'/g)) {
    for (const raw of m[1]!.split(',')) {
      const [imported, local] = raw
        .trim()
        .replace(/^type\s+/, '')
        .split(/\s+as\s+/);
      if (imported) names.set((local ?? imported).trim(), m[2]!);
    }
  }
  return names;
}

/** The text between the parenthesis at `open` and its match. */
function argumentText(source: string, open: number): string {
  let depth = 0;
  for (let i = open; i < source.length; i++) {
    if (source[i] === '(') depth++;
    else if (source[i] === ')' && --depth === 0) return source.slice(open + 1, i);
  }
  return source.slice(open + 1);
}

export function sdkCommandUses(source: string): SdkUse[] {
  const imports = sdkImports(source);
  const actionOf = (local: string, operation: string) => {
    const prefix = SDK_SERVICE_PREFIXES[imports.get(local) ?? ''];
    return `${prefix ?? '?'}:${operation}`;
  };
  const uses: SdkUse[] = [];
  for (const m of source.matchAll(/new\s+(\w+)Command\s*\(/g)) {
    const open = m.index + m[0].length - 1;
    uses.push({ action: actionOf(`${m[1]}Command`, m[1]!), input: argumentText(source, open) });
  }
  for (const m of source.matchAll(/\bpaginate(\w+)\s*\(/g)) {
    if (imports.has(`paginate${m[1]}`)) uses.push({ action: actionOf(`paginate${m[1]}`, m[1]!), input: '' });
  }
  return uses;
}
