/**
 * The compute capability, one interface for every provider (as libcloud does): the same method names and
 * shapes whatever the cloud, so services never branch on the provider. A driver talks to its cloud only:
 * it never touches Nimbo's database.
 */
export const MACHINE_STATES = [
  'pending',
  'running',
  'stopping',
  'stopped',
  'rebooting',
  'terminated',
  'error',
  'unknown',
] as const;
export type MachineState = (typeof MACHINE_STATES)[number];

export interface MachineRef {
  externalId: string;
  /** Region (or zone) the machine lives in: drivers of multi-region clouds need it for every call. */
  region: string;
}

export interface ProviderMachine {
  externalId: string;
  name: string;
  state: MachineState;
  region: string;
  location?: string;
  size?: string;
  image?: string;
  publicIps: string[];
  privateIps: string[];
  tags: Record<string, string>;
  /** The provider's launch time: it resets on every start for some providers, so conditions use our firstSeenAt. */
  launchedAt?: Date;
  hourlyCost?: number;
  /** Where hourlyCost comes from (its currency and source), or why it is unknown. */
  price?: MachinePrice;
  extra?: Record<string, string | number | boolean | null>;
}

/** What a machine's hourlyCost is in and where it comes from; with a null hourlyCost, why it is unknown. */
export interface MachinePrice {
  /** ISO 4217 (USD, EUR); null when the price is unknown. */
  currency: string | null;
  /** Where the price comes from (e.g. "aws-price-list", "digitalocean-api"); null when unknown. */
  source: string | null;
  /** Why the price is unknown; null when it is known. */
  reason: string | null;
}

export interface ProviderImage {
  id: string;
  name: string;
  region: string;
  os?: string;
}

export interface ProviderSize {
  id: string;
  name: string;
  cpus: number;
  memoryMiB: number;
  /** Per hour in `currency`: in the cloud's first region where prices differ by region. */
  hourlyPrice?: number;
  /** What a whole month costs at most: DigitalOcean and Hetzner bill by the hour, capped at this. */
  monthlyPrice?: number;
  /** ISO 4217 code of the prices; absent means USD. Hetzner's are EUR without VAT. */
  currency?: string;
  /** Prices per region where they differ (Hetzner prices each server type per location). */
  regionPrices?: Record<string, { hourly: number; monthly: number }>;
}

export interface ProviderLocation {
  id: string;
  name: string;
  region: string;
}

export interface ProviderSnapshot {
  id: string;
  name: string;
  createdAt: Date;
  state: 'pending' | 'completed' | 'error';
}

export interface CreateMachineRequest {
  name: string;
  region: string;
  image: string;
  size: string;
  location?: string;
  subnetId?: string;
  keyName?: string;
  userData?: string;
  tags?: Record<string, string>;
}

/**
 * How hard a stop or reboot is. By default the guest is asked (an ACPI shutdown or reboot) where the
 * provider tells the two apart; `force` cuts the power instead (a power-off, a power cycle or reset).
 */
export interface PowerOptions {
  force?: boolean;
}

export interface ComputeDriver {
  /** Proves the credentials work (mist's check_connection), before a cloud is saved. */
  checkConnection(): Promise<void>;
  listMachines(): Promise<ProviderMachine[]>;
  listImages(): Promise<ProviderImage[]>;
  listSizes(): Promise<ProviderSize[]>;
  listLocations(): Promise<ProviderLocation[]>;
  startMachine(machine: MachineRef): Promise<void>;
  stopMachine(machine: MachineRef, options?: PowerOptions): Promise<void>;
  rebootMachine(machine: MachineRef, options?: PowerOptions): Promise<void>;
  destroyMachine(machine: MachineRef): Promise<void>;
  resizeMachine(machine: MachineRef, size: string): Promise<void>;
  renameMachine(machine: MachineRef, name: string): Promise<void>;
  createMachine(request: CreateMachineRequest): Promise<ProviderMachine>;
  listSnapshots(machine: MachineRef): Promise<ProviderSnapshot[]>;
  createSnapshot(machine: MachineRef, name: string): Promise<ProviderSnapshot>;
  deleteSnapshot(machine: MachineRef, snapshotId: string): Promise<void>;
  revertToSnapshot(machine: MachineRef, snapshotId: string): Promise<void>;
}
