// Credentials: a typed form per credential type (the types and their fields come from the
// OpenAPI document's credential schema). Secrets are write-only: the API never returns
// them and this page never shows what it sent.
import { useEffect, useMemo, useState, type FormEvent } from "react";
import { canEdit, del, get, message, post, type User } from "../api";

interface Credential {
  id: string;
  name: string;
  type: string;
  createdAt?: string;
  updatedAt?: string;
}

interface CredType {
  type: string;
  fields: Record<string, any>;
  required: string[];
}

const SECRET = /pass|secret|token|key|value|private|cert/i;
const isSecret = (name: string) => SECRET.test(name) && !/allowedDomains|allowUnauthorizedCerts|keyName/i.test(name);

async function credentialTypes(): Promise<CredType[]> {
  const doc = await get<any>("/openapi.json");
  const schema = doc?.paths?.["/api/v1/credentials"]?.post?.requestBody?.content?.["application/json"]?.schema ?? {};
  return (schema.oneOf ?? []).map((b: any) => {
    const data = b.properties?.data ?? {};
    return { type: b.title ?? b.properties?.type?.const, fields: data.properties ?? {}, required: data.required ?? [] };
  });
}

function fieldKind(s: any): string {
  if (s.enum) return "enum";
  const t = s.type ?? s.anyOf?.map((x: any) => x.type).find((x: string) => x && x !== "null");
  return t ?? "string";
}

export function Credentials({ user }: { user: User }) {
  const [rows, setRows] = useState<Credential[]>([]);
  const [types, setTypes] = useState<CredType[]>([]);
  const [kind, setKind] = useState("");
  const [name, setName] = useState("");
  const [data, setData] = useState<Record<string, any>>({});
  const [error, setError] = useState("");
  const [notice, setNotice] = useState("");
  const editable = canEdit(user);

  const load = async () => {
    try {
      setRows((await get<{ data: Credential[] }>("/api/v1/credentials?limit=250")).data);
    } catch (e) {
      setError(message(e));
    }
  };
  useEffect(() => {
    void load();
    credentialTypes().then(setTypes, (e) => setError(message(e)));
  }, []);
  const chosen = useMemo(() => types.find((t) => t.type === kind), [types, kind]);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!chosen) return;
    const body: Record<string, any> = {};
    for (const [k, s] of Object.entries(chosen.fields)) {
      const v = data[k];
      if (v === undefined || v === "") continue;
      body[k] = fieldKind(s) === "integer" || fieldKind(s) === "number" ? Number(v) : v;
    }
    try {
      await post("/api/v1/credentials", { name, type: chosen.type, data: body });
      setNotice(`Created credential ${name}`);
      setError("");
      setName("");
      setData({}); // the secret leaves the page with the request
      await load();
    } catch (err) {
      setError(message(err));
    }
  };

  return (
    <div className="page">
      <div className="page-head">
        <h2>Credentials</h2>
      </div>
      {notice && (
        <div className="notice" data-testid="notice">
          {notice}
        </div>
      )}
      {error && (
        <div className="error" data-testid="error">
          {error}
        </div>
      )}
      <div className="split">
        <table className="list" data-testid="credential-list">
          <thead>
            <tr>
              <th>Name</th>
              <th>Type</th>
              <th>Created</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {rows.map((c) => (
              <tr key={c.id} data-testid="credential-row" data-name={c.name}>
                <td>{c.name}</td>
                <td className="mono">{c.type}</td>
                <td className="muted">{c.createdAt ? new Date(c.createdAt).toLocaleString() : ""}</td>
                <td className="actions">
                  {editable && (
                    <button onClick={() => del(`/api/v1/credentials/${c.id}`).then(load, (e) => setError(message(e)))} data-testid="credential-delete">
                      Delete
                    </button>
                  )}
                </td>
              </tr>
            ))}
            {rows.length === 0 && (
              <tr>
                <td colSpan={4} className="muted">
                  No credentials yet.
                </td>
              </tr>
            )}
          </tbody>
        </table>
        {editable && (
          <form className="card form" onSubmit={submit} data-testid="credential-form">
            <h3>New credential</h3>
            <label>
              Type
              <select
                value={kind}
                data-testid="credential-type"
                onChange={(e) => {
                  setKind(e.target.value);
                  setData({});
                }}
                required
              >
                <option value="">choose a type…</option>
                {types.map((t) => (
                  <option key={t.type} value={t.type}>
                    {t.type}
                  </option>
                ))}
              </select>
            </label>
            <label>
              Name
              <input value={name} onChange={(e) => setName(e.target.value)} data-testid="credential-name" required />
            </label>
            {chosen &&
              Object.entries(chosen.fields).map(([k, s]) => {
                const fk = fieldKind(s);
                const req = chosen.required.includes(k);
                const value = data[k] ?? "";
                const set = (v: any) => setData((d) => ({ ...d, [k]: v }));
                return (
                  <label key={k} className={fk === "boolean" ? "check" : ""}>
                    {fk === "boolean" ? (
                      <>
                        <input type="checkbox" checked={!!(data[k] ?? s.default)} onChange={(e) => set(e.target.checked)} data-testid={`credential-field-${k}`} /> {s.title ?? k}
                      </>
                    ) : (
                      <>
                        {s.title ?? k}
                        {req && " *"}
                        {fk === "enum" ? (
                          <select value={value || s.default || ""} onChange={(e) => set(e.target.value)} data-testid={`credential-field-${k}`}>
                            {!s.default && <option value="" />}
                            {s.enum.map((o: string) => (
                              <option key={o}>{o}</option>
                            ))}
                          </select>
                        ) : (
                          <input
                            type={isSecret(k) ? "password" : fk === "integer" || fk === "number" ? "number" : "text"}
                            autoComplete={isSecret(k) ? "new-password" : "off"}
                            placeholder={s.default !== undefined && s.default !== null ? String(s.default) : ""}
                            value={value}
                            required={req}
                            onChange={(e) => set(e.target.value)}
                            data-testid={`credential-field-${k}`}
                            data-secret={isSecret(k) ? "true" : "false"}
                          />
                        )}
                      </>
                    )}
                  </label>
                );
              })}
            <button className="primary" type="submit" disabled={!chosen} data-testid="credential-create">
              Create credential
            </button>
            <p className="muted small">Secrets are stored encrypted and never shown again.</p>
          </form>
        )}
      </div>
    </div>
  );
}
