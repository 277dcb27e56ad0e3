/**
 * `npm run nimbo -- <command>`: operator commands against whatever MONGODB_URI points at (a deployed
 * stack's Atlas cluster, or a local database).
 *
 *   org create <name>     create an org and print its first owner token (shown once)
 */

import { createOrg } from '../../lib/auth/orgs.js';
import { readConfig } from '../../lib/core/config.js';
import { NimboError } from '../../lib/core/errors.js';
import { closeMongo, getMongo } from '../../lib/db/client.js';
import { ensureIndexes } from '../../lib/db/collections.js';

const USAGE = 'usage: npm run nimbo -- org create <name>';

async function main(argv: string[]): Promise<number> {
  const [group, command, ...rest] = argv;
  if (group === 'org' && command === 'create' && rest.length === 1 && rest[0]) {
    const config = readConfig();
    if (!config.MONGODB_URI && !config.MONGODB_URI_SECRET_ARN) {
      process.stderr.write('Set MONGODB_URI to the database of the Nimbo deployment.\n');
      return 2;
    }
    const { db } = await getMongo(config);
    await ensureIndexes(db);
    const { org, token } = await createOrg({ db, now: () => new Date() }, { name: rest[0], creator: 'cli' });
    process.stdout.write(
      `Created org "${org.name}" (${org._id}).\nOwner token (shown once, keep it safe):\n\n  ${token}\n\n` +
        `Use it as: curl -H "Authorization: Bearer ${token}" <api url>/v1/...\n`,
    );
    return 0;
  }
  process.stderr.write(`${USAGE}\n`);
  return 2;
}

main(process.argv.slice(2))
  .then(async (code) => {
    await closeMongo();
    process.exit(code);
  })
  .catch(async (err: unknown) => {
    await closeMongo().catch(() => {});
    process.stderr.write(`nimbo: ${err instanceof NimboError ? err.message : (err as Error).message}\n`);
    process.exit(1);
  });
