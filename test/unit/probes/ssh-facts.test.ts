import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { parseSshFacts, SSH_PROBE_COMMAND } from '../../../lib/ssh/facts.js';

const M = '@@nimbo-probe:';

const debian = [
  `${M}uptime`,
  '350735.47 1378869.58',
  `${M}loadavg`,
  '0.52 0.58 0.59 1/389 12345',
  `${M}cores`,
  '4',
  `${M}meminfo`,
  'MemTotal:        8041436 kB',
  'MemFree:          512000 kB',
  'MemAvailable:    4020718 kB',
  `${M}df`,
  '/dev/sda1         20510288 10255144   9190556      53% /',
  `${M}kernel`,
  'Linux 6.1.0-18-amd64',
  `${M}os-release`,
  'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"',
  'NAME="Debian GNU/Linux"',
  'VERSION_ID="12"',
  'ID=debian',
  '',
].join('\n');

describe('the SSH probe parser', () => {
  it('reads uptime, load, cores, memory, disk, kernel and distribution', () => {
    expect(parseSshFacts(debian)).toEqual({
      uptimeSeconds: 350735.47,
      loadAverage: [0.52, 0.58, 0.59],
      cores: 4,
      memory: { totalBytes: 8041436 * 1024, availableBytes: 4020718 * 1024, usedPercent: 50 },
      disk: {
        mount: '/',
        totalBytes: 20510288 * 1024,
        usedBytes: 10255144 * 1024,
        availableBytes: 9190556 * 1024,
        usedPercent: 52.7,
      },
      kernel: 'Linux 6.1.0-18-amd64',
      distribution: {
        id: 'debian',
        name: 'Debian GNU/Linux',
        version: '12',
        prettyName: 'Debian GNU/Linux 12 (bookworm)',
      },
    });
  });

  it('falls back to MemFree on kernels without MemAvailable', () => {
    const old = debian.replace(/MemAvailable:.*\n/, '');
    expect(parseSshFacts(old).memory).toEqual({
      totalBytes: 8041436 * 1024,
      availableBytes: 512000 * 1024,
      usedPercent: 93.6,
    });
  });

  it('reads a df line whose filesystem name has spaces, and CRLF line ends', () => {
    const out = `${M}df\r\nmap auto_home  1000  250  750  25% /\r\n`;
    expect(parseSshFacts(out).disk).toEqual({
      mount: '/',
      totalBytes: 1000 * 1024,
      usedBytes: 250 * 1024,
      availableBytes: 750 * 1024,
      usedPercent: 25,
    });
  });

  it('reports missing or garbled facts as null instead of failing (no /proc, no os-release)', () => {
    const out = [
      `${M}uptime`,
      `${M}loadavg`,
      'garbage',
      `${M}cores`,
      'many',
      `${M}kernel`,
      'FreeBSD 14.0',
    ].join('\n');
    expect(parseSshFacts(out)).toEqual({
      uptimeSeconds: null,
      loadAverage: null,
      cores: null,
      memory: null,
      disk: null,
      kernel: 'FreeBSD 14.0',
      distribution: null,
    });
  });

  it('ignores anything printed before the first marker (a login banner) and unknown markers', () => {
    const out = `Welcome to host!\n${M}bogus\n42\n${M}cores\n2\n`;
    expect(parseSshFacts(out).cores).toBe(2);
    expect(parseSshFacts('').kernel).toBeNull();
  });

  it('unquotes os-release values with escapes', () => {
    const out = `${M}os-release\nNAME='Alpine Linux'\nPRETTY_NAME="A \\"quoted\\" name"\nID=alpine\n`;
    expect(parseSshFacts(out).distribution).toEqual({
      id: 'alpine',
      name: 'Alpine Linux',
      version: null,
      prettyName: 'A "quoted" name',
    });
  });

  it("parses the command's own output on this machine", () => {
    const facts = parseSshFacts(execFileSync('sh', ['-c', SSH_PROBE_COMMAND]).toString());
    expect(facts.uptimeSeconds).toBeGreaterThan(0);
    expect(facts.cores).toBeGreaterThan(0);
    expect(facts.loadAverage).toHaveLength(3);
    expect(facts.memory!.totalBytes).toBeGreaterThan(facts.memory!.availableBytes);
    expect(facts.disk!.mount).toBe('/');
    expect(facts.kernel).toMatch(/^Linux /);
  });
});
