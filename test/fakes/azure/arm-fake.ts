/**
 * A fake of Azure Resource Manager and of the identity platform's token endpoint, for the Azure driver's
 * tests: an HTTPS server on 127.0.0.1 (the SDK refuses bearer tokens over plain http, and MSAL refuses
 * http authorities) with a self-signed certificate made by openssl for each fake. Paths, bodies and
 * api-versions follow Azure's REST specs (Microsoft.Compute virtualMachine.json, snapshot.json);
 * state lives in memory. Long-running operations answer 202 with Azure-AsyncOperation and Location,
 * polled InProgress once, then Succeeded, when the state change is applied.
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FakeZone } from './arm-dns-routes.js';
import type { FakeVnet } from './arm-network-routes.js';
import { armRoute, type Route } from './arm-routes.js';
import { identityRoute } from './identity-routes.js';

/** The fake tenant's service principal: the one secret the token endpoint takes. */
export { CLIENT, SECRET, TENANT } from './identity-routes.js';

export const SUBSCRIPTION = '33333333-3333-4333-8333-333333333333';

export type Power = 'running' | 'starting' | 'stopping' | 'stopped' | 'deallocating' | 'deallocated';

export interface FakeVm {
  id: string;
  name: string;
  resourceGroup: string;
  location: string;
  size: string;
  power: Power;
  provisioning: string;
  tags: Record<string, string>;
  osDiskId: string;
  created: string;
  restarts: number;
  /** Addresses of the VM's NIC (and its public IP resource), served by the Microsoft.Network listings. */
  privateIp?: string;
  publicIp?: string;
  /** The subnet (ARM id) the VM's NIC is in, as the NIC listing shows it. */
  subnetId?: string;
}

export interface FakeSnapshot {
  id: string;
  name: string;
  resourceGroup: string;
  location: string;
  tags: Record<string, string>;
  sourceResourceId: string;
  provisioning: string;
  created: string;
}

export interface Fault {
  status: number;
  code: string;
  message: string;
  retryAfter?: string;
  /** Only requests whose method + path match; every ARM request (never the token endpoint) otherwise. */
  match?: RegExp;
  /** Matching requests let through before the fault starts (a failing second page). */
  skip?: number;
  /** Never answer (a stuck connection): the client's timeout must fire. */
  hang?: boolean;
  remaining: number;
}

interface Operation {
  polls: number;
  apply: () => void;
  result?: () => unknown;
  done: boolean;
  /** The operation ends Failed with this ARM error, and its change is not applied. */
  failure?: { code: string; message: string };
  /** Undoes what the request did at once (a transitional power state) when the operation fails. */
  rollback?: () => void;
}

export interface Seen {
  method: string;
  path: string;
  status: number;
}

