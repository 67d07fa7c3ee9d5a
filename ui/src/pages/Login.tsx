import { useState, type FormEvent } from "react";
import { message, post } from "../api";

export function Login(props: { onLoggedIn: () => void; theme: string; toggleTheme: () => void }) {
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError("");
    try {
      await post("/api/v1/auth/login", { email, password });
      props.onLoggedIn();
    } catch (err) {
      setError(message(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="login-page">
      <form className="card login" onSubmit={submit} data-testid="login-form">
        <h1>Hetumind</h1>
        <p className="muted">Sign in to build and run workflows.</p>
        <label>
          Email
          <input data-testid="login-email" type="email" autoComplete="username" value={email} onChange={(e) => setEmail(e.target.value)} required />
        </label>
        <label>
          Password
          <input data-testid="login-password" type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} required />
        </label>
        {error && (
          <div className="error" data-testid="login-error">
            {error}
          </div>
        )}
        <button className="primary" type="submit" disabled={busy} data-testid="login-submit">
          {busy ? "Signing in…" : "Sign in"}
        </button>
        <button type="button" className="ghost" onClick={props.toggleTheme}>
          {props.theme === "light" ? "☾ Dark theme" : "☀ Light theme"}
        </button>
      </form>
    </div>
  );
}
