/**
 * The SSH probe's facts: one POSIX shell command prints every source under a marker line, and a pure
 * parser turns that output into numbers. Each section parses on its own, so a host without nproc or
 * /etc/os-release still reports everything else (missing facts are null, never a failed probe).
 */

const MARK = '@@nimbo-probe:';
const SECTIONS = ['uptime', 'loadavg', 'cores', 'meminfo', 'df', 'kernel', 'os-release'] as const;
type Section = (typeof SECTIONS)[number];

/**
 * One exec, read-only, no sudo, nothing left behind. Files are read with shell builtins (`p`), so the
 * whole probe forks three programs (nproc, df, uname) instead of ten: on a busy host that halves its
 * cost. `df -Pk` for fixed 1024-byte blocks; the parser reads its last line.
 */
export const SSH_PROBE_COMMAND = [
  'p() { while IFS= read -r l || [ -n "$l" ]; do printf \'%s\\n\' "$l"; done < "$1"; }',
  `echo '${MARK}uptime'; p /proc/uptime 2>/dev/null`,
  `echo '${MARK}loadavg'; p /proc/loadavg 2>/dev/null`,
  `echo '${MARK}cores'; nproc 2>/dev/null || getconf _NPROCESSORS_ONLN 2>/dev/null`,
  `echo '${MARK}meminfo'; p /proc/meminfo 2>/dev/null`,
  `echo '${MARK}df'; df -Pk / 2>/dev/null`,
  `echo '${MARK}kernel'; uname -sr 2>/dev/null`,
  `echo '${MARK}os-release'; p /etc/os-release 2>/dev/null`,
  'true',
].join('; ');

export interface SshFacts {
  uptimeSeconds: number | null;
  /** 1, 5 and 15 minute load averages. */
  loadAverage: [number, number, number] | null;
  cores: number | null;
  memory: { totalBytes: number; availableBytes: number; usedPercent: number } | null;
  disk: {
    mount: string;
    totalBytes: number;
    usedBytes: number;
    availableBytes: number;
    usedPercent: number;
  } | null;
  /** `uname -sr`, e.g. "Linux 6.1.0-18-amd64". */
  kernel: string | null;
  distribution: {
    id: string | null;
    name: string | null;
    version: string | null;
    prettyName: string | null;
  } | null;
}

function sections(output: string): Map<Section, string[]> {
  const found = new Map<Section, string[]>();
  let current: string[] | null = null;
  for (const raw of output.split('\n')) {
    const line = raw.replace(/\r$/, '');
    if (line.startsWith(MARK)) {
      const name = line.slice(MARK.length) as Section;
      current = SECTIONS.includes(name) ? [] : null;
      if (current) found.set(name, current);
    } else if (current && line.trim() !== '') current.push(line);
  }
  return found;
}

function finite(text: string | undefined): number | null {
  if (text === undefined || text.trim() === '') return null;
  const n = Number(text);
  return Number.isFinite(n) ? n : null;
}

function percent(part: number, whole: number): number {
  return whole > 0 ? Math.round((part / whole) * 1000) / 10 : 0;
}

function parseMemory(lines: string[]): SshFacts['memory'] {
  const kb = new Map<string, number>();
  for (const line of lines) {
    const m = /^(\w+):\s+(\d+)\s*kB/i.exec(line);
    if (m) kb.set(m[1]!, Number(m[2]));
  }
  const total = kb.get('MemTotal');
  // Kernels before 3.14 have no MemAvailable: MemFree is the closest (pessimistic) figure.
  const available = kb.get('MemAvailable') ?? kb.get('MemFree');
  if (total === undefined || available === undefined) return null;
  return {
    totalBytes: total * 1024,
    availableBytes: available * 1024,
    usedPercent: percent(total - available, total),
  };
}

/** `df -P` data line; read from the right, since the filesystem name may contain spaces. */
function parseDisk(lines: string[]): SshFacts['disk'] {
  const fields = (lines[lines.length - 1] ?? '').trim().split(/\s+/);
  if (fields.length < 6) return null;
  const mount = fields[fields.length - 1]!;
  const [total, used, available] = fields.slice(-5, -2).map(finite);
  if (total == null || used == null || available == null) return null;
  return {
    mount,
    totalBytes: total * 1024,
    usedBytes: used * 1024,
    availableBytes: available * 1024,
    // As df computes Capacity: used / (used + available), rounded here to 0.1.
    usedPercent: percent(used, used + available),
  };
}

/** KEY=value lines, values optionally quoted (os-release(5)). */
function parseOsRelease(lines: string[]): SshFacts['distribution'] {
  const values = new Map<string, string>();
  for (const line of lines) {
    const m = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (!m) continue;
    let v = m[2]!;
    if (/^(["']).*\1$/.test(v)) v = v.slice(1, -1).replace(/\\(["'$`\\])/g, '$1');
    values.set(m[1]!, v);
  }
  if (values.size === 0) return null;
  const get = (k: string) => values.get(k) ?? null;
  return { id: get('ID'), name: get('NAME'), version: get('VERSION_ID'), prettyName: get('PRETTY_NAME') };
}

export function parseSshFacts(output: string): SshFacts {
  const s = sections(output);
  const first = (name: Section) => s.get(name)?.[0]?.trim();
  const uptime = finite(first('uptime')?.split(/\s+/)[0]);
  const load = (first('loadavg') ?? '').split(/\s+/).slice(0, 3).map(finite);
  const cores = finite(first('cores'));
  return {
    uptimeSeconds: uptime,
    loadAverage:
      load.length === 3 && load.every((n) => n !== null) ? (load as [number, number, number]) : null,
    cores: cores !== null && Number.isInteger(cores) && cores > 0 ? cores : null,
    memory: parseMemory(s.get('meminfo') ?? []),
    disk: parseDisk(s.get('df') ?? []),
    kernel: first('kernel') || null,
    distribution: parseOsRelease(s.get('os-release') ?? []),
  };
}

/** What the SSH probe records: the facts, or why it could not get them. */
export interface SshProbeResult {
  ok: boolean;
  host: string;
  port: number;
  user: string;
  error: { code: string; message: string } | null;
  durationMs: number;
  facts: SshFacts | null;
}
