/**
 * The dashboard in real Chromium against the local runtime: the path (sign in, filter, stop a
 * machine and see it stopped, open its audit), its failure paths (a refused token, a refused action, a
 * revoked token returning to sign-in), the security headers, and a smoke pass over every page. One
 * browser and one page for the whole file; screenshots go to artifacts/dashboard/.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type LocalRuntime, startLocalRuntime } from '../../local/runtime/runtime.js';
import { artifact, launchChromium } from '../helpers/browser.js';
import { uniqueDbName } from '../helpers/mongo.js';

describe('the dashboard, in Chromium', () => {
  let runtime: LocalRuntime;
  let browser: Browser;
  let page: Page;
  let token: string;
  let cloudId: string;
  const consoleLines: string[] = [];
  const requestedUrls: string[] = [];

  async function call(method: string, path: string, body?: unknown, bearer = token) {
    const res = await fetch(`${runtime.apiUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${bearer}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  }

  async function signIn(secret: string) {
    await page.getByLabel('Token').fill(secret);
    await page.getByRole('button', { name: 'Sign in' }).click();
  }

  const machinesTable = () => page.getByRole('table', { name: 'Machines' });

  beforeAll(async () => {
    const started = Date.now();
    [runtime, browser] = await Promise.all([
      startLocalRuntime({
        port: 0,
        mongoUri: inject('mongoUri'),
        dbName: uniqueDbName('dashboard'),
        tickPeriodMs: 3_600_000,
        queuePollIntervalMs: 20,
      }),
      launchChromium(),
    ]);
    token = runtime.bootstrap!.token;
    // A cloud whose transitions settle at once, so that a stop is seen stopped without sleeping.
    const created = await call('POST', '/v1/clouds', {
      provider: 'sim',
      name: 'instant',
      settings: { machines: 4, seed: 7, transitionMs: 0 },
    });
    cloudId = created.body.cloud.id;
    await runtime.jobs.drain();
    page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
    page.on('console', (m) => consoleLines.push(m.text()));
    page.on('request', (r) => requestedUrls.push(r.url()));
    process.stdout.write(`dashboard test setup: ${Date.now() - started} ms\n`);
  });
  afterAll(async () => {
    await browser?.close();
    await runtime?.stop();
  });

  it('serves the page with a CSP that allows no inline script, and security headers', async () => {
    const res = await fetch(`${runtime.apiUrl}/`);
    expect(res.status).toBe(200);
    const csp = res.headers.get('content-security-policy')!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('unsafe-eval');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    const html = await res.text();
    // Every script has a src: nothing inline.
    expect(html.match(/<script\b[^>]*>/g)).toEqual([expect.stringMatching(/ src="\/assets\/main-\w+\.js"/)]);
    expect(html).not.toMatch(/<script[^>]*>[^<]+<\/script>/);
    expect(html).not.toMatch(/ style=| on\w+=/);
  });

  it('refuses a wrong token on the sign-in page, saying why', async () => {
    await page.goto(`${runtime.apiUrl}/`);
    await signIn('nimbo_not-a-real-token');
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/Unauthorized/i);
    expect(await page.getByRole('button', { name: 'Sign in' }).isVisible()).toBe(true);
  });

  it('signs in with the token, keeping it in sessionStorage only, and lists the machines', async () => {
    await signIn(token);
    await machinesTable().getByRole('link').first().waitFor();
    expect(await page.evaluate(() => sessionStorage.getItem('nimbo.token'))).toBe(token);
    expect(await page.evaluate(() => Object.keys(localStorage))).toEqual([]);
    expect(page.url()).not.toContain(token);
    await page.screenshot({ path: artifact('01-machines.png') });
  });

  it('filters on the server by cloud and state', async () => {
    await page.getByLabel('Cloud').selectOption({ label: 'instant' });
    await page.getByLabel('State').selectOption('running');
    await expect.poll(() => machinesTable().locator('tbody tr').count()).toBeLessThanOrEqual(4);
    const states = await machinesTable().locator('tbody tr td:nth-child(3)').allTextContents();
    expect(states.length).toBeGreaterThan(0);
    expect(new Set(states)).toEqual(new Set(['running']));
    expect(requestedUrls.some((u) => u.includes(`cloud=${cloudId}`) && u.includes('state=running'))).toBe(
      true,
    );
    await page.screenshot({ path: artifact('02-filtered.png') });
  });

  it('shows a refused action by its problem title and detail, never a stack trace', async () => {
    // Starting a running machine: the API answers 422 and the page says so.
    await machinesTable().getByRole('checkbox').first().check();
    await page.getByRole('button', { name: 'Start selected' }).click();
    const status = page.getByRole('status').filter({ hasText: 'refused' });
    await expect.poll(() => status.textContent()).toMatch(/start: 0 queued, 1 refused/);
    const text = (await status.textContent())!;
    expect(text).toMatch(/Cannot start machine .+: it is running/);
    expect(text).not.toMatch(/\bat \w+ \(|Error:/);
  });

  it('stops a machine from its page, sees it stopped, and finds the stop in its audit trail', async () => {
    const link = machinesTable().getByRole('link').first();
    const name = (await link.textContent())!;
    await link.click();
    await page.getByRole('heading', { level: 1, name: new RegExp(name) }).waitFor();
    await page.getByRole('button', { name: 'Stop', exact: true }).click();
    await expect
      .poll(() => page.getByTestId('machine-state').textContent(), { timeout: 15_000 })
      .toBe('stopped');
    const trail = page.getByRole('table', { name: 'Audit trail of this machine' });
    await expect
      .poll(() => trail.locator('tbody').textContent(), { timeout: 10_000 })
      .toMatch(/machine\.stop/);
    await page.screenshot({ path: artifact('03-machine-stopped.png'), fullPage: true });
  });

  it('asks before destroying, naming the machine', async () => {
    const name = (await page.getByRole('heading', { level: 1 }).textContent())!.replace(/\s*stopped$/, '');
    await page.getByRole('button', { name: 'Destroy', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: `Destroy ${name}?` });
    await dialog.waitFor();
    expect(await dialog.getByRole('button', { name: `Destroy ${name}` }).isVisible()).toBe(true);
    await page.keyboard.press('Escape');
    await expect.poll(() => dialog.isVisible()).toBe(false);
  });

  it('renders every page with its table or form, reachable from the main navigation', async () => {
    await call('POST', '/v1/scripts', {
      name: 'uptime',
      kind: 'executable',
      source: { type: 'inline', content: '#!/bin/sh\nuptime\n' },
    });
    await call('POST', '/v1/keys', { name: 'deploy' });
    const pages: [string, string, string][] = [
      ['Jobs', 'table', 'Jobs'],
      ['Schedules', 'button', 'Preview conditions'],
      ['Scripts', 'button', 'uptime'],
      ['Keys', 'cell', 'deploy'],
      ['DNS', 'table', 'Zones'],
      ['Networks', 'table', 'Networks'],
      ['Clouds', 'cell', 'instant'],
      ['Audit log', 'cell', 'machine.stop'],
      ['Tokens', 'table', 'API tokens'],
    ];
    const nav = page.getByRole('navigation', { name: 'Main' });
    for (const [link, role, name] of pages) {
      await nav.getByRole('link', { name: link, exact: true }).click();
      await page.getByRole('heading', { level: 1, name: link }).waitFor();
      await page
        .getByRole(role as 'table', { name, exact: true })
        .first()
        .waitFor({ timeout: 5_000 });
    }
    // The jobs page lists the org's jobs, the stop among them.
    await nav.getByRole('link', { name: 'Jobs', exact: true }).click();
    await page.getByRole('cell', { name: 'succeeded' }).first().waitFor();
  });

  it('previews conditions before a schedule is saved, then dry-runs it', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Schedules' }).click();
    await page
      .getByLabel('Conditions (JSON)')
      .fill(JSON.stringify({ field: 'cloud', op: 'eq', value: cloudId }));
    await page.getByRole('button', { name: 'Preview conditions' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: /4 machines match/ })
      .waitFor();
    await page.getByLabel('Schedule name').fill('nightly stop');
    await page.getByRole('button', { name: 'Create schedule' }).click();
    await page.getByRole('button', { name: 'Dry run nightly stop' }).click();
    await page.getByRole('heading', { name: 'Dry run of nightly stop' }).waitFor();
    await page.screenshot({ path: artifact('04-schedules.png'), fullPage: true });
  });

  it('fits a phone width', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Machines' }).click();
    await machinesTable().waitFor();
    await page.screenshot({ path: artifact('05-phone.png'), fullPage: true });
    // The page itself does not scroll sideways (a wide table scrolls in its own box).
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    await page.setViewportSize({ width: 1366, height: 768 });
  });

  it('returns to sign-in when the token is revoked, and never logged or put the token in a URL', async () => {
    const temp = await call('POST', '/v1/tokens', { name: 'temporary', role: 'operator' });
    await page.getByRole('button', { name: 'Sign out' }).click();
    await signIn(temp.body.token);
    await machinesTable().waitFor();
    expect((await call('DELETE', `/v1/tokens/${temp.body.id}`)).status).toBe(200);
    // The next refresh of the list is refused: back to sign-in, the token forgotten.
    await page.getByRole('button', { name: 'Sign in' }).waitFor({ timeout: 10_000 });
    expect(await page.getByRole('status').textContent()).toMatch(/refused/);
    expect(await page.evaluate(() => sessionStorage.getItem('nimbo.token'))).toBeNull();
    for (const secret of [token, temp.body.token]) {
      expect(consoleLines.filter((l) => l.includes(secret))).toEqual([]);
      expect(requestedUrls.filter((u) => u.includes(secret))).toEqual([]);
    }
  });

  it('works from the keyboard alone: sign in, then open a machine from the list', async () => {
    /** Presses Tab until the focused element satisfies `is` (at most `max` presses). */
    async function tabTo(is: string, max: number) {
      for (let n = 0; n < max; n++) {
        await page.keyboard.press('Tab');
        if (await page.evaluate(is)) return;
      }
      throw new Error(`no focus reached ${is} in ${max} presses of Tab`);
    }
    await page.goto(runtime.apiUrl + '/');
    await tabTo(
      "document.activeElement?.closest('label')?.querySelector('span')?.textContent === 'Token'",
      10,
    );
    await page.keyboard.type(token);
    await page.keyboard.press('Enter');
    await machinesTable().waitFor();
    await tabTo("(document.activeElement?.getAttribute('href') ?? '').startsWith('#/machines/mch_')", 80);
    const name = await page.evaluate('document.activeElement.textContent');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: String(name) }).waitFor();
    expect(await page.getByRole('button', { name: 'Destroy' }).isVisible()).toBe(true);
  });
});