/** A self-signed certificate for 127.0.0.1, valid one day, in a temporary directory removed at once. */
function selfSignedCert(): { key: string; cert: string } {
  const dir = mkdtempSync(join(tmpdir(), 'arm-fake-'));
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
      ],
      { stdio: 'ignore' },
    );
    return {
      key: readFileSync(join(dir, 'key.pem'), 'utf8'),
      cert: readFileSync(join(dir, 'cert.pem'), 'utf8'),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
export class ArmFake {
  readonly vms = new Map<string, FakeVm>();
  /**
   * Retry-After (seconds) on a running operation's polls. Through the API the driver polls every 5 s
   * unless told otherwise, so API tests set '1'; driver tests poll at once and leave it unset.
   */
  pollRetryAfter: string | undefined;
  readonly snapshots = new Map<string, FakeSnapshot>();
  /** Managed disks made from snapshots (a VM's original OS disk is implied by its osDiskId). */
  readonly disks = new Map<
    string,
    { id: string; name: string; location: string; source: string; provisioning: string }
  >();
  readonly resourceGroups = new Map<string, string>();
  /** Microsoft.Network virtual networks (with their subnets), by lowercase ARM id. */
  readonly vnets = new Map<string, FakeVnet>();
  /** Microsoft.Network DNS zones (with their record sets), by lowercase ARM id. */
  readonly zones = new Map<string, FakeZone>();
  readonly sizes = new Map<string, { name: string; numberOfCores: number; memoryInMB: number }[]>();
  readonly seen: Seen[] = [];
  readonly faults: Fault[] = [];
  readonly operations = new Map<string, Operation>();
  readonly tokens = new Set<string>();
  /** VMs per page of the subscription-wide listing: small, so tests cross pages. */
  pageSize = 2;
  readonly subscriptionPath = `/subscriptions/${SUBSCRIPTION}`;
  /** The next long-running operation started ends Failed with this error (AllocationFailed, ...). */
  failNextOperation?: { code: string; message: string };
  /** The body of the last VM PUT, for asserting what the driver asked for. */
  lastCreate?: Record<string, unknown>;
  url = '';
  ca = '';
  private server?: Server;

  static async start(): Promise<ArmFake> {
    const fake = new ArmFake();
    const { key, cert } = selfSignedCert();
    fake.ca = cert;
    fake.server = createServer({ key, cert }, (req, res) => {
      fake
        .handle(req, res)
        .catch((err) => fake.send(res, req, 500, { error: { code: 'InternalError', message: String(err) } }));
    });
    await new Promise<void>((resolve) => fake.server!.listen(0, '127.0.0.1', resolve));
    fake.url = `https://127.0.0.1:${(fake.server.address() as AddressInfo).port}`;
    return fake;
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server?.closeAllConnections();
      this.server?.close(() => resolve());
    });
  }

  vmId(resourceGroup: string, name: string): string {
    return `/subscriptions/${SUBSCRIPTION}/resourceGroups/${resourceGroup}/providers/Microsoft.Compute/virtualMachines/${name}`;
  }

  seedVm(v: Partial<FakeVm> & { resourceGroup: string; name: string; location: string }): FakeVm {
    const vm: FakeVm = {
      id: this.vmId(v.resourceGroup, v.name),
      size: 'Standard_B2s',
      power: 'running',
      provisioning: 'Succeeded',
      tags: {},
      osDiskId: `/subscriptions/${SUBSCRIPTION}/resourceGroups/${v.resourceGroup}/providers/Microsoft.Compute/disks/${v.name}_OsDisk_1`,
      created: '2026-11-20T08:00:00Z',
      restarts: 0,
      ...v,
    };
    this.resourceGroups.set(v.resourceGroup.toLowerCase(), v.location);
    this.vms.set(vm.id.toLowerCase(), vm);
    return vm;
  }

  /** The next `count` ARM requests (matching `match`) fail with this status and ARM error code. */
  inject(
    count: number,
    status: number,
    code: string,
    options: { message?: string; retryAfter?: string; match?: RegExp; skip?: number; hang?: boolean } = {},
  ) {
    this.faults.push({
      status,
      code,
      message: options.message ?? `injected ${code}`,
      remaining: count,
      ...options,
    });
  }

  /** Requests whose "METHOD path" matches. */
  count(re: RegExp): number {
    return this.seen.filter((s) => re.test(`${s.method} ${s.path}`)).length;
  }

  /**
   * A long-running operation: 202 with both headers; `apply` runs when a poll first finds it Succeeded.
   * The operation lives under the resource provider that started it (Microsoft.Compute, Microsoft.Network).
   */
  startOperation(
    res: ServerResponse,
    req: IncomingMessage,
    location: string,
    op: Omit<Operation, 'polls' | 'done'>,
    status = 202,
    body?: unknown,
    namespace = 'Microsoft.Compute',
  ) {
    const opId = randomUUID();
    const failure = this.failNextOperation;
    this.failNextOperation = undefined;
    this.operations.set(opId, { ...op, polls: 0, done: false, ...(failure ? { failure } : {}) });
    const base = `${this.url}/subscriptions/${SUBSCRIPTION}/providers/${namespace}/locations/${location}/operations/${opId}`;
    res.setHeader('Azure-AsyncOperation', `${base}?api-version=2026-04-01`);
    res.setHeader('Location', `${base}?monitor=true&api-version=2026-04-01`);
    res.setHeader('Retry-After', '0');
    this.send(res, req, status, body);
  }

  /** GET of an operation: InProgress on the first poll, then Succeeded (the change applied once). */
  pollOperation(res: ServerResponse, req: IncomingMessage, opId: string, monitor: boolean) {
    const op = this.operations.get(opId);
    if (!op) return this.error(res, req, 404, 'NotFound', `operation ${opId} not found`);
    op.polls += 1;
    if (!op.done && op.polls >= 2) {
      op.done = true;
      if (op.failure) {
        op.rollback?.();
        return this.send(res, req, 200, { name: opId, status: 'Failed', error: op.failure });
      }
      op.apply();
    }
    // ARM says when to poll again; the SDK then waits that long instead of its own interval.
    if (!op.done && this.pollRetryAfter) res.setHeader('Retry-After', this.pollRetryAfter);
    if (monitor)
      return op.done ? this.send(res, req, 200, op.result?.() ?? {}) : this.send(res, req, 202, undefined);
    return this.send(res, req, 200, {
      name: opId,
      status: op.done ? 'Succeeded' : 'InProgress',
      startTime: new Date().toISOString(),
    });
  }

  /**
   * One page of a listing, ARM's way: `{ value, nextLink }`, the link carrying a $skiptoken; items in
   * the order of their ids, so pages stay stable between requests.
   */
  sendPage<T extends { id: string }>(
    res: ServerResponse,
    req: IncomingMessage,
    query: URLSearchParams,
    items: Iterable<T>,
    json: (item: T) => unknown,
  ) {
    const all = [...items].sort((a, b) => a.id.localeCompare(b.id));
    const url = new URL(req.url ?? '/', this.url);
    const skip = Number(query.get('$skiptoken') ?? 0);
    const end = skip + this.pageSize;
    const next = end < all.length ? new URLSearchParams(query) : undefined;
    next?.set('$skiptoken', String(end));
    this.send(res, req, 200, {
      value: all.slice(skip, end).map(json),
      ...(next ? { nextLink: `${this.url}${url.pathname}?${next}` } : {}),
    });
  }

  /** ARM's 404 for a resource: ResourceNotFound in a group that exists, ResourceGroupNotFound otherwise. */
  notFound(res: ServerResponse, req: IncomingMessage, type: string, group: string, name: string) {
    if (this.requireGroup(res, req, group)) {
      this.error(
        res,
        req,
        404,
        'ResourceNotFound',
        `The Resource '${type}/${name}' under resource group '${group}' was not found.`,
      );
    }
  }

  /** Whether the resource group exists; when not, ARM's ResourceGroupNotFound has been answered. */
  requireGroup(res: ServerResponse, req: IncomingMessage, group: string): boolean {
    if (this.resourceGroups.has(group.toLowerCase())) return true;
    this.error(res, req, 404, 'ResourceGroupNotFound', `Resource group '${group}' could not be found.`);
    return false;
  }

  send(res: ServerResponse, req: IncomingMessage, status: number, body: unknown) {
    this.seen.push({ method: req.method ?? '', path: (req.url ?? '').split('?')[0]!, status });
    if (body === undefined) {
      res.writeHead(status).end();
      return;
    }
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  }

  /** ARM's error body: { error: { code, message } }. */
  error(
    res: ServerResponse,
    req: IncomingMessage,
    status: number,
    code: string,
    message: string,
    headers: Record<string, string> = {},
  ) {
    for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
    this.send(res, req, status, { error: { code, message } });
  }

  private async handle(req: IncomingMessage, res: ServerResponse) {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', this.url);
    const path = url.pathname;
    // The identity platform (identity-routes.ts) is never faulted: ARM requests are.
    const identity = identityRoute(this, req.method ?? 'GET', path, raw);
    if (identity) return identity(req, res);
    const fault = this.faults.find(
      (f) => f.remaining > 0 && (!f.match || f.match.test(`${req.method} ${path}`)),
    );
    if (fault?.skip) fault.skip -= 1;
    else if (fault) {
      fault.remaining -= 1;
      if (fault.hang) {
        this.seen.push({ method: req.method ?? '', path, status: 0 });
        return;
      }
      return this.error(
        res,
        req,
        fault.status,
        fault.code,
        fault.message,
        fault.retryAfter ? { 'Retry-After': fault.retryAfter } : {},
      );
    }
    const auth = req.headers.authorization ?? '';
    if (!auth.startsWith('Bearer ') || !this.tokens.has(auth.slice('Bearer '.length))) {
      return this.error(res, req, 401, 'InvalidAuthenticationToken', 'The access token is invalid.');
    }
    if (!url.searchParams.get('api-version')) {
      return this.error(
        res,
        req,
        400,
        'MissingApiVersionParameter',
        'The api-version query parameter (?api-version=) is required for all requests.',
      );
    }
    const body = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
    const route: Route | undefined = armRoute(this, req.method ?? 'GET', path, url.searchParams, body);
    if (!route) return this.error(res, req, 404, 'NotFound', `no route for ${req.method} ${path}`);
    return route(req, res);
  }
}
