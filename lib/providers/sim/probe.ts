/**
 * Probes of simulated machines, answered by the simulator instead of the network: sim machines carry
 * documentation and private addresses that nobody should ever connect to. A running machine answers every
 * attempt with round trips derived from its id (stable from one probe to the next, as a real host's
 * would be); any other state loses every attempt.
 */
import { createHash } from 'node:crypto';
import { probeStats } from '../../net/probe-stats.js';
import type { TcpProbeResult } from '../../net/tcp-probe.js';
import type { MachineState } from '../compute.js';

export function simulatedTcpProbe(
  machine: { id: string; state: MachineState; host: string },
  port: number,
  attempts: number,
): TcpProbeResult {
  const running = machine.state === 'running';
  const digest = createHash('sha256').update(machine.id).digest();
  // A base of 1-50 ms per machine and up to 2 ms of jitter per attempt.
  const base = 1 + (digest[0]! % 50);
  const rtts = Array.from({ length: attempts }, (_, i) =>
    running ? base + (digest[(i + 1) % digest.length]! / 255) * 2 : null,
  );
  const stats = probeStats(rtts);
  return {
    host: machine.host,
    port,
    reachable: running,
    error: running ? null : `simulated: the machine is ${machine.state}`,
    simulated: true,
    ...stats,
  };
}
