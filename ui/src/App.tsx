import { useCallback, useEffect, useState } from "react";
import { get, nodeTypes, post, type User } from "./api";
import { go, useRoute } from "./router";
import { Login } from "./pages/Login";
import { Workflows } from "./pages/Workflows";
import { Editor } from "./editor/Editor";
import { Executions } from "./pages/Executions";
import { Credentials } from "./pages/Credentials";

type Theme = "light" | "dark";

function useTheme(): [Theme, () => void] {
  const [theme, setTheme] = useState<Theme>(() => (localStorage.getItem("hetumind-theme") as Theme) || "light");
  useEffect(() => {
    document.documentElement.dataset.theme = theme;
    localStorage.setItem("hetumind-theme", theme);
  }, [theme]);
  return [theme, () => setTheme((t) => (t === "light" ? "dark" : "light"))];
}

export function App() {
  const [user, setUser] = useState<User | null | undefined>(undefined);
  const [theme, toggleTheme] = useTheme();
  const route = useRoute();

  const loadMe = useCallback(() => {
    get<User>("/api/v1/auth/me").then(setUser, () => setUser(null));
  }, []);
  useEffect(loadMe, [loadMe]);
  useEffect(() => {
    if (user) void nodeTypes().catch(() => {}); // the editor's palette and forms, ahead of time
  }, [user]);
  useEffect(() => {
    const off = () => setUser(null);
    window.addEventListener("hetumind:unauthenticated", off);
    return () => window.removeEventListener("hetumind:unauthenticated", off);
  }, []);

  if (user === undefined) return <div className="loading">Loading…</div>;
  if (user === null) return <Login onLoggedIn={loadMe} theme={theme} toggleTheme={toggleTheme} />;

  const [section = "workflows", id] = route;
  const logout = async () => {
    try {
      await post("/api/v1/auth/logout");
    } finally {
      setUser(null);
      go("workflows");
    }
  };
  let page;
  if (section === "workflow" && id) page = <Editor key={id} workflowId={id} user={user} />;
  else if (section === "execution" && id) page = <Editor key={"x" + id} executionId={id} user={user} />;
  else if (section === "executions") page = <Executions user={user} />;
  else if (section === "credentials") page = <Credentials user={user} />;
  else page = <Workflows user={user} />;

  return (
    <div className="app">
      <header className="topbar">
        <span className="brand">Hetumind</span>
        <nav>
          <a href="#/workflows" className={section.startsWith("workflow") ? "active" : ""} data-testid="nav-workflows">
            Workflows
          </a>
          <a href="#/executions" className={section.startsWith("execution") ? "active" : ""} data-testid="nav-executions">
            Executions
          </a>
          <a href="#/credentials" className={section === "credentials" ? "active" : ""} data-testid="nav-credentials">
            Credentials
          </a>
          <a href="/docs" target="_blank" rel="noreferrer">
            API
          </a>
        </nav>
        <span className="spacer" />
        <button className="ghost" onClick={toggleTheme} data-testid="theme-toggle" title="Light / dark theme">
          {theme === "light" ? "☾ Dark" : "☀ Light"}
        </button>
        <span className="who" data-testid="current-user">
          {user.email} <small>({user.role})</small>
        </span>
        <button className="ghost" onClick={logout} data-testid="logout">
          Log out
        </button>
      </header>
      <main className="content">{page}</main>
    </div>
  );
}
