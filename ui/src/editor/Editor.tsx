import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import {
  addEdge,
  Background,
  Controls,
  MiniMap,
  ReactFlow,
  ReactFlowProvider,
  applyEdgeChanges,
  applyNodeChanges,
  useReactFlow,
  type Connection,
  type Edge,
  type EdgeChange,
  type NodeChange,
} from "@xyflow/react";
import { canEditIn, del, get, message, nodeTypes, post, projectOf, put, type NodeType, type User } from "../api";
import { downloadJson, safeFilename } from "../download";
import { go } from "../router";
import {
  clipboardOf,
  edgeId,
  newId,
  renameInExpressions,
  toFlow,
  toWorkflow,
  uniqueName,
  type FlowNode,
  type N8nNode,
  type N8nWorkflow,
  type Skeleton,
} from "../n8n";
import { EditorContext, typeIndex } from "./context";
import { History, type Snapshot } from "./history";
import { NodeCard, StickyCard } from "./NodeCard";
import { NodePanel } from "./NodePanel";
import { Palette } from "./Palette";
import { VersionsPanel } from "./Versions";
import { errorMessage, runViewOf, statusOf, type RunData } from "./runs";

const NODE_TYPES = { n8n: NodeCard, sticky: StickyCard };

interface Props {
  workflowId?: string;
  executionId?: string;
  user: User;
}

export function Editor(props: Props) {
  return (
    <ReactFlowProvider>
      <EditorInner {...props} />
    </ReactFlowProvider>
  );
}

const typing = (t: EventTarget | null) => t instanceof HTMLElement && (t.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(t.tagName));

/** Parameters a new node starts with, by the parameter names n8n's nodes use. */
function seedParameters(t: NodeType): Record<string, any> {
  const props = t.parameters?.properties ?? {};
  const p: Record<string, any> = {};
  if ("assignments" in props) p.assignments = { assignments: [] };
  if ("conditions" in props) p.conditions = { options: { caseSensitive: true, leftValue: "", typeValidation: "strict" }, conditions: [], combinator: "and" };
  if ("options" in props) p.options = {};
  return p;
}

