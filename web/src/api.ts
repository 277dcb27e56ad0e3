/**
 * The public API, as the dashboard calls it: same origin, `Authorization: Bearer` from sessionStorage
 * (never a URL, never localStorage, never logged). A 401 forgets the token and returns to sign-in; any
 * other failure becomes an ApiProblem carrying the problem+json title and detail.
 */
const TOKEN_KEY = 'nimbo.token';

export const session = {
  token: (): string | null => sessionStorage.getItem(TOKEN_KEY),
  signIn: (token: string) => sessionStorage.setItem(TOKEN_KEY, token),
  signOut: () => sessionStorage.removeItem(TOKEN_KEY),
};

export class ApiProblem extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail: string,
  ) {
    super(detail ? `${title}: ${detail}` : title);
  }
}

type Listener = () => void;
const unauthorizedListeners = new Set<Listener>();
export function onUnauthorized(listener: Listener): () => void {
  unauthorizedListeners.add(listener);
  return () => unauthorizedListeners.delete(listener);
}

export async function api<T = unknown>(
  method: string,
  path: string,
  body?: unknown,
  token?: string,
): Promise<T> {
  const bearer = token ?? session.token();
  const headers: Record<string, string> = { accept: 'application/json' };
  if (bearer) headers.authorization = `Bearer ${bearer}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers,
      credentials: 'omit',
      cache: 'no-store',
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
  } catch {
    throw new ApiProblem(
      0,
      'Nimbo cannot be reached',
      'The request did not get an answer: check the connection.',
    );
  }
  const text = await res.text();
  let data: unknown;
  try {
    data = text ? JSON.parse(text) : undefined;
  } catch {
    data = undefined;
  }
  if (res.status === 401) {
    if (!token) {
      session.signOut();
      for (const l of unauthorizedListeners) l();
    }
    const p = (data ?? {}) as { title?: string; detail?: string };
    throw new ApiProblem(401, p.title ?? 'Unauthorized', p.detail ?? 'The token was refused.');
  }
  if (!res.ok) {
    const p = (data ?? {}) as { title?: string; detail?: string; message?: string };
    throw new ApiProblem(
      res.status,
      p.title ?? `Request failed (${res.status})`,
      p.detail ?? p.message ?? '',
    );
  }
  return data as T;
}

export const get = <T>(path: string) => api<T>('GET', path);
export const post = <T>(path: string, body?: unknown) => api<T>('POST', path, body);

/** A query string from the set values only. */
export function qs(params: Record<string, string | number | undefined | null>): string {
  const s = new URLSearchParams();
  for (const [k, v] of Object.entries(params))
    if (v !== undefined && v !== null && v !== '') s.set(k, String(v));
  const text = s.toString();
  return text ? `?${text}` : '';
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface Job {
  id: string;
  type: string;
  status: 'queued' | 'running' | 'succeeded' | 'failed';
  resource: { type: string; id: string };
  input: Record<string, unknown>;
  result: Record<string, unknown> | null;
  error: { code: string; message: string } | null;
  attempts: number;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

export interface Machine {
  id: string;
  cloudId: string;
  provider: string;
  externalId: string;
  name: string;
  state: string;
  region: string;
  location: string | null;
  size: string | null;
  image: string | null;
  publicIps: string[];
  privateIps: string[];
  tags: Record<string, string>;
  launchedAt: string | null;
  hourlyCost: number | null;
  actions: Record<string, boolean>;
  firstSeenAt: string;
  lastSeenAt: string;
  missingSince: string | null;
  unreachableSince: string | null;
  network?: { id: string; name: string } | null;
  subnet?: { id: string; name: string } | null;
}

export interface Cloud {
  id: string;
  name: string;
  provider: string;
  providerLabel: string;
  simulated: boolean;
  enabled: boolean;
  regions?: string[];
  [k: string]: unknown;
}

export interface AuditEvent {
  id: string;
  time: string;
  actor: { type: string; id: string; name: string };
  action: string;
  resource: { type: string; id: string; name?: string };
  result: 'success' | 'failure';
  error?: { code: string; message: string };
  jobId?: string;
}

/** Jobs this tab started, newest first: GET /v1/jobs/{id} follows each (the API lists no jobs). */
export const recentJobs: { id: string; label: string }[] = [];
export function rememberJob(id: string, label: string) {
  recentJobs.unshift({ id, label });
  recentJobs.splice(50);
}

/** Follows a job until it finishes (or `timeoutMs` passes), polling GET /v1/jobs/{id}. */
export async function followJob(
  id: string,
  onUpdate?: (job: Job) => void,
  timeoutMs = 120_000,
): Promise<Job> {
  const until = Date.now() + timeoutMs;
  let delay = 250;
  for (;;) {
    const job = await get<Job>(`/v1/jobs/${id}`);
    onUpdate?.(job);
    if (job.status === 'succeeded' || job.status === 'failed' || Date.now() > until) return job;
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(delay * 1.5, 2000);
  }
}
