/**
 * The `ssh` provider: bring-your-own hosts (mist's "Other server"). There is no cloud API: the inventory
 * is the list of hosts registered on the cloud (its settings), and the only action on the host itself is
 * a reboot over SSH. Connecting needs keys and host key pins, which live in Nimbo's database; the service
 * layer hands the driver a `run` function that does that, so the driver never touches the database.
 */
import { ProviderError, UnprocessableError } from '../../core/errors.js';
import type { SshExecResult } from '../../ssh/exec.js';
import type {
  ComputeDriver,
  MachineRef,
  ProviderImage,
  ProviderLocation,
  ProviderMachine,
  ProviderSize,
  ProviderSnapshot,
} from '../compute.js';

export interface SshHost {
  /** `<address>:<port>`: one registration per address and port in a cloud. */
  externalId: string;
  name: string;
  address: string;
  port: number;
  user: string;
  /** The key to log in with (else the machine's associations, else the org's default key). */
  keyId: string | null;
  addedAt: string;
}

export interface SshSettings {
  hosts: SshHost[];
}

export type SshRunner = (
  machine: MachineRef,
  command: string,
  options: { timeoutMs: number },
) => Promise<SshExecResult>;

/** Tried as is, then through sudo for a non-root login; a reboot that drops the connection is a success. */
export const REBOOT_COMMAND = 'if [ "$(id -u)" = 0 ]; then shutdown -r now; else sudo -n shutdown -r now; fi';
const REBOOT_TIMEOUT_MS = 30_000;

export function hostMachine(host: SshHost): ProviderMachine {
  return {
    externalId: host.externalId,
    name: host.name,
    // Nimbo does not know a host's power state until a probe says so.
    state: 'unknown',
    region: '',
    publicIps: [host.address],
    privateIps: [],
    tags: {},
    extra: { sshPort: host.port, sshUser: host.user, sshKeyId: host.keyId },
  };
}

function unsupported(what: string): never {
  throw new UnprocessableError(`${what} is not supported by the ssh provider (bring-your-own hosts)`);
}

export class SshComputeDriver implements ComputeDriver {
  constructor(
    private readonly settings: SshSettings,
    private readonly run: SshRunner,
  ) {}

  async checkConnection(): Promise<void> {
    // No account to check: each host is reached (and its key checked) when something runs on it.
  }

  async listMachines(): Promise<ProviderMachine[]> {
    return (this.settings.hosts ?? []).map(hostMachine);
  }

  async listImages(): Promise<ProviderImage[]> {
    return [];
  }

  async listSizes(): Promise<ProviderSize[]> {
    return [];
  }

  async listLocations(): Promise<ProviderLocation[]> {
    return [];
  }

  async rebootMachine(machine: MachineRef): Promise<void> {
    const r = await this.run(machine, REBOOT_COMMAND, { timeoutMs: REBOOT_TIMEOUT_MS });
    if (r.timedOut)
      throw new ProviderError(`The reboot command did not return within ${REBOOT_TIMEOUT_MS} ms`);
    // exitCode null without a timeout: the host went down under us, which is what a reboot does.
    if (r.exitCode !== null && r.exitCode !== 0) {
      throw new ProviderError(
        `The reboot command failed with exit code ${r.exitCode}: ${r.stderr.trim() || r.stdout.trim()}`,
      );
    }
  }

  startMachine(): Promise<void> {
    unsupported('start');
  }
  stopMachine(): Promise<void> {
    unsupported('stop');
  }
  destroyMachine(): Promise<void> {
    unsupported('destroy (use remove: it forgets the host)');
  }
  resizeMachine(): Promise<void> {
    unsupported('resize');
  }
  renameMachine(): Promise<void> {
    unsupported('rename');
  }
  createMachine(): Promise<ProviderMachine> {
    unsupported('creating machines');
  }
  listSnapshots(): Promise<ProviderSnapshot[]> {
    unsupported('snapshots');
  }
  createSnapshot(): Promise<ProviderSnapshot> {
    unsupported('snapshots');
  }
  deleteSnapshot(): Promise<void> {
    unsupported('snapshots');
  }
  revertToSnapshot(): Promise<void> {
    unsupported('snapshots');
  }
}
