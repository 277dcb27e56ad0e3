/**
 * The simulator's physics, as pure functions of (machine, now): a transition started at t settles into
 * its target state after the transition time, the way a real instance goes pending -> running. Nothing
 * sleeps; reading the machine at a later `now` shows the settled state.
 */
import type { MachineState, ProviderMachine, ProviderSnapshot } from '../compute.js';
import { MachineStateError } from '../errors.js';
import { simSize } from './catalog.js';

export interface SimMachine {
  externalId: string;
  name: string;
  region: string;
  location: string;
  size: string;
  image: string;
  state: MachineState;
  /** Where a transition in progress ends, and when. */
  target?: MachineState;
  settlesAt?: Date;
  publicIps: string[];
  privateIps: string[];
  tags: Record<string, string>;
  launchedAt: Date;
  createdAt: Date;
  /** Terminated machines disappear from listings after a while, as on EC2. */
  terminatedAt?: Date;
  snapshots: ProviderSnapshot[];
  /** Set when the machine was created in a subnet of a simulated network. */
  vpcId?: string;
  subnetId?: string;
}

export const TERMINATED_VISIBLE_MS = 60 * 60 * 1000;

export function settle(machine: SimMachine, now: Date): SimMachine {
  if (!machine.target || !machine.settlesAt || machine.settlesAt > now) return machine;
  const settled: SimMachine = { ...machine, state: machine.target };
  delete settled.target;
  delete settled.settlesAt;
  if (settled.state === 'running' && machine.state === 'pending') settled.launchedAt = machine.settlesAt;
  return settled;
}

export function isVisible(machine: SimMachine, now: Date): boolean {
  return !machine.terminatedAt || now.getTime() - machine.terminatedAt.getTime() < TERMINATED_VISIBLE_MS;
}

function transition(m: SimMachine, via: MachineState, to: MachineState, now: Date, ms: number): SimMachine {
  return { ...m, state: via, target: to, settlesAt: new Date(now.getTime() + ms) };
}

function refuse(m: SimMachine, action: string): never {
  throw new MachineStateError(`Cannot ${action} machine ${m.externalId}: it is ${m.state}`);
}

export type SimAction = 'start' | 'stop' | 'reboot' | 'destroy';

/** Like EC2: starting a running machine (or stopping a stopped one) is a harmless no-op. */
export function applyAction(m: SimMachine, action: SimAction, now: Date, transitionMs: number): SimMachine {
  if (m.state === 'terminated' && action !== 'destroy') refuse(m, action);
  switch (action) {
    case 'start':
      if (m.state === 'running' || m.state === 'pending') return m;
      if (m.state !== 'stopped') refuse(m, action);
      return transition(m, 'pending', 'running', now, transitionMs);
    case 'stop':
      if (m.state === 'stopped' || m.state === 'stopping') return m;
      if (m.state !== 'running') refuse(m, action);
      return transition(m, 'stopping', 'stopped', now, transitionMs);
    case 'reboot':
      if (m.state !== 'running') refuse(m, action);
      return transition(m, 'rebooting', 'running', now, transitionMs);
    case 'destroy':
      if (m.state === 'terminated') return m;
      return { ...transition(m, 'stopping', 'terminated', now, transitionMs), terminatedAt: now };
  }
}

export function toProviderMachine(m: SimMachine): ProviderMachine {
  return {
    externalId: m.externalId,
    name: m.name,
    state: m.state,
    region: m.region,
    location: m.location,
    size: m.size,
    image: m.image,
    publicIps: m.state === 'running' ? m.publicIps : [],
    privateIps: m.privateIps,
    tags: m.tags,
    launchedAt: m.launchedAt,
    ...(simSize(m.size)?.hourlyPrice !== undefined
      ? {
          hourlyCost: simSize(m.size)!.hourlyPrice,
          price: { currency: 'USD', source: 'sim-catalog', reason: null },
        }
      : {}),
    extra: {
      simulated: true,
      ...(m.vpcId ? { vpcId: m.vpcId } : {}),
      ...(m.subnetId ? { subnetId: m.subnetId } : {}),
    },
  };
}
