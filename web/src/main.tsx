/**
 * The Nimbo dashboard: sign in with a token (kept in sessionStorage only), then hash-routed pages
 * (#/machines, #/machines/<id>, ...) over the public API. Hash routes need no server fallback, and
 * nothing secret ever lands in a URL.
 */
import './app.css';
import { render } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, onUnauthorized, session } from './api';
import { AuditPage } from './pages/audit';
import { CloudsPage } from './pages/clouds';
import { DnsPage, NetworksPage } from './pages/dns-networks';
import { JobsPage } from './pages/jobs';
import { KeysPage, TokensPage } from './pages/keys-tokens';
import { MachinePage } from './pages/machine';
import { MachinesPage } from './pages/machines';
import { SchedulesPage } from './pages/schedules';
import { ScriptsPage } from './pages/scripts';
import { Field, ProblemBox } from './ui';

const NAV: [string, string][] = [
  ['#/machines', 'Machines'],
  ['#/jobs', 'Jobs'],
  ['#/schedules', 'Schedules'],
  ['#/scripts', 'Scripts'],
  ['#/keys', 'Keys'],
  ['#/dns', 'DNS'],
  ['#/networks', 'Networks'],
  ['#/clouds', 'Clouds'],
  ['#/audit', 'Audit log'],
  ['#/tokens', 'Tokens'],
];

function useHash(): string {
  const [hash, setHash] = useState(location.hash || '#/machines');
  useEffect(() => {
    const on = () => setHash(location.hash || '#/machines');
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return hash;
}

function SignIn({ onSignedIn, reason }: { onSignedIn: () => void; reason?: string }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  async function submit(e: Event) {
    e.preventDefault();
    const t = token.trim();
    if (!t) return;
    setBusy(true);
    setError(undefined);
    try {
      // Any viewer route tells whether the token is good.
      await api('GET', '/v1/clouds?limit=1', undefined, t);
      session.signIn(t);
      setToken('');
      onSignedIn();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }
  return (
    <main class="signin" id="main">
      <h1>Sign in to Nimbo</h1>
      {reason ? <p role="status">{reason}</p> : null}
      <form onSubmit={submit} autoComplete="off">
        <Field label="Token" hint="An API token (nimbo_…). It is kept for this tab only.">
          <input
            type="password"
            name="token"
            value={token}
            onInput={(e) => setToken(e.currentTarget.value)}
            required
            spellcheck={false}
            autoComplete="off"
          />
        </Field>
        <button type="submit" disabled={busy}>
          Sign in
        </button>
      </form>
      <ProblemBox error={error} />
    </main>
  );
}

function Route({ hash }: { hash: string }) {
  const [, section = 'machines', id] = hash.slice(1).split('/');
  switch (section) {
    case 'machines':
      return id ? <MachinePage id={decodeURIComponent(id)} /> : <MachinesPage />;
    case 'jobs':
      return <JobsPage />;
    case 'schedules':
      return <SchedulesPage />;
    case 'scripts':
      return <ScriptsPage />;
    case 'keys':
      return <KeysPage />;
    case 'dns':
      return <DnsPage />;
    case 'networks':
      return <NetworksPage />;
    case 'clouds':
      return <CloudsPage />;
    case 'audit':
      return <AuditPage />;
    case 'tokens':
      return <TokensPage />;
    default:
      return (
        <>
          <h1>Not found</h1>
          <p>
            No page here: go to <a href="#/machines">Machines</a>.
          </p>
        </>
      );
  }
}

function App() {
  const [signedIn, setSignedIn] = useState(Boolean(session.token()));
  const [reason, setReason] = useState<string>();
  const hash = useHash();
  const main = useRef<HTMLElement>(null);
  useEffect(
    () =>
      onUnauthorized(() => {
        setReason('Your token was refused (expired or revoked): sign in again.');
        setSignedIn(false);
      }),
    [],
  );
  // A new page moves the focus to its content, as a page load would.
  useEffect(() => {
    main.current?.focus();
  }, [hash.split('/')[1], hash.split('/')[2]]);
  if (!signedIn) return <SignIn reason={reason} onSignedIn={() => setSignedIn(true)} />;
  const section = `#/${hash.slice(2).split('/')[0] ?? ''}`;
  return (
    <>
      <button type="button" class="skip" onClick={() => main.current?.focus()}>
        Skip to content
      </button>
      <header>
        <span class="brand">Nimbo</span>
        <nav aria-label="Main">
          <ul>
            {NAV.map(([href, label]) => (
              <li key={href}>
                <a href={href} aria-current={section === href ? 'page' : undefined}>
                  {label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <button
          type="button"
          class="signout"
          onClick={() => {
            session.signOut();
            setReason('Signed out.');
            setSignedIn(false);
          }}
        >
          Sign out
        </button>
      </header>
      <main id="main" ref={main} tabIndex={-1}>
        <Route hash={hash} />
      </main>
    </>
  );
}

render(<App />, document.getElementById('app')!);
