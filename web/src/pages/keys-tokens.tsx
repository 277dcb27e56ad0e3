/** SSH keys (generate, list) and the owner's API tokens (create, shown once; revoke). */
import { useState } from 'preact/hooks';
import { api, post, qs } from '../api';
import { Confirm, Field, Pager, ProblemBox, Table, usePaged, when } from '../ui';

interface Key {
  id: string;
  name: string;
  fingerprint: string;
  isDefault: boolean;
  createdAt: string;
}
interface Token {
  id: string;
  name: string;
  role: string;
  createdAt: string;
  expiresAt?: string | null;
  lastUsedAt?: string | null;
}

export function KeysPage() {
  const page = usePaged<Key>((c) => `/v1/keys${qs({ limit: 50, cursor: c })}`, '');
  const [name, setName] = useState('');
  const [type, setType] = useState('ed25519');
  const [error, setError] = useState<unknown>();
  return (
    <>
      <h1>Keys</h1>
      <ProblemBox error={page.error} />
      <Table<Key>
        caption="SSH keys"
        rows={page.data?.items}
        rowKey={(k) => k.id}
        columns={[
          { title: 'Name', cell: (k) => k.name },
          { title: 'Fingerprint', cell: (k) => <code>{k.fingerprint}</code> },
          { title: 'Default', cell: (k) => (k.isDefault ? 'yes' : 'no') },
          { title: 'Created', cell: (k) => when(k.createdAt) },
        ]}
      />
      <Pager label="Keys" pageNumber={page.pageNumber} next={page.next} previous={page.previous} />
      <form
        aria-labelledby="new-key"
        class="row"
        onSubmit={async (e) => {
          e.preventDefault();
          setError(undefined);
          try {
            await post('/v1/keys', { name: name.trim(), type });
            setName('');
            void page.reload();
          } catch (err) {
            setError(err);
          }
        }}
      >
        <h2 id="new-key">Generate a key</h2>
        <Field label="Key name">
          <input value={name} onInput={(e) => setName(e.currentTarget.value)} required />
        </Field>
        <Field label="Key type">
          <select value={type} onChange={(e) => setType(e.currentTarget.value)}>
            <option value="ed25519">ed25519</option>
            <option value="rsa">rsa</option>
          </select>
        </Field>
        <button type="submit">Generate key</button>
      </form>
      <ProblemBox error={error} />
    </>
  );
}

export function TokensPage() {
  const page = usePaged<Token>((c) => `/v1/tokens${qs({ limit: 50, cursor: c })}`, '');
  const [name, setName] = useState('');
  const [role, setRole] = useState('viewer');
  const [secret, setSecret] = useState('');
  const [revoke, setRevoke] = useState<Token | null>(null);
  const [error, setError] = useState<unknown>();
  return (
    <>
      <h1>Tokens</h1>
      <ProblemBox error={page.error} />
      <Table<Token>
        caption="API tokens"
        rows={page.data?.items}
        rowKey={(t) => t.id}
        columns={[
          { title: 'Name', cell: (t) => t.name },
          { title: 'Role', cell: (t) => t.role },
          { title: 'Created', cell: (t) => when(t.createdAt) },
          { title: 'Expires', cell: (t) => when(t.expiresAt) },
          {
            title: 'Revoke',
            cell: (t) => (
              <button type="button" class="danger" onClick={() => setRevoke(t)}>
                Revoke {t.name}
              </button>
            ),
          },
        ]}
      />
      <Pager label="Tokens" pageNumber={page.pageNumber} next={page.next} previous={page.previous} />
      <form
        class="row"
        aria-labelledby="new-token"
        onSubmit={async (e) => {
          e.preventDefault();
          setError(undefined);
          try {
            const t = await post<{ token: string }>('/v1/tokens', { name: name.trim(), role });
            setSecret(t.token);
            setName('');
            void page.reload();
          } catch (err) {
            setError(err);
          }
        }}
      >
        <h2 id="new-token">New token</h2>
        <Field label="Token name">
          <input value={name} onInput={(e) => setName(e.currentTarget.value)} required />
        </Field>
        <Field label="Role">
          <select value={role} onChange={(e) => setRole(e.currentTarget.value)}>
            {['viewer', 'operator', 'admin', 'owner'].map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
        </Field>
        <button type="submit">Create token</button>
      </form>
      {secret ? (
        <div role="status" class="notice">
          <p>The new token, shown once (copy it now):</p>
          <Field label="New token value">
            <input readOnly value={secret} onFocus={(e) => e.currentTarget.select()} />
          </Field>
          <button type="button" onClick={() => setSecret('')}>
            Done
          </button>
        </div>
      ) : null}
      <ProblemBox error={error} />
      <Confirm
        open={Boolean(revoke)}
        title={`Revoke ${revoke?.name}?`}
        confirmLabel={`Revoke ${revoke?.name}`}
        onCancel={() => setRevoke(null)}
        onConfirm={async () => {
          const t = revoke!;
          setRevoke(null);
          try {
            await api('DELETE', `/v1/tokens/${t.id}`);
            void page.reload();
          } catch (err) {
            setError(err);
          }
        }}
      >
        <p>Anything using the token {revoke?.name} is refused from now on.</p>
      </Confirm>
    </>
  );
}
