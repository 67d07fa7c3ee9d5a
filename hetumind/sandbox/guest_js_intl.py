# ruff: noqa: E501  (embedded JavaScript, kept one statement per line)
"""What QuickJS lacks of `Intl` for Luxon, and V8's string collation.

QuickJS-ng has no `Intl` at all. Luxon (loaded into the guest when the code uses
DateTime, Duration, Interval, $now or $today) needs `Intl.DateTimeFormat` for time zones
and `resolvedOptions()`; this shim answers it in en-US from offset tables the host
computes with `zoneinfo` (`zone_tables`) for the workflow's zone and for every zone name
the code spells out. `localeCompare` and `Intl.Collator` follow ICU's root collation
(what V8 uses) closely enough for the sorts people write: punctuation before digits
before letters, letters compared without accents and case first, then accents, then
lower case before upper case; `numeric` and `sensitivity` options are honoured.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = ["COLLATION_JS", "INTL_JS", "zone_tables"]

_ZONE_NAME = re.compile(r"""['"`]([A-Z][A-Za-z_]+(?:/[A-Za-z0-9_+\-]+){1,2}|UTC|GMT)['"`]""")
_START = datetime(1900, 1, 1, tzinfo=UTC)
_END = datetime(2100, 1, 1, tzinfo=UTC)
_STEP = timedelta(days=7)


