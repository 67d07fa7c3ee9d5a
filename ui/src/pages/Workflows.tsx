import { useCallback, useEffect, useState } from "react";
import { canEdit, canEditIn, del, get, message, post, projectOf, type User } from "../api";
import { downloadJson, safeFilename } from "../download";
import { go } from "../router";
import type { N8nWorkflow } from "../n8n";

interface Row extends N8nWorkflow {
  id: string;
  name: string;
  active: boolean;
  updatedAt?: string;
  tags?: ({ id?: string; name: string } | string)[];
}

const tagName = (t: { name: string } | string) => (typeof t === "string" ? t : t.name);

/** An n8n export without what the store sets itself (a fresh id, inactive). */
function importable(doc: any): any {
  const { id: _id, versionId: _v, createdAt: _c, updatedAt: _u, shared: _s, ...rest } = doc;
  return { ...rest, active: false, connections: rest.connections ?? {}, nodes: rest.nodes ?? [] };
}

export function Workflows({ user }: { user: User }) {
  const [rows, setRows] = useState<Row[]>([]);
  const [search, setSearch] = useState("");
  const [tag, setTag] = useState("");
  const [error, setError] = useState("");
  const [notice, setNotice] = useState("");
  const [newName, setNewName] = useState("");
  const [importOpen, setImportOpen] = useState(false);
  const [paste, setPaste] = useState("");
  const [confirming, setConfirming] = useState<string | null>(null);
  const editable = canEdit(user);

  const load = useCallback(async () => {
    const q = new URLSearchParams({ limit: "250" });
    if (search.trim()) q.set("name", search.trim());
    if (tag.trim()) q.set("tags", tag.trim());
    try {
      const r = await get<{ data: Row[] }>(`/api/v1/workflows?${q}`);
      setRows(r.data);
      setError("");
    } catch (e) {
      setError(message(e));
    }
  }, [search, tag]);
  useEffect(() => {
    const t = setTimeout(load, 150);
    return () => clearTimeout(t);
  }, [load]);

  const act = async (what: () => Promise<unknown>, ok?: string) => {
    try {
      await what();
      setError("");
      if (ok) setNotice(ok);
      await load();
    } catch (e) {
      setError(message(e));
    }
  };

  const create = () =>
    act(async () => {
      const wf = await post<Row>("/api/v1/workflows", { name: newName.trim() || "My workflow", nodes: [], connections: {}, settings: {} });
      go(`workflow/${wf.id}`);
    });

  const importDocs = async (texts: { label: string; text: string }[]) => {
    const done: string[] = [];
    const failed: string[] = [];
    for (const { label, text } of texts) {
      try {
        const parsed = JSON.parse(text);
        for (const doc of Array.isArray(parsed) ? parsed : [parsed]) {
          const wf = await post<Row>("/api/v1/workflows", importable(doc));
          done.push(wf.name);
        }
      } catch (e) {
        failed.push(`${label}: ${message(e)}`);
      }
    }
    await load(); // first: a successful load clears the error line
    setNotice(done.length ? `Imported ${done.length}: ${done.join(", ")}` : "");
    setError(failed.join("\n"));
    if (done.length && !failed.length) {
      setImportOpen(false);
      setPaste("");
    }
  };

  const onFiles = async (files: FileList | null) => {
    if (!files) return;
    const texts = await Promise.all(Array.from(files).map(async (f) => ({ label: f.name, text: await f.text() })));
    await importDocs(texts);
  };

  return (
    <div className="page">
      <div className="page-head">
        <h2>Workflows</h2>
        <input data-testid="workflow-search" placeholder="Search by name" value={search} onChange={(e) => setSearch(e.target.value)} />
        <input data-testid="workflow-tag-filter" placeholder="Tag" value={tag} onChange={(e) => setTag(e.target.value)} />
        <span className="spacer" />
        {editable && (
          <>
            <input data-testid="new-workflow-name" placeholder="New workflow name" value={newName} onChange={(e) => setNewName(e.target.value)} />
            <button className="primary" onClick={create} data-testid="create-workflow">
              + Create
            </button>
            <button onClick={() => setImportOpen((o) => !o)} data-testid="import-open">
              Import…
            </button>
          </>
        )}
      </div>
      {importOpen && (
        <div className="card import" data-testid="import-panel">
          <p>Paste an n8n workflow export (one workflow or an array), or choose one or more files.</p>
          <textarea data-testid="import-text" rows={8} value={paste} onChange={(e) => setPaste(e.target.value)} placeholder='{"name": "...", "nodes": [...], "connections": {...}}' />
          <div className="row">
            <button className="primary" disabled={!paste.trim()} onClick={() => importDocs([{ label: "pasted JSON", text: paste }])} data-testid="import-paste">
              Import pasted JSON
            </button>
            <label className="button">
              Choose files…
              <input data-testid="import-files" type="file" accept=".json,application/json" multiple hidden onChange={(e) => onFiles(e.target.files)} />
            </label>
          </div>
        </div>
      )}
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
      <table className="list" data-testid="workflow-list">
        <thead>
          <tr>
            <th>Name</th>
            <th>Tags</th>
            <th>Nodes</th>
            <th>Updated</th>
            <th>Active</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {rows.map((w) => (
            <tr key={w.id} data-testid="workflow-row" data-name={w.name}>
              <td>
                <a href={`#/workflow/${encodeURIComponent(w.id)}`} data-testid="workflow-open">
                  {w.name}
                </a>
              </td>
              <td>
                {(w.tags ?? []).map((t) => (
                  <span className="tag" key={tagName(t)} onClick={() => setTag(tagName(t))}>
                    {tagName(t)}
                  </span>
                ))}
              </td>
              <td>{(w.nodes ?? []).length}</td>
              <td className="muted">{w.updatedAt ? new Date(w.updatedAt).toLocaleString() : ""}</td>
              <td>
                <label className="switch">
                  <input
                    type="checkbox"
                    data-testid="workflow-active"
                    checked={w.active}
                    disabled={!canEditIn(user, projectOf(w))}
                    onChange={() => act(() => post(`/api/v1/workflows/${w.id}/${w.active ? "deactivate" : "activate"}`))}
                  />
                  <span />
                </label>
              </td>
              <td className="actions">
                <button
                  onClick={() => act(async () => downloadJson(safeFilename(w.name), await get(`/api/v1/workflows/${w.id}`)))}
                  data-testid="workflow-export"
                >
                  Export
                </button>
                {editable && (
                  <>
                    <button
                      onClick={() =>
                        act(async () => {
                          const full = await get(`/api/v1/workflows/${w.id}`);
                          await post("/api/v1/workflows", importable({ ...full, name: `${w.name} (copy)` }));
                        }, `Duplicated ${w.name}`)
                      }
                      data-testid="workflow-duplicate"
                    >
                      Duplicate
                    </button>
                    {!canEditIn(user, projectOf(w)) ? null : confirming === w.id ? (
                      <button className="danger" onClick={() => act(() => del(`/api/v1/workflows/${w.id}`), `Deleted ${w.name}`).then(() => setConfirming(null))} data-testid="workflow-delete-confirm">
                        Really delete?
                      </button>
                    ) : (
                      <button onClick={() => setConfirming(w.id)} data-testid="workflow-delete">
                        Delete
                      </button>
                    )}
                  </>
                )}
              </td>
            </tr>
          ))}
          {rows.length === 0 && (
            <tr>
              <td colSpan={6} className="muted">
                No workflows yet. Create one or import an n8n export.
              </td>
            </tr>
          )}
        </tbody>
      </table>
    </div>
  );
}
