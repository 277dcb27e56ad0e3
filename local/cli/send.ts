/**
 * `npm run send -- <file.json>`: puts a command on the running local runtime's commands queue (what
 * another system does with SQS SendMessage when Nimbo is deployed). The file holds one command, or a
 * list of commands sent one message each.
 *
 *   --token <token>   the Authorization attribute (default: $NIMBO_TOKEN)
 *   --url <url>       the local runtime (default: $NIMBO_URL or http://127.0.0.1:8787)
 */
import { readFileSync } from 'node:fs';

const USAGE = 'usage: npm run send -- <file.json> [--token <token>] [--url http://127.0.0.1:8787]';

interface Options {
  file: string;
  token: string | undefined;
  url: string;
}

function parseArgs(argv: string[], env: NodeJS.ProcessEnv): Options | string {
  let file: string | undefined;
  let token = env.NIMBO_TOKEN;
  let url = env.NIMBO_URL ?? 'http://127.0.0.1:8787';
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--token' || arg === '--url') {
      const value = argv[++i];
      if (!value) return `${arg} needs a value`;
      if (arg === '--token') token = value;
      else url = value;
    } else if (!file && !arg.startsWith('--')) file = arg;
    else return `unexpected argument: ${arg}`;
  }
  return file ? { file, token, url } : 'give the command file';
}

async function main(argv: string[]): Promise<number> {
  const opts = parseArgs(argv, process.env);
  if (typeof opts === 'string') {
    process.stderr.write(`${opts}\n${USAGE}\n`);
    return 2;
  }
  let commands: unknown[];
  try {
    const parsed = JSON.parse(readFileSync(opts.file, 'utf8')) as unknown;
    commands = Array.isArray(parsed) ? parsed : [parsed];
  } catch (err) {
    process.stderr.write(`Cannot read ${opts.file} as JSON: ${(err as Error).message}\n`);
    return 2;
  }
  if (!opts.token) {
    process.stderr.write('No token: pass --token <token> or set NIMBO_TOKEN (npm start printed one).\n');
  }
  for (const command of commands) {
    let res: Response;
    try {
      res = await fetch(new URL('/_local/queues/commands', opts.url), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          MessageBody: JSON.stringify(command),
          MessageAttributes: opts.token ? { Authorization: `Bearer ${opts.token}` } : {},
        }),
      });
    } catch {
      process.stderr.write(`Nothing answers at ${opts.url}: is \`npm start\` running?\n`);
      return 1;
    }
    const answer = (await res.json().catch(() => ({}))) as { MessageId?: string; message?: string };
    if (!res.ok) {
      process.stderr.write(`The local runtime refused the message: ${answer.message ?? res.status}\n`);
      return 1;
    }
    const requestId = (command as { requestId?: unknown })?.requestId;
    process.stdout.write(
      `sent message ${answer.MessageId}` +
        (typeof requestId === 'string' ? ` (requestId ${requestId}: GET /v1/commands/${requestId})` : '') +
        '\n',
    );
  }
  return 0;
}

main(process.argv.slice(2)).then((code) => process.exit(code));
