"""The JavaScript side of a Code node run: a QuickJS script that wraps the user's code.

The payload (items, referenced nodes, workflow facts) is embedded as a JSON literal on the
script's last line; QuickJS gets no `std`/`os` module, so the script has no way to read
anything the host did not put into it. The user's code is compiled by an indirect eval as
the body of an async function, so `await` works, its line numbers are its own (minus one),
and it cannot see the prelude's closure (which holds the output nonce).
"""

from __future__ import annotations

import json
from typing import Any

__all__ = ["js_argv"]

PRELUDE = r"""
"use strict";
(function () {
  const emitRaw = globalThis.print;
  const stringify = JSON.stringify;
  const logs = [];
  const fmt = (v) => {
    if (typeof v === "string") return v;
    if (v === undefined) return "undefined";
    if (typeof v === "function") return "[Function]";
    try { const s = stringify(v); return s === undefined ? String(v) : s; }
    catch (e) { return String(v); }
  };
  // Logs stay in guest memory until the end: cap them here (a sticky flag, since user
  // code may catch the exception) so a print loop fails as "output too large".
  let logBytes = 0, maxLogBytes = 1 << 20, logOverflow = false;
  const log = (...args) => {
    const line = args.map(fmt).join(" ");
    logBytes += line.length + 16;
    if (logBytes > maxLogBytes) { logOverflow = true; throw new Error("output limit reached"); }
    logs.push(line);
  };
  const consoleObj = Object.freeze({ log, info: log, warn: log, error: log, debug: log });
  delete globalThis.print;
  delete globalThis.scriptArgs;
  delete globalThis.execArgv;
  globalThis.console = consoleObj;

  function errorInfo(e) {
    let message, name = "Error", stack = "";
    if (e instanceof Error || (e && typeof e === "object" && "message" in e)) {
      message = String(e.message); name = String(e.name || "Error"); stack = String(e.stack || "");
    } else {
      message = fmt(e);
    }
    let line = null;
    const m = /<input>:(\d+)/.exec(stack);
    // QuickJS points errors raised by the engine itself (not by `throw`) at the wrapper
    // function's first line: no line is better than a wrong one.
    if (m && Number(m[1]) > 1) line = Number(m[1]) - 1;
    if (line === null && name === "ReferenceError") line = findIdentifier(message);
    let kind = "user";
    if (name === "InternalError" && /out of memory/i.test(message)) kind = "memory";
    const stackName = name === "InternalError" || name === "RangeError";
    if (stackName && /stack overflow|call stack/i.test(message)) kind = "stack";
    // n8n shows the bare message (V8's), except that a syntax error says what it is.
    return { message: name === "SyntaxError" ? "SyntaxError: " + message : message, line, kind };
  }

  let userLines = [];
  // The line of the first use of an undefined name: QuickJS does not say where it was.
  function findIdentifier(message) {
    const m = /^([A-Za-z_$][\w$]*) is not defined$/.exec(message);
    if (!m) return null;
    const re = new RegExp("(^|[^.\\w$])" + m[1].replace(/\$/g, "\\$") + "(?![\\w$])");
    const i = userLines.findIndex((ln) => re.test(ln));
    return i < 0 ? null : i + 1;
  }

  function accessor(items, lineage, current) {
    const flat = [].concat(...items);
    const pick = (branch) => (items[branch || 0] || []);
    const paired = (i) => {
      if (!lineage || lineage[i] === null || lineage[i] === undefined) {
        throw new Error("Paired item data is unavailable for this node");
      }
      return flat[lineage[i]];
    };
    return {
      all: (branch) => pick(branch),
      first: (branch) => pick(branch)[0],
      last: (branch) => { const a = pick(branch); return a[a.length - 1]; },
      itemMatching: (i) => paired(i),
      pairedItem: (i) => paired(i === undefined ? current.index : i),
      get item() { return paired(current.index); },
      get isExecuted() { return true; },
      params: {},
    };
  }

  const ASYNC = /\bawait\b|\bPromise\b|\.then\s*\(/;

  globalThis.__hetumind_main = function (P) {
    maxLogBytes = P.maxOutputBytes;
    // $getWorkflowStaticData: handed back (changed in place) when the code used it.
    const staticData = P.staticData || {};
    let staticUsed = false;
    const $getWorkflowStaticData = (type) => {
      if (type !== "global" && type !== "node") {
        throw new Error('The type needs to be either "node" or "global"!');
      }
      const key = type === "global" ? "global" : "node:" + P.nodeName;
      if (typeof staticData[key] !== "object" || staticData[key] === null) staticData[key] = {};
      staticUsed = true;
      return staticData[key];
    };
    const emit = (obj) => {
      if (staticUsed) obj.staticData = staticData;
      if (logOverflow) {
        obj = { ok: false, error: { message: "logs", line: null, kind: "output" }, logs: [] };
      }
      let text;
      try { text = stringify(obj); }
      catch (e) { text = stringify({ ok: false, error: errorInfo(e), logs: [] }); }
      emitRaw(P.nonce + text);
    };
    userLines = String(P.code).split("\n");
    let fn;
    const names = ["items", "$input", "$json", "$itemIndex", "$runIndex", "$workflow",
      "$execution", "$vars", "$", "$node", "$items", "$prevNode", "$env", "$binary", "item",
      "$getWorkflowStaticData"];
    try {
      // Code that never awaits runs as a plain function: a promise per item is slow.
      const kind = ASYNC.test(P.code) ? "async function" : "function";
      fn = (0, eval)("(" + kind + " (" + names.join(", ") + ") {\n" + P.code + "\n})");
    } catch (e) {
      emit({ ok: false, error: errorInfo(e), logs });
      return;
    }
    const current = { index: 0 };
    const refs = {};
    const $ = (name) => {
      if (!(name in refs)) {
        const ref = P.nodes[name];
        if (!ref) {
          throw new Error(`Referenced node doesn't exist or hasn't been executed: "${name}"`);
        }
        refs[name] = accessor(ref.outputs, ref.lineage, current);
      }
      return refs[name];
    };
    const input = P.items;
    const $input = {
      all: () => input,
      first: () => input[0],
      last: () => input[input.length - 1],
      get item() { return input[current.index]; },
      itemMatching: (i) => input[i],
      params: P.params || {},
      context: { noItemsLeft: false },
    };
    const $node = new Proxy({}, {
      get: (_, name) => {
        const ref = typeof name === "string" ? P.nodes[name] : undefined;
        return ref ? { json: (ref.outputs[0] || [])[0]?.json, parameter: {} } : undefined;
      },
    });
    const $items = (name, branch) => name === undefined ? input : $(name).all(branch);
    const call = (item, index) => {
      current.index = index;
      return fn(input, $input, item ? item.json : {}, index, P.runIndex, P.workflow,
        P.execution, P.vars, $, $node, $items, P.prevNode, {}, item ? item.binary : undefined,
        item, $getWorkflowStaticData);
    };
    if (P.mode === "runOnceForEachItem") {
      const results = [];
      const step = (i) => {
        if (i >= input.length) { emit({ ok: true, results, logs }); return; }
        Promise.resolve().then(() => call(input[i], i)).then(
          (v) => { results.push({ value: v === undefined ? null : v }); step(i + 1); },
          (e) => {
            const info = errorInfo(e);
            results.push({ error: info });
            if (P.continueOnFail && info.kind === "user") step(i + 1);
            else emit({ ok: true, results, logs });
          });
      };
      if (!ASYNC.test(P.code)) {
        for (let i = 0; i < input.length; i++) {
          try {
            const v = call(input[i], i);
            results.push({ value: v === undefined ? null : v });
          } catch (e) {
            const info = errorInfo(e);
            results.push({ error: info });
            if (!(P.continueOnFail && info.kind === "user")) break;
          }
        }
        emit({ ok: true, results, logs });
        return;
      }
      step(0);
    } else {
      Promise.resolve().then(() => call(input[0], 0)).then(
        (v) => emit({ ok: true, value: v === undefined ? null : v, logs }),
        (e) => emit({ ok: false, error: errorInfo(e), logs }));
    }
  };
})();
"""


def js_argv(payload: dict[str, Any]) -> list[str]:
    """The QuickJS command line for one run: the prelude plus the payload as a literal."""
    # ensure_ascii: no raw NUL or odd code point can cut the C string argv travels as.
    text = json.dumps(payload, ensure_ascii=True, separators=(",", ":"))
    # JSON.parse of a string literal: QuickJS parses JSON several times faster than it
    # parses the same data as an object literal.
    script = PRELUDE + "\n__hetumind_main(JSON.parse(" + json.dumps(text) + "));\n"
    return ["qjs", "--script", "-e", script]