@lru_cache(maxsize=64)
def _table(name: str) -> tuple[tuple[int, int], ...]:
    """[(utc millis from which the offset holds, offset minutes)], 1900-2100."""
    zone = ZoneInfo(name)

    def offset(t: datetime) -> int:
        delta = t.astimezone(zone).utcoffset() or timedelta(0)
        return int(delta.total_seconds() // 60)

    rows = [(-(2**53), offset(_START))]
    t = _START
    while t < _END:
        nxt = t + _STEP
        if offset(nxt) != offset(t):
            lo, hi = t, nxt  # bisect to the second the offset changes
            while hi - lo > timedelta(seconds=1):
                mid = lo + (hi - lo) / 2
                lo, hi = (mid, hi) if offset(mid) == offset(lo) else (lo, mid)
            rows.append((int(hi.timestamp() * 1000), offset(hi)))
        t = nxt
    return tuple(rows)


def zone_tables(code: str, default_zone: str) -> dict[str, list[tuple[int, int]]]:
    """Offset tables for the default zone and the zone names the code spells out."""
    names = {default_zone, "UTC", *_ZONE_NAME.findall(code)}
    tables: dict[str, list[tuple[int, int]]] = {}
    for name in sorted(names):
        try:
            tables[name] = list(_table(name))
        except (ZoneInfoNotFoundError, ValueError, OSError):
            continue
    return tables


INTL_JS = r"""
(function () {
  const G = globalThis;
  let ZONES = {}, DEFAULT_ZONE = "UTC";
  const canon = (z) => {
    if (z === undefined) return DEFAULT_ZONE;
    const s = String(z);
    for (const k of Object.keys(ZONES)) if (k.toLowerCase() === s.toLowerCase()) return k;
    if (/^(utc|gmt|etc\/utc|etc\/gmt)$/i.test(s)) return "UTC";
    return null;
  };
  function offsetAt(zone, ms) {
    const t = ZONES[zone];
    if (!t) return 0;
    let lo = 0, hi = t.length - 1;
    while (lo < hi) { const mid = (lo + hi + 1) >> 1; if (t[mid][0] <= ms) lo = mid; else hi = mid - 1; }
    return t[lo][1];
  }
  const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];
  const DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
  const p2 = (n) => (n < 10 ? "0" : "") + n;
  class DateTimeFormat {
    constructor(locale, opts) {
      opts = opts || {};
      const zone = canon(opts.timeZone);
      if (zone === null) throw new RangeError("Invalid time zone specified: " + opts.timeZone);
      this._zone = zone; this._opts = opts;
    }
    resolvedOptions() {
      return { locale: "en-US", calendar: "gregory", numberingSystem: "latn", timeZone: this._zone,
        hourCycle: this._opts.hour12 === false ? "h23" : "h12" };
    }
    formatToParts(date) {
      const ms = date === undefined ? Date.now() : +date;
      const off = offsetAt(this._zone, ms);
      const d = new Date(ms + off * 60000);
      const o = this._opts, parts = [];
      const textual = o.month === "long" || o.month === "short";
      const sep = (type) => type === "hour" ? ", " : type === "minute" || type === "second" ? ":" :
        type === "era" || (textual && type === "day") ? " " : textual && type === "year" ? ", " :
        type === "month" && o.weekday ? ", " : "/";
      const add = (type, value) => { if (parts.length) parts.push({ type: "literal", value: sep(type) }); parts.push({ type, value: String(value) }); };
      const y = d.getUTCFullYear();
      const any = o.year || o.month || o.day || o.hour || o.minute || o.second || o.weekday || o.era;
      if (o.weekday) add("weekday", o.weekday === "long" ? DAYS[d.getUTCDay()] : DAYS[d.getUTCDay()].slice(0, 3));
      if (o.month || !any) add("month", o.month === "long" ? MONTHS[d.getUTCMonth()] : o.month === "short" ? MONTHS[d.getUTCMonth()].slice(0, 3) : o.month === "2-digit" ? p2(d.getUTCMonth() + 1) : d.getUTCMonth() + 1);
      if (o.day || !any) add("day", o.day === "2-digit" ? p2(d.getUTCDate()) : d.getUTCDate());
      if (o.year || !any) add("year", y > 0 ? y : 1 - y);
      if (o.era) add("era", y > 0 ? "AD" : "BC");
      if (o.hour) add("hour", o.hour12 === false ? p2(d.getUTCHours()) : (d.getUTCHours() % 12) || 12);
      if (o.minute) add("minute", p2(d.getUTCMinutes()));
      if (o.second) add("second", p2(d.getUTCSeconds()));
      if (o.hour && o.hour12 !== false) parts.push({ type: "literal", value: " " }, { type: "dayPeriod", value: d.getUTCHours() < 12 ? "AM" : "PM" });
      if (o.timeZoneName) parts.push({ type: "literal", value: " " }, { type: "timeZoneName", value: off === 0 ? "UTC" : "GMT" + (off < 0 ? "-" : "+") + Math.floor(Math.abs(off) / 60) + (Math.abs(off) % 60 ? ":" + p2(Math.abs(off) % 60) : "") });
      return parts;
    }
    format(date) { return this.formatToParts(date).map((p) => p.value).join(""); }
    static supportedLocalesOf(l) { return [].concat(l || []); }
  }
  class ListFormat {
    constructor(locale, opts) { this._opts = opts || {}; }
    format(list) {
      const a = Array.from(list, String);
      if (this._opts.style === "narrow" || this._opts.style === "short" || a.length < 2) return a.join(", ");
      const word = this._opts.type === "disjunction" ? "or" : "and";
      return a.length === 2 ? `${a[0]} ${word} ${a[1]}` : a.slice(0, -1).join(", ") + `, ${word} ` + a[a.length - 1];
    }
  }
  class NumberFormat {
    constructor(locale, opts) { this._opts = opts || {}; }
    formatToParts(n) { return [{ type: "integer", value: this.format(n) }]; }
    resolvedOptions() { return { locale: "en-US", numberingSystem: "latn", ...this._opts }; }
    format(n) {
      const o = this._opts;
      let s = o.maximumFractionDigits !== undefined ? Number(n).toFixed(o.maximumFractionDigits).replace(/\.?0+$/, (m) => (m.includes(".") ? "" : m)) : String(n);
      if (o.minimumIntegerDigits) { const neg = s.startsWith("-"); s = s.replace("-", ""); const [i, f] = s.split("."); s = (neg ? "-" : "") + i.padStart(o.minimumIntegerDigits, "0") + (f ? "." + f : ""); }
      if (o.useGrouping !== false) { const [i, f] = s.split("."); s = i.replace(/\B(?=(\d{3})+(?!\d))/g, ",") + (f ? "." + f : ""); }
      if (o.style === "unit" && o.unit) {
        const u = String(o.unit);
        return o.unitDisplay === "long" ? `${s} ${u}${Number(n) === 1 ? "" : "s"}` : `${s} ${u}`;
      }
      return s;
    }
  }
  class PluralRules { select(n) { return n === 1 ? "one" : "other"; } resolvedOptions() { return { locale: "en-US" }; } }
  class RelativeTimeFormat {
    constructor(l, o) { this._o = o || {}; }
    format(n, unit) {
      unit = String(unit).replace(/s$/, "");
      const a = Math.abs(n), u = a === 1 ? unit : unit + "s";
      return n < 0 || Object.is(n, -0) ? `${a} ${u} ago` : `in ${a} ${u}`;
    }
  }
  G.Intl = { DateTimeFormat, NumberFormat, PluralRules, RelativeTimeFormat, ListFormat,
    Collator: G.__hetumind_Collator, getCanonicalLocales: (l) => [].concat(l || []) };
  G.__hetumind_set_zones = (zones, def) => { ZONES = zones; DEFAULT_ZONE = canon(def) || "UTC"; };
})();
"""

COLLATION_JS = r"""
(function () {
  const G = globalThis;
  // One weight per character: group (space, punctuation, symbols, digits, letters, other),
  // then the base letter. Accents and case are later levels.
  function keyOf(s) {
    const base = [], accents = [], cases = [];
    for (const ch of String(s)) {
      const d = ch.normalize("NFD");
      const b = d[0];
      const low = b.toLowerCase();
      const cp = low.codePointAt(0);
      let group;
      if (/\s/.test(b)) group = 1;
      else if (/[a-z]/i.test(b) || (cp >= 0xc0 && /\p{L}/u.test(b))) group = 5;
      else if (/[0-9]/.test(b)) group = 4;
      else if (/\p{P}/u.test(b)) group = 2;
      else if (/\p{S}/u.test(b)) group = 3;
      else group = 6;
      base.push(group * 0x200000 + cp);
      accents.push(d.length > 1 ? d.slice(1) : "");
      cases.push(b !== low ? 1 : 0);
    }
    return { base, accents, cases };
  }
  function cmpArr(a, b) {
    const n = Math.min(a.length, b.length);
    for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] < b[i] ? -1 : 1;
    return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
  }
  function numericBase(k, s) {
    // digit runs compare by value: replace each run by one weight carrying its number
    const out = [];
    const chars = Array.from(String(s));
    for (let i = 0; i < chars.length; i++) {
      if (/[0-9]/.test(chars[i])) {
        let j = i; while (j < chars.length && /[0-9]/.test(chars[j])) j++;
        out.push(4 * 0x200000 + 0x30, Number(chars.slice(i, j).join("")));
        i = j - 1;
      } else out.push(k.base[i]);
    }
    return out;
  }
  function compare(a, b, opts) {
    opts = opts || {};
    const ka = keyOf(a), kb = keyOf(b);
    const r = opts.numeric ? cmpArr(numericBase(ka, a), numericBase(kb, b)) : cmpArr(ka.base, kb.base);
    const sens = opts.sensitivity || "variant";
    if (r || sens === "base") return r;
    const r2 = cmpArr(ka.accents, kb.accents);
    if (r2 || sens === "accent") return r2;
    const r3 = cmpArr(ka.cases, kb.cases);
    if (r3 || sens === "case") return r3;
    return a < b ? -1 : a > b ? 1 : 0;
  }
  class Collator {
    constructor(locale, opts) { this._opts = opts || {}; this.compare = (a, b) => compare(a, b, this._opts); }
    resolvedOptions() { return { locale: "en-US", usage: "sort", sensitivity: "variant", ...this._opts }; }
  }
  G.__hetumind_Collator = Collator;
  Object.defineProperty(String.prototype, "localeCompare", {
    value: function localeCompare(that, locale, opts) { return compare(String(this), String(that), opts); },
    writable: true, configurable: true,
  });
})();
"""
