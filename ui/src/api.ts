// The API client: the session cookie travels by itself (same origin); unsafe methods
// repeat the readable CSRF cookie in X-CSRF-Token, as serve_app/security.py requires.

export class ApiError extends Error {
  constructor(
    public status: number,
    message: string,
    public details: unknown = null,
  ) {
    super(message);
  }
}

function cookie(name: string): string {
  const hit = document.cookie.split("; ").find((c) => c.startsWith(name + "="));
  return hit ? decodeURIComponent(hit.slice(name.length + 1)) : "";
}

export async function api<T = any>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (!["GET", "HEAD", "OPTIONS"].includes(method)) headers["X-CSRF-Token"] = cookie("hetumind_csrf");
  const r = await fetch(path, {
    method,
    headers,
    credentials: "same-origin",
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  let data: any = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = text;
  }
  if (!r.ok) {
    const err = data && data.error;
    const message = err?.message ?? (typeof data === "string" && data ? data : r.statusText);
    if (r.status === 401 && !path.endsWith("/auth/login")) window.dispatchEvent(new Event("hetumind:unauthenticated"));
    throw new ApiError(r.status, message, err?.details ?? null);
  }
  return data as T;
}

export const get = <T = any>(path: string) => api<T>("GET", path);
export const post = <T = any>(path: string, body?: unknown) => api<T>("POST", path, body);
export const put = <T = any>(path: string, body?: unknown) => api<T>("PUT", path, body);
export const patch = <T = any>(path: string, body?: unknown) => api<T>("PATCH", path, body);
export const del = <T = any>(path: string) => api<T>("DELETE", path);

export interface User {
  id: string;
  email: string;
  role: string;
  projects?: unknown;
}

export interface NodeType {
  type: string;
  types: string[];
  name: string;
  displayName: string;
  description: string;
  versions: number[];
  defaultVersion: number;
  trigger: boolean;
  inputs: number;
  outputs: number;
  dynamicInputs: boolean;
  dynamicOutputs: boolean;
  supplies: string | null;
  accepts: string[];
  parameters: any;
}

let nodeTypesCache: Promise<NodeType[]> | null = null;
export function nodeTypes(): Promise<NodeType[]> {
  if (!nodeTypesCache) {
    nodeTypesCache = get<{ data: NodeType[] }>("/api/v1/node-types").then((r) => r.data);
    nodeTypesCache.catch(() => (nodeTypesCache = null));
  }
  return nodeTypesCache;
}

export function message(e: unknown): string {
  if (e instanceof ApiError) {
    const d = Array.isArray(e.details) ? e.details.map((x: any) => x?.text ?? x?.message ?? JSON.stringify(x)) : [];
    return d.length ? `${e.message}: ${d.join("; ")}` : e.message;
  }
  return e instanceof Error ? e.message : String(e);
}

// Instance owners and admins edit everywhere; members edit where a project gives them
// editor or more. The API decides for real (a refused save shows its message).
export function canEdit(user: User | null): boolean {
  if (!user) return false;
  if (user.role === "owner" || user.role === "admin") return true;
  const roles = Object.values((user.projects as Record<string, string>) ?? {});
  return roles.some((r) => r === "editor" || r === "admin" || r === "owner");
}

// Where a workflow's project is known (GET /workflows/{id} gives n8n's `shared`), the
// caller's role in that project decides.
export function canEditIn(user: User | null, projectId: string | null | undefined): boolean {
  if (!user) return false;
  if (user.role === "owner" || user.role === "admin") return true;
  if (!projectId) return canEdit(user);
  const role = ((user.projects as Record<string, string>) ?? {})[projectId];
  return role === "editor" || role === "admin" || role === "owner";
}

export function projectOf(doc: Record<string, any> | null | undefined): string | null {
  return doc?.shared?.[0]?.projectId ?? null;
}
