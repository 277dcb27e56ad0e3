/**
 * Fetching a script's source from its https URL at run time: https only (also after redirects), a time
 * limit, and a size limit enforced while reading, so a huge or endless answer costs at most the limit.
 */
import { UnprocessableError } from '../errors.js';
import { MAX_SCRIPT_BYTES } from '../model/script.js';

const FETCH_TIMEOUT_MS = 10_000;

export async function fetchScriptSource(url: string, maxBytes = MAX_SCRIPT_BYTES): Promise<string> {
  if (!url.startsWith('https://')) throw new UnprocessableError('Script URLs must use https');
  let res: Response;
  try {
    res = await fetch(url, { redirect: 'follow', signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    throw new UnprocessableError(
      `Could not fetch the script from ${url}: ${cause?.code ?? cause?.message ?? (err as Error).message}`,
      { cause: err },
    );
  }
  if (!res.url.startsWith('https://')) {
    await res.body?.cancel();
    throw new UnprocessableError(`The script URL redirected to a non-https address (${res.url})`);
  }
  if (!res.ok) {
    await res.body?.cancel();
    throw new UnprocessableError(`Could not fetch the script from ${url}: HTTP ${res.status}`);
  }
  const declared = Number(res.headers.get('content-length') ?? 0);
  if (declared > maxBytes) {
    await res.body?.cancel();
    throw new UnprocessableError(`The script at ${url} is ${declared} bytes: the limit is ${maxBytes}`);
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = res.body!.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > maxBytes) {
      await reader.cancel();
      throw new UnprocessableError(`The script at ${url} is over the ${maxBytes}-byte limit`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}
