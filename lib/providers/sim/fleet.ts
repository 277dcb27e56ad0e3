/** A deterministic initial fleet for a simulated cloud: same seed, same machines. */
import { SIM_IMAGES, SIM_LOCATIONS, SIM_SIZES } from './catalog.js';
import type { SimMachine } from './world.js';

/** mulberry32: small, fast, good enough to vary a demo fleet. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ROLES = ['web', 'api', 'db', 'cache', 'worker', 'batch'];
const ENVS = ['prod', 'staging', 'dev'];
const TEAMS = ['core', 'data', 'payments', 'platform'];

export function generateFleet(count: number, seed: number, now: Date): SimMachine[] {
  const random = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
  const machines: SimMachine[] = [];
  for (let i = 0; i < count; i++) {
    const location = pick(SIM_LOCATIONS);
    const role = pick(ROLES);
    const env = pick(ENVS);
    const name = `${role}-${env}-${String(i + 1).padStart(4, '0')}`;
    const stopped = random() < 0.15;
    const ageMs = Math.floor(random() * 90 * 86_400_000);
    const created = new Date(now.getTime() - ageMs);
    machines.push({
      externalId: `sim-${seed.toString(16)}-${i.toString(16).padStart(6, '0')}`,
      name,
      region: location.region,
      location: location.id,
      size: pick(SIM_SIZES).id,
      image: pick(SIM_IMAGES.filter((im) => im.region === location.region)).id,
      state: stopped ? 'stopped' : 'running',
      publicIps: [`203.0.113.${(i % 254) + 1}`],
      privateIps: [`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`],
      tags: { Name: name, env, team: pick(TEAMS), role },
      launchedAt: created,
      createdAt: created,
      snapshots: [],
    });
  }
  return machines;
}
