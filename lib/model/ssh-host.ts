/** Registering a bring-your-own host in an `ssh` cloud: by address, with optional port, user and key. */
import { z } from 'zod';
import { Name } from './common.js';
import { KeyId, SshPort, SshUser } from './key.js';

/** A hostname or an IP address; no scheme, no port, no spaces. */
const Address = z
  .string()
  .min(1)
  .max(253)
  .regex(
    /^(\[[0-9a-fA-F:.]+\]|[0-9a-fA-F:]+:[0-9a-fA-F:.]*|[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?)$/,
    'must be a hostname or an IP address',
  )
  .describe('Hostname or IP address the host is reached at');

export const RegisterHostBody = z
  .strictObject({
    address: Address,
    port: SshPort.default(22),
    user: SshUser.default('root'),
    keyId: KeyId.optional().describe(
      "The key to log in with (default: the machine's associations, then the org's default key)",
    ),
    name: Name.optional().describe('Default: the address'),
  })
  .meta({ id: 'RegisterHostRequest' });
export type RegisterHostBody = z.infer<typeof RegisterHostBody>;

/** At most this many hosts per ssh cloud: they live in the cloud document. */
export const MAX_HOSTS_PER_CLOUD = 2_000;
