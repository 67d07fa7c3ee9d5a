# ruff: noqa: E501  (embedded JavaScript)
"""The JavaScript side of a Code node run: a QuickJS script that wraps the user's code.

The payload (items, referenced nodes, workflow facts) is embedded as a JSON literal on the
script's last line; QuickJS gets no `std`/`os` module, so the script has no way to read
anything the host did not put into it. The user's code is compiled by an indirect eval as
the body of an async function, so `await` works, its line numbers are its own (minus one),
and it cannot see the prelude's closure (which holds the output nonce).
"""

from __future__ import annotations

import json
import re
from typing import Any

from hetumind.sandbox.guest_js_env import ENV_JS
from hetumind.sandbox.guest_js_intl import COLLATION_JS, INTL_JS

__all__ = ["js_argv"]

PRELUDE = r"""
(function () {
  "use strict";
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

  const LIBS = { luxon: globalThis.__hetumind_lib_luxon, jmespath: globalThis.__hetumind_lib_jmespath };
  delete globalThis.__hetumind_lib_luxon;
  delete globalThis.__hetumind_lib_jmespath;
  const setupEnv = globalThis.__hetumind_setup_env, setZones = globalThis.__hetumind_set_zones;
  delete globalThis.__hetumind_setup_env;
  delete globalThis.__hetumind_set_zones;
  delete globalThis.__hetumind_Collator;

  // Items arrive as columns when every item has the same keys: building objects from
  // a shape-specialised literal is several times faster than JSON-parsing rows.
  function itemsOf(P) {
    if (!P.cols) return P.items;
    const keys = P.cols.keys;
    const args = keys.map((_, i) => "c" + i);
    const body = keys.map((k, i) => stringify(k) + ":c" + i + "[i]").join(",");
    const build = (0, eval)("(function(n," + args.join(",") + "){const out=new Array(n);" +
      "for(let i=0;i<n;i++){out[i]={json:{" + body + "}};}return out;})");
    return build(P.cols.n, ...P.cols.values);
  }
  // captured now: user code may replace them before the result is encoded
  const getProto = Object.getPrototypeOf, objectKeys = Object.keys, OBJECT = Object.prototype;
  const plainObject = (v) => v !== null && typeof v === "object" && getProto(v) === OBJECT;
  const N8N_KEYS = ["json", "binary", "pairedItem", "error", "index"];
  // The result as columns when it is a list of same-keyed plain rows (bare, or {json}):
  // a fraction of the bytes to stringify and parse. null: send it as it is.
  function columnar(list) {
    try { return columnarOrNull(list); } catch (e) { return null; }  // then as rows
  }
  function columnarOrNull(list) {
    if (!Array.isArray(list) || list.length < 64) return null;
    const first = list[0];
    const wrapped = plainObject(first) && objectKeys(first).length === 1 && "json" in first;
    const row0 = wrapped ? first.json : first;
    if (!plainObject(row0)) return null;
    const keys = objectKeys(row0);
    if (keys.includes("__proto__")) return null;  // j["__proto__"] reads the prototype
    if (!wrapped && keys.some((k) => N8N_KEYS.includes(k))) return null;
    const K = keys.length;
    const decl = keys.map((_, i) => "const c" + i + "=new Array(n);").join("");
    const pick = keys.map((k, i) => "v=j[" + stringify(k) + "];if(v===undefined||typeof v===\"function\"||typeof v===\"symbol\")return null;c" + i + "[i]=v;").join("");
    const get = wrapped
      ? "const r=list[i];if(r===null||typeof r!==\"object\"||proto(r)!==OBJ||keysOf(r).length!==1)return null;const j=r.json;"
      : "const j=list[i];";
    const extract = (0, eval)("(function(list,proto,OBJ,keysOf){const n=list.length;" + decl +
      "let v;for(let i=0;i<n;i++){" + get + "if(j===null||typeof j!==\"object\"||proto(j)!==OBJ||keysOf(j).length!==" + K + ")return null;" +
      pick + "}return [" + keys.map((_, i) => "c" + i).join(",") + "];})");
    const values = extract(list, getProto, OBJECT, objectKeys);
    return values && { keys, values, n: list.length };
  }

  function customData(initial) {
    const data = { ...(initial || {}) };  // what earlier nodes of the execution set
    const check = (key) => { if (typeof key !== "string") throw new Error("Custom data key must be a string"); };
    return {
      data,
      api: Object.freeze({
        set(key, value) { check(key); data[key.slice(0, 50)] = String(value).slice(0, 255); },
        setAll(obj) { for (const k of objectKeys(obj || {})) this.set(k, obj[k]); },
        get(key) { return data[key]; },
        getAll() { return { ...data }; },
      }),
    };
  }

  globalThis.__hetumind_main = function (P) {
    maxLogBytes = P.maxOutputBytes;
    const require = setupEnv ? setupEnv(P, { luxon: () => LIBS.luxon }) : (name) => {
      throw new Error(`Cannot find module '${name}'`);
    };
    if (setZones) setZones(P.zones || {}, P.zone || "UTC");
    let DateTime, Duration, Interval, $now, $today;
    if (LIBS.luxon) {
      ({ DateTime, Duration, Interval } = LIBS.luxon);
      LIBS.luxon.Settings.defaultZone = P.zone || "UTC";
      LIBS.luxon.Settings.defaultLocale = "en-US";
      $now = DateTime.now();
      $today = $now.startOf("day");
    }
    const $jmespath = (data, expr) => {
      if (!LIBS.jmespath) throw new Error("$jmespath is not available");
      return LIBS.jmespath.search(data, expr);
    };
    const custom = customData(P.customData);
    const execution = { ...P.execution, customData: custom.api };
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
      if (objectKeys(custom.data).length) obj.customData = custom.data;
      if (logOverflow) {
        obj = { ok: false, error: { message: "logs", line: null, kind: "output" }, logs: [] };
      }
      let text;
      try { text = stringify(obj); }
      catch (e) { text = stringify({ ok: false, error: errorInfo(e), logs: [] }); }
      emitRaw(P.nonce + text);
    };
    userLines = String(P.code).split("\n");
    // Bound once per run; the per-item names are variables of the factory's scope that
    // `setItem` assigns before each call, so a call passes no arguments and creates no
    // closure. The code is the body of the inner function, so it may declare names the
    // outer scope binds (`const items = ...`, `const DateTime = require('luxon')`).
    const names = ["items", "$input", "$runIndex", "$workflow", "$execution", "$vars", "$",
      "$node", "$items", "$prevNode", "$env", "$getWorkflowStaticData", "require", "DateTime",
      "Duration", "Interval", "$now", "$today", "$jmespath", "$item", "getWorkflowStaticData",
      "getBinaryData", "setBinaryData", "getBinaryDataAsync", "setBinaryDataAsync",
      "getNodeParameter", "$parameter"];
    let factory;
    try {
      // Code that never awaits runs as a plain function: a promise per item is slow.
      const kind = ASYNC.test(P.code) ? "async function" : "function";
      factory = (0, eval)("(function (" + names.join(", ") + ") { let $json, $itemIndex, " +
        "$binary, item; return [function (a, b, c, d) { $json = a; $itemIndex = b; " +
        "$binary = c; item = d; }, " + kind + " () {\n" + P.code + "\n}]; })");
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
    const input = itemsOf(P);
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
    // Function / Function Item: `$item(i)` is the data proxy of item i
    const $item = (i) => ({ $json: (input[i] || {}).json, $binary: (input[i] || {}).binary,
      $node, $parameter: P.params || {}, $workflow: P.workflow, $runIndex: P.runIndex,
      $execution: execution, $vars: P.vars, $input });
    const getNodeParameter = (name, i, fallback) => {
      const v = (P.params || {})[name];
      return v === undefined ? fallback : v;
    };
    const legacyItem = P.legacy === "functionItem";
    const binGet = () => (current.item ? current.item.binary : undefined);
    const binSet = (data) => { if (current.item) current.item.binary = data; };
    const [setItem, fn] = factory(input, $input, P.runIndex, P.workflow, execution, P.vars, $,
      $node, $items, P.prevNode, {}, $getWorkflowStaticData, require, DateTime, Duration,
      Interval, $now, $today, $jmespath, $item, $getWorkflowStaticData, binGet, binSet,
      async () => binGet(), async (d) => binSet(d), getNodeParameter, P.params || {});
    const call = (item, index) => {
      current.index = index;
      current.item = item;
      setItem(item ? item.json : {}, index, item ? item.binary : undefined,
        legacyItem ? (item ? item.json : {}) : item);
      return fn();
    };
    // Function Item hands back the (possibly replaced) binary of each item too
    const eachValue = (v, i) => {
      if (!legacyItem) return { value: v === undefined ? null : v };
      return { value: v === undefined ? null : v, binary: input[i].binary, undef: v === undefined };
    };
    const eachResult = (results) => {
      if (!legacyItem && results.length === input.length) {
        const values = new Array(results.length);
        let all = true;
        for (let i = 0; i < results.length && all; i++) {
          if ("value" in results[i]) values[i] = results[i].value; else all = false;
        }
        const cols = all ? columnar(values) : null;
        if (cols) return { ok: true, cols, logs };
      }
      return { ok: true, results, logs };
    };
    const allResult = (v) => {
      if (v === undefined) v = null;
      const cols = P.legacy ? null : columnar(v);
      return cols ? { ok: true, cols, logs } : { ok: true, value: v, logs };
    };
    if (P.mode === "runOnceForEachItem") {
      const results = [];
      const step = (i) => {
        if (i >= input.length) { emit(eachResult(results)); return; }
        Promise.resolve().then(() => call(input[i], i)).then(
          (v) => { results.push(eachValue(v, i)); step(i + 1); },
          (e) => {
            const info = errorInfo(e);
            results.push({ error: info });
            if (P.continueOnFail && info.kind === "user") step(i + 1);
            else emit(eachResult(results));
          });
      };
      if (!ASYNC.test(P.code)) {
        for (let i = 0; i < input.length; i++) {
          try {
            const v = call(input[i], i);
            results.push(eachValue(v, i));
          } catch (e) {
            const info = errorInfo(e);
            results.push({ error: info });
            if (!(P.continueOnFail && info.kind === "user")) break;
          }
        }
        emit(eachResult(results));
        return;
      }
      step(0);
    } else {
      Promise.resolve().then(() => call(input[0], 0)).then(
        (v) => emit(allResult(v)),
        (e) => emit({ ok: false, error: errorInfo(e), logs }));
    }
  };
})();
"""