function EditorInner({ workflowId, executionId, user }: Props) {
  const flow = useReactFlow();
  const flowRef = useRef(flow);
  flowRef.current = flow;
  const [types, setTypes] = useState<NodeType[]>([]);
  const [base, setBase] = useState<N8nWorkflow | null>(null);
  const [nodes, setNodes] = useState<FlowNode[]>([]);
  const [edges, setEdges] = useState<Edge[]>([]);
  const skeleton = useRef<Skeleton>({});
  const [dirty, setDirty] = useState(false);
  const [error, setError] = useState("");
  const [notice, setNotice] = useState("");
  const [panelId, setPanelId] = useState<string | null>(null);
  const [paletteOpen, setPaletteOpen] = useState(false);
  const [versionsOpen, setVersionsOpen] = useState(false);
  const [runData, setRunData] = useState<RunData | null>(null);
  const [execution, setExecution] = useState<any>(null);
  const [running, setRunning] = useState(false);
  const [renderMs, setRenderMs] = useState<number | null>(null);
  const history = useRef(new History());
  const streams = useRef(new Set<EventSource>());
  // Leaving the page closes the event streams it still follows.
  useEffect(() => () => streams.current.forEach((es) => es.close()), []);
  const panelRecorded = useRef<string | null>(null);
  const [, setTick] = useState(0);
  const state = useRef({ nodes, edges });
  state.current = { nodes, edges };
  const wfId = workflowId ?? execution?.workflowId;
  const mayEdit = base !== null && canEditIn(user, projectOf(base));
  const readOnly = !!executionId || !mayEdit;
  const index = useMemo(() => typeIndex(types), [types]);

  const snapshot = (): Snapshot => ({ nodes: state.current.nodes, edges: state.current.edges, skeleton: skeleton.current });
  const record = () => {
    history.current.record(snapshot());
    setDirty(true);
    setTick((t) => t + 1);
  };
  const restore = (s: Snapshot | null) => {
    if (!s) return;
    setNodes(s.nodes);
    setEdges(s.edges);
    skeleton.current = s.skeleton;
    setDirty(true);
    setTick((t) => t + 1);
  };

  const applyRunData = useCallback((rd: RunData | null) => {
    setRunData(rd);
    if (!rd) return;
    setNodes((ns) =>
      ns.map((n) => {
        const runs = rd[n.data.n8n.name];
        if (!runs?.length) return n;
        const last = runs[runs.length - 1];
        const count = (last.outputs ?? []).reduce((a, o) => a + (o?.length ?? 0), 0);
        return { ...n, data: { ...n.data, status: statusOf(last.status) ?? "success", count, error: last.error ? errorMessage(last.error) : undefined } };
      }),
    );
    setEdges((es) =>
      es.map((e) => {
        const src = state.current.nodes.find((n) => n.id === e.source);
        const runs = src && rd[src.data.n8n.name];
        const last = runs?.length ? runs[runs.length - 1] : undefined;
        // A failed node sent nothing on: no "0 items" label after it.
        const out = last && statusOf(last.status) !== "error" ? last.outputs?.[Number((e.sourceHandle ?? "main:0").split(":").pop())] : undefined;
        return out ? { ...e, label: `${out.length} item${out.length === 1 ? "" : "s"}`, data: { ...e.data, count: out.length }, className: "ran" } : e;
      }),
    );
  }, []);

  // Load the node types, then the workflow (or the execution and its workflow).
  useEffect(() => {
    let gone = false;
    const t0 = performance.now();
    (async () => {
      try {
        const typesLoading = nodeTypes(); // in parallel with the documents
        let ex: any = null;
        let id = workflowId;
        if (executionId) {
          ex = await get(`/api/v1/executions/${encodeURIComponent(executionId)}?includeData=true`);
          id = ex.workflowId;
        }
        const doc = await get<N8nWorkflow>(`/api/v1/workflows/${encodeURIComponent(id!)}`);
        const ts = await typesLoading;
        if (gone) return;
        const g = toFlow(doc);
        setTypes(ts);
        setBase(doc);
        setNodes(g.nodes);
        setEdges(g.edges);
        skeleton.current = g.skeleton;
        setExecution(ex);
        requestAnimationFrame(() =>
          requestAnimationFrame(() => {
            flowRef.current.fitView({ padding: 0.2, maxZoom: 1.2 });
            const ms = Math.round(performance.now() - t0);
            setRenderMs(ms);
            (window as any).__hetumindRenderMs = ms;
          }),
        );
        if (ex?.runData) setTimeout(() => applyRunData(ex.runData), 0);
        if (ex && !ex.finished) {
          // Still running: watch it live, then show every node's data.
          setTimeout(async () => {
            await followRef.current(ex.id);
            if (gone) return;
            const done = await get(`/api/v1/executions/${encodeURIComponent(ex.id)}?includeData=true`);
            if (gone) return;
            setExecution(done);
            applyRunData(done.runData ?? null);
          }, 0);
        }
      } catch (e) {
        setError(message(e));
      }
    })();
    return () => {
      gone = true;
    };
  }, [workflowId, executionId, applyRunData]); // not `flow`: a new identity would load twice

  const current = (): N8nWorkflow => {
    const { createdAt: _c, updatedAt: _u, versionId: _v, shared: _s, ...rest } = base ?? ({ nodes: [], connections: {} } as N8nWorkflow);
    const doc = toWorkflow(rest as N8nWorkflow, state.current.nodes, state.current.edges, skeleton.current);
    // Pinned data of a node that was deleted goes with it.
    const names = new Set(doc.nodes.map((n) => n.name));
    const pins = Object.fromEntries(Object.entries(doc.pinData ?? {}).filter(([name]) => names.has(name)));
    if (doc.pinData || Object.keys(pins).length) doc.pinData = pins;
    return doc;
  };

  // A workflow document from the server (a restored version) replaces the canvas.
  const loadDoc = (doc: N8nWorkflow) => {
    history.current.record(snapshot());
    const g = toFlow(doc);
    setBase(doc);
    setNodes(g.nodes);
    setEdges(g.edges);
    skeleton.current = g.skeleton;
    setDirty(false);
    setTick((t) => t + 1);
  };

  const pinnedNames = useMemo(() => new Set(Object.keys((base?.pinData as Record<string, unknown>) ?? {})), [base]);
  const setPin = (name: string, items: any[] | null) => {
    if (readOnly) return;
    setBase((b) => {
      if (!b) return b;
      const pins = { ...((b.pinData as Record<string, any[]>) ?? {}) };
      if (items) pins[name] = items;
      else delete pins[name];
      return { ...b, pinData: pins };
    });
    setDirty(true);
  };

  const save = async (): Promise<boolean> => {
    if (readOnly || !wfId) return false;
    try {
      const saved = await put<N8nWorkflow>(`/api/v1/workflows/${encodeURIComponent(wfId)}`, current());
      setBase(saved);
      setDirty(false);
      setError("");
      setNotice("Saved");
      setTimeout(() => setNotice(""), 1500);
      return true;
    } catch (e) {
      setError(message(e));
      return false;
    }
  };

  const clearStatuses = () => {
    setNodes((ns) => ns.map((n) => ({ ...n, data: { n8n: n.data.n8n } })));
    setEdges((es) => es.map((e) => ({ ...e, label: undefined, className: undefined, data: {} })));
    setRunData(null);
  };

  const follow = (id: string) =>
    new Promise<void>((resolve) => {
      const es = new EventSource(`/api/v1/executions/${encodeURIComponent(id)}/stream`);
      streams.current.add(es);
      const byName = (name: string) => state.current.nodes.find((n) => n.data.n8n.name === name);
      const patchNode = (name: string, patch: Record<string, any>) => {
        const target = byName(name);
        if (!target) return;
        setNodes((ns) => ns.map((n) => (n.id === target.id ? { ...n, data: { ...n.data, ...patch } } : n)));
      };
      es.addEventListener("nodeStarted", (m) => {
        const ev = JSON.parse((m as MessageEvent).data);
        patchNode(ev.node, { status: "running" });
      });
      es.addEventListener("nodeFinished", (m) => {
        const ev = JSON.parse((m as MessageEvent).data);
        const counts: number[] = ev.itemCounts ?? [];
        patchNode(ev.node, { status: statusOf(ev.status) ?? "success", count: counts.reduce((a, b) => a + b, 0), error: ev.error ? errorMessage(ev.error) : undefined });
        const src = byName(ev.node);
        if (src && statusOf(ev.status) !== "error")
          setEdges((all) =>
            all.map((e) => {
              if (e.source !== src.id) return e;
              const c = counts[Number((e.sourceHandle ?? "main:0").split(":").pop())];
              return c === undefined ? e : { ...e, label: `${c} item${c === 1 ? "" : "s"}`, className: "ran", data: { ...e.data, count: c } };
            }),
          );
      });
      const end = () => {
        es.close();
        streams.current.delete(es);
        resolve();
      };
      es.addEventListener("executionFinished", end);
      es.onerror = () => {
        if (es.readyState === EventSource.CLOSED) end();
      };
      setTimeout(end, 120_000);
    });

  const followRef = useRef(follow);
  followRef.current = follow;

  const execute = async () => {
    if (!wfId) return;
    if (dirty && !(await save())) return;
    clearStatuses();
    setRunning(true);
    setError("");
    try {
      const started = await post<{ executionId: string }>(`/api/v1/workflows/${encodeURIComponent(wfId)}/run`, []);
      setExecution({ id: started.executionId, status: "running" });
      await follow(started.executionId);
      const ex = await get(`/api/v1/executions/${encodeURIComponent(started.executionId)}?includeData=true`);
      setExecution(ex);
      applyRunData(ex.runData ?? null);
      if (ex.status === "error" && ex.error) setError(`Execution failed: ${errorMessage(ex.error)}`);
    } catch (e) {
      setError(message(e));
    } finally {
      setRunning(false);
    }
  };

  // --- graph edits ---------------------------------------------------------------

  const onNodesChange = useCallback(
    (changes: NodeChange<FlowNode>[]) => {
      if (changes.some((c) => (c.type === "position" && c.dragging) || (c.type === "dimensions" && c.resizing))) setDirty(true);
      setNodes((ns) => applyNodeChanges(changes, ns));
    },
    [setNodes],
  );
  const onEdgesChange = useCallback((changes: EdgeChange[]) => setEdges((es) => applyEdgeChanges(changes, es)), [setEdges]);

  const onConnect = useCallback(
    (c: Connection) => {
      if (readOnly) return;
      record();
      const id = edgeId(c.source, c.sourceHandle ?? "main:0", c.target, c.targetHandle ?? "main:0");
      setEdges((es) => (es.some((e) => e.id === id) ? es : addEdge({ ...c, id, data: {} }, es)));
    },
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [readOnly],
  );

  const isValidConnection = useCallback((c: Connection | Edge) => {
    if (c.source === c.target) return false;
    const s = (c.sourceHandle ?? "main:0").split(":")[0];
    const t = (c.targetHandle ?? "main:0").split(":")[0];
    return s === t;
  }, []);

  const takenNames = () => new Set(state.current.nodes.map((n) => n.data.n8n.name));

  const addNode = (t: NodeType) => {
    setPaletteOpen(false);
    if (readOnly) return;
    record();
    const sticky = t.name === "stickyNote";
    const selected = state.current.nodes.filter((n) => n.selected);
    const anchor = selected.length === 1 ? selected[0] : null;
    const rect = document.querySelector(".react-flow")?.getBoundingClientRect();
    let pos = rect ? flow.screenToFlowPosition({ x: rect.left + rect.width / 2 - 90, y: rect.top + rect.height / 2 - 30 }) : { x: 0, y: 0 };
    if (anchor) pos = { x: anchor.position.x + 240, y: anchor.position.y };
    const type = t.types.find((n) => n.startsWith("n8n-nodes-base.")) ?? t.types.find((n) => n.startsWith("@n8n/")) ?? t.type;
    const n8n: N8nNode = {
      id: newId(),
      name: uniqueName(sticky ? "Sticky Note" : t.displayName, takenNames()),
      type,
      typeVersion: t.defaultVersion,
      position: [Math.round(pos.x), Math.round(pos.y)],
      parameters: sticky ? { content: "", width: 240, height: 160 } : seedParameters(t),
    };
    const g = toFlow({ nodes: [n8n], connections: {} });
    const node = { ...g.nodes[0], selected: true };
    setNodes((ns) => [...ns.map((n) => ({ ...n, selected: false })), node]);
    const ports = !sticky && t.inputs > 0 && anchor && anchor.type === "n8n";
    if (ports && anchor) {
      const id = edgeId(anchor.id, "main:0", node.id, "main:0");
      setEdges((es) => [...es, { id, source: anchor.id, sourceHandle: "main:0", target: node.id, targetHandle: "main:0", data: {} }]);
    }
  };

  const insertClipboard = (text: string) => {
    if (readOnly) return false;
    let doc: any;
    try {
      doc = JSON.parse(text);
    } catch {
      return false;
    }
    if (!doc || !Array.isArray(doc.nodes) || !doc.nodes.length) return false;
    record();
    const taken = takenNames();
    const rename = new Map<string, string>();
    for (const n of doc.nodes as N8nNode[]) {
      const name = uniqueName(n.name, taken);
      taken.add(name);
      rename.set(n.name, name);
    }
    const xs = doc.nodes.map((n: N8nNode) => n.position?.[0] ?? 0);
    const ys = doc.nodes.map((n: N8nNode) => n.position?.[1] ?? 0);
    const rect = document.querySelector(".react-flow")?.getBoundingClientRect();
    const at = rect ? flow.screenToFlowPosition({ x: rect.left + rect.width / 3, y: rect.top + rect.height / 3 }) : { x: 0, y: 0 };
    const dx = at.x - Math.min(...xs);
    const dy = at.y - Math.min(...ys);
    const nodesIn: N8nNode[] = doc.nodes.map((n: N8nNode) => {
      let params = n.parameters ?? {};
      for (const [from, to] of rename) if (from !== to) params = renameInExpressions(params, from, to);
      return { ...n, id: newId(), name: rename.get(n.name)!, parameters: params, position: [Math.round((n.position?.[0] ?? 0) + dx), Math.round((n.position?.[1] ?? 0) + dy)] };
    });
    const conns: Record<string, any> = {};
    for (const [src, byType] of Object.entries(doc.connections ?? {})) {
      if (!rename.has(src)) continue;
      conns[rename.get(src)!] = Object.fromEntries(
        Object.entries(byType as Record<string, any[]>).map(([t, outs]) => [t, (outs ?? []).map((cs) => (cs ?? []).filter((c: any) => rename.has(c.node)).map((c: any) => ({ ...c, node: rename.get(c.node) })))]),
      );
    }
    const g = toFlow({ nodes: nodesIn, connections: conns });
    skeleton.current = { ...skeleton.current, ...g.skeleton };
    setNodes((ns) => [...ns.map((n) => ({ ...n, selected: false })), ...g.nodes.map((n) => ({ ...n, selected: true }))]);
    setEdges((es) => [...es, ...g.edges]);
    setNotice(`Pasted ${g.nodes.length} node${g.nodes.length === 1 ? "" : "s"}`);
    return true;
  };

  const updateNode = (id: string, next: N8nNode) => {
    setNodes((ns) =>
      ns.map((n) => {
        if (n.id !== id) return n;
        const style = n.type === "sticky" ? { ...n.style, width: next.parameters?.width ?? n.style?.width, height: next.parameters?.height ?? n.style?.height } : n.style;
        return { ...n, style, data: { ...n.data, n8n: next } };
      }),
    );
    setDirty(true);
  };

  const renameNode = (id: string, name: string): string | null => {
    const trimmed = name.trim();
    const node = state.current.nodes.find((n) => n.id === id);
    if (!node) return null;
    if (!trimmed) return "A node needs a name.";
    if (state.current.nodes.some((n) => n.id !== id && n.data.n8n.name === trimmed)) return `There is already a node named “${trimmed}”.`;
    record();
    const old = node.data.n8n.name;
    // Pinned data is keyed by node name, as in n8n's documents.
    setBase((b) => {
      const pins = b?.pinData as Record<string, any[]> | undefined;
      if (!b || !pins || !(old in pins)) return b;
      const { [old]: moved, ...others } = pins;
      return { ...b, pinData: { ...others, [trimmed]: moved } };
    });
    setNodes((ns) =>
      ns.map((n) => {
        const params = renameInExpressions(n.data.n8n.parameters ?? {}, old, trimmed);
        return { ...n, data: { ...n.data, n8n: { ...n.data.n8n, parameters: params, ...(n.id === id ? { name: trimmed } : {}) } } };
      }),
    );
    return null;
  };

  const toggleDisabled = () => {
    const sel = state.current.nodes.filter((n) => n.selected && n.type === "n8n");
    if (readOnly || !sel.length) return;
    record();
    const off = !sel.every((n) => n.data.n8n.disabled);
    const ids = new Set(sel.map((n) => n.id));
    setNodes((ns) => ns.map((n) => (ids.has(n.id) ? { ...n, data: { ...n.data, n8n: { ...n.data.n8n, disabled: off || undefined } } } : n)));
  };

  const deleteSelected = () => {
    if (readOnly) return;
    const ids = new Set(state.current.nodes.filter((n) => n.selected).map((n) => n.id));
    const edgeSel = state.current.edges.filter((e) => e.selected).map((e) => e.id);
    if (!ids.size && !edgeSel.length) return;
    record();
    setNodes((ns) => ns.filter((n) => !ids.has(n.id)));
    setEdges((es) => es.filter((e) => !ids.has(e.source) && !ids.has(e.target) && !edgeSel.includes(e.id)));
  };

  // Keyboard shortcuts and the clipboard (copy/paste events carry text without asking
  // for clipboard permissions, and n8n's own clipboard format is plain JSON text).
  const handlers = useRef({ save, deleteSelected, toggleDisabled, insertClipboard, restore, snapshot, readOnly });
  handlers.current = { save, deleteSelected, toggleDisabled, insertClipboard, restore, snapshot, readOnly };
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (typing(e.target) || document.querySelector(".panel-backdrop, .palette")) return;
      const mod = e.ctrlKey || e.metaKey;
      const k = e.key.toLowerCase();
      const h = handlers.current;
      if (h.readOnly && !(mod && k === "a") && !(!mod && (e.key === "Enter" || e.key === "F2"))) return; // look, don't touch
      if (mod && k === "z" && !e.shiftKey) {
        e.preventDefault();
        h.restore(history.current.undo(h.snapshot()));
      } else if (mod && ((k === "z" && e.shiftKey) || k === "y")) {
        e.preventDefault();
        h.restore(history.current.redo(h.snapshot()));
      } else if (mod && k === "s") {
        e.preventDefault();
        void h.save();
      } else if (mod && k === "a") {
        e.preventDefault();
        setNodes((ns) => ns.map((n) => ({ ...n, selected: true })));
      } else if (!mod && (e.key === "Delete" || e.key === "Backspace")) {
        e.preventDefault();
        h.deleteSelected();
      } else if (!mod && (e.key === "Tab" || k === "n")) {
        e.preventDefault();
        setPaletteOpen(true);
      } else if (!mod && k === "d") {
        h.toggleDisabled();
      } else if (!mod && (e.key === "Enter" || e.key === "F2")) {
        const sel = state.current.nodes.filter((n) => n.selected);
        if (sel.length === 1) setPanelId(sel[0].id);
      }
    };
    const onCopy = (e: ClipboardEvent) => {
      if (typing(e.target)) return;
      const sel = state.current.nodes.filter((n) => n.selected);
      if (!sel.length || !e.clipboardData) return;
      e.clipboardData.setData("text/plain", clipboardOf(sel, state.current.edges, skeleton.current));
      e.preventDefault();
      setNotice(`Copied ${sel.length} node${sel.length === 1 ? "" : "s"}`);
      if (e.type === "cut") handlers.current.deleteSelected();
    };
    const onPaste = (e: ClipboardEvent) => {
      if (typing(e.target)) return;
      const text = e.clipboardData?.getData("text/plain") ?? "";
      if (handlers.current.insertClipboard(text)) e.preventDefault();
    };
    document.addEventListener("keydown", onKey);
    document.addEventListener("copy", onCopy);
    document.addEventListener("cut", onCopy);
    document.addEventListener("paste", onPaste);
    return () => {
      document.removeEventListener("keydown", onKey);
      document.removeEventListener("copy", onCopy);
      document.removeEventListener("cut", onCopy);
      document.removeEventListener("paste", onPaste);
    };
  }, []);

  // Warn before leaving with unsaved changes.
  useEffect(() => {
    const on = (e: BeforeUnloadEvent) => {
      if (dirty) e.preventDefault();
    };
    window.addEventListener("beforeunload", on);
    return () => window.removeEventListener("beforeunload", on);
  }, [dirty]);

  const ctx = useMemo(() => ({ types: index, readOnly, pinned: pinnedNames, open: (id: string) => setPanelId(id) }), [index, readOnly, pinnedNames]);
  const panelNode = nodes.find((n) => n.id === panelId);

  const executionActions = executionId && execution && (
    <>
      <span className={`status-pill ${execution.status}`} data-testid="execution-status">
        {execution.status}
      </span>
      <button
        onClick={async () => {
          try {
            const r = await post<any>(`/api/v1/executions/${encodeURIComponent(executionId)}/retry`);
            const id = r.executionId ?? r.id;
            if (id) go(`execution/${id}`);
          } catch (e) {
            setError(message(e));
          }
        }}
        disabled={!mayEdit || !["error", "crashed", "canceled"].includes(execution.status)}
        data-testid="execution-retry"
      >
        Retry
      </button>
      <button
        onClick={async () => {
          try {
            setExecution(await post(`/api/v1/executions/${encodeURIComponent(executionId)}/stop`));
          } catch (e) {
            setError(message(e));
          }
        }}
        disabled={!mayEdit || execution.finished}
        data-testid="execution-stop"
      >
        Stop
      </button>
      <button
        onClick={async () => {
          try {
            await del(`/api/v1/executions/${encodeURIComponent(executionId)}`);
            go("executions");
          } catch (e) {
            setError(message(e));
          }
        }}
        disabled={!mayEdit}
        data-testid="execution-delete"
      >
        Delete
      </button>
      <a className="button" href={`#/workflow/${encodeURIComponent(execution.workflowId)}`}>
        Open workflow
      </a>
    </>
  );

  return (
    <EditorContext.Provider value={ctx}>
      <div className="editor" data-testid="editor" data-render-ms={renderMs ?? ""}>
        <div className="toolbar">
          <input
            className="title-input"
            data-testid="workflow-name"
            value={base?.name ?? ""}
            readOnly={readOnly}
            onChange={(e) => {
              setBase((b) => (b ? { ...b, name: e.target.value } : b));
              setDirty(true);
            }}
          />
          {readOnly && !executionId && (
            <span className="tag" data-testid="read-only">
              read only
            </span>
          )}
          {executionId ? (
            executionActions
          ) : (
            <>
              <button onClick={() => setPaletteOpen(true)} disabled={readOnly} data-testid="add-node" title="Add a node (Tab)">
                + Node
              </button>
              <button onClick={() => restore(history.current.undo(snapshot()))} disabled={readOnly || !history.current.canUndo} data-testid="undo" title="Undo (Ctrl+Z)">
                ↶
              </button>
              <button onClick={() => restore(history.current.redo(snapshot()))} disabled={readOnly || !history.current.canRedo} data-testid="redo" title="Redo (Ctrl+Shift+Z)">
                ↷
              </button>
              <span className="spacer" />
              {notice && (
                <span className="notice-inline" data-testid="notice">
                  {notice}
                </span>
              )}
              <button onClick={() => downloadJson(safeFilename(base?.name ?? "workflow"), current())} data-testid="export">
                Export
              </button>
              <button onClick={() => setVersionsOpen((o) => !o)} data-testid="versions" title="Version history">
                History
              </button>
              <a className="button" href={`#/executions?workflowId=${encodeURIComponent(wfId ?? "")}`}>
                Executions
              </a>
              <button onClick={save} disabled={readOnly || !dirty} data-testid="save" title="Save (Ctrl+S)">
                {dirty ? "Save" : "Saved"}
              </button>
              <button className="primary" onClick={execute} disabled={readOnly || running} data-testid="execute">
                {running ? "Running…" : "▶ Execute workflow"}
              </button>
            </>
          )}
        </div>
        {execution && !executionId && (
          <div className={`run-banner ${execution.status}`} data-testid="run-banner">
            Execution <a href={`#/execution/${execution.id}`}>{execution.id?.slice(0, 8)}</a>: <b data-testid="run-status">{execution.status}</b>
          </div>
        )}
        {error && (
          <div className="error" data-testid="editor-error">
            {error}
          </div>
        )}
        <div className="canvas">
          <ReactFlow
            nodes={nodes}
            edges={edges}
            nodeTypes={NODE_TYPES}
            onNodesChange={onNodesChange}
            onEdgesChange={onEdgesChange}
            onConnect={onConnect}
            isValidConnection={isValidConnection}
            onNodeDragStart={() => !readOnly && record()}
            zoomOnDoubleClick={false} // d3-zoom would swallow the dblclick that opens a read-only node
            nodesDraggable={!readOnly}
            nodesConnectable={!readOnly}
            deleteKeyCode={null}
            selectionKeyCode="Shift"
            multiSelectionKeyCode={["Control", "Meta"]}
            minZoom={0.1}
            maxZoom={2}
            defaultEdgeOptions={{ type: "default" }}
            proOptions={{ hideAttribution: true }}
          >
            <Background gap={20} />
            <MiniMap pannable zoomable data-testid="minimap" />
            <Controls />
          </ReactFlow>
          {paletteOpen && <Palette types={types} onPick={addNode} onClose={() => setPaletteOpen(false)} />}
          {versionsOpen && wfId && !executionId && (
            <VersionsPanel
              workflowId={wfId}
              currentVersion={base?.versionId}
              current={current}
              readOnly={readOnly}
              dirty={dirty}
              onRestored={(doc) => {
                loadDoc(doc);
                setNotice(`Restored as v${doc.versionId}`);
              }}
              onClose={() => setVersionsOpen(false)}
            />
          )}
        </div>
        {panelNode && (
          <NodePanel
            key={panelNode.id}
            node={panelNode.data.n8n}
            type={index.get(panelNode.data.n8n.type)}
            readOnly={readOnly}
            run={runViewOf(runData, panelNode, nodes, edges)}
            pinned={((base?.pinData as Record<string, any[]>) ?? {})[panelNode.data.n8n.name] ?? null}
            onPin={(items) => setPin(panelNode.data.n8n.name, items)}
            onChange={(next) => {
              // One undo step per panel session, not one per keystroke.
              if (panelRecorded.current !== panelNode.id) {
                record();
                panelRecorded.current = panelNode.id;
              }
              updateNode(panelNode.id, next);
            }}
            onRename={(name) => renameNode(panelNode.id, name)}
            onClose={() => {
              panelRecorded.current = null;
              setPanelId(null);
            }}
          />
        )}
      </div>
    </EditorContext.Provider>
  );
}