def _lib(name: str, source: str) -> str:
    # function-scoped, so the library's own globals (`var luxon`) stay out of user scope
    exports = "exports" if name == "jmespath" else name
    return (
        f"globalThis.__hetumind_lib_{name} = (function () {{ const exports = {{}};\n"
        f"{source}\nreturn {exports}; }})();\n"
    )


# The Node.js globals and the Intl shim cost ~15 ms of parsing per run: only code that
# may use them gets them (Luxon needs Intl; a dynamic `globalThis[name]` gets them too).
_NEEDS_ENV = re.compile(
    r"Buffer|URL|TextEncoder|TextDecoder|require|crypto|btoa|atob|globalThis|this\b"
)
_NEEDS_INTL = re.compile(r"localeCompare|Intl|sort|globalThis|this\b")


def js_argv(payload: dict[str, Any], libs: dict[str, str] | None = None) -> list[str]:
    """The QuickJS command line for one run: libraries, the prelude, the payload."""
    # ensure_ascii: no raw NUL or odd code point can cut the C string argv travels as.
    text = json.dumps(payload, ensure_ascii=True, separators=(",", ":"))
    code = str(payload.get("code", ""))
    head = "".join(_lib(name, source) for name, source in (libs or {}).items())
    if libs or _NEEDS_ENV.search(code):
        head += ENV_JS
    if libs or _NEEDS_INTL.search(code):
        head += COLLATION_JS + INTL_JS
    # JSON.parse of a string literal: QuickJS parses JSON several times faster than it
    # parses the same data as an object literal.
    script = head + PRELUDE + "\n__hetumind_main(JSON.parse(" + json.dumps(text) + "));\n"
    return ["qjs", "--script", "-e", script]
