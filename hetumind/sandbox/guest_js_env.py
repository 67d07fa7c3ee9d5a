# ruff: noqa: E501  (embedded JavaScript, kept one statement per line)
"""Node.js globals the Code node's JavaScript gets in n8n, written for QuickJS.

Buffer, btoa/atob, TextEncoder/TextDecoder, URL/URLSearchParams and a `crypto` module
(createHash, createHmac, randomUUID, randomBytes) as far as user code in n8n uses them.
QuickJS has none of them and the guest has no host calls, so they are plain JavaScript.
Randomness comes from a per-run seed the host draws from `secrets` (the guest has no
entropy of its own worth the name), stretched with SHA-256 in counter mode.
"""

from __future__ import annotations

__all__ = ["ENV_JS"]

ENV_JS = r"""
(function () {
  const G = globalThis;
  // ---- UTF-8 ---------------------------------------------------------------------------
  function utf8Encode(s) {
    s = String(s);
    const out = [];
    for (let i = 0; i < s.length; i++) {
      let c = s.charCodeAt(i);
      if (c >= 0xd800 && c < 0xdc00 && i + 1 < s.length) {
        const d = s.charCodeAt(i + 1);
        if (d >= 0xdc00 && d < 0xe000) { c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00); i++; }
        else c = 0xfffd;
      } else if (c >= 0xd800 && c < 0xe000) c = 0xfffd;
      if (c < 0x80) out.push(c);
      else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 63));
      else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
      else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    }
    return new Uint8Array(out);
  }
  function utf8Decode(b, start, end) {
    let s = "", i = start || 0;
    end = end === undefined ? b.length : end;
    const parts = [];
    while (i < end) {
      const c = b[i];
      let cp = 0xfffd, n = 1;
      if (c < 0x80) cp = c;
      else if (c >= 0xc2 && c < 0xe0 && i + 1 < end && (b[i + 1] & 0xc0) === 0x80) {
        cp = ((c & 31) << 6) | (b[i + 1] & 63); n = 2;
      } else if (c >= 0xe0 && c < 0xf0 && i + 2 < end && (b[i + 1] & 0xc0) === 0x80 && (b[i + 2] & 0xc0) === 0x80) {
        cp = ((c & 15) << 12) | ((b[i + 1] & 63) << 6) | (b[i + 2] & 63); n = 3;
        if (cp < 0x800 || (cp >= 0xd800 && cp < 0xe000)) { cp = 0xfffd; n = 1; }
      } else if (c >= 0xf0 && c < 0xf5 && i + 3 < end && (b[i + 1] & 0xc0) === 0x80 && (b[i + 2] & 0xc0) === 0x80 && (b[i + 3] & 0xc0) === 0x80) {
        cp = ((c & 7) << 18) | ((b[i + 1] & 63) << 12) | ((b[i + 2] & 63) << 6) | (b[i + 3] & 63); n = 4;
        if (cp < 0x10000 || cp > 0x10ffff) { cp = 0xfffd; n = 1; }
      }
      parts.push(cp);
      i += n;
      if (parts.length > 4096) { s += String.fromCodePoint(...parts); parts.length = 0; }
    }
    return s + String.fromCodePoint(...parts);
  }
  // ---- base64 / hex --------------------------------------------------------------------
  const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const B64IDX = new Int16Array(256).fill(-1);
  for (let i = 0; i < 64; i++) B64IDX[B64.charCodeAt(i)] = i;
  B64IDX[45] = 62; B64IDX[95] = 63; // base64url
  function b64Encode(b, url) {
    let s = "";
    for (let i = 0; i < b.length; i += 3) {
      const n = (b[i] << 16) | ((b[i + 1] || 0) << 8) | (b[i + 2] || 0);
      s += B64[n >> 18] + B64[(n >> 12) & 63] + (i + 1 < b.length ? B64[(n >> 6) & 63] : "=") +
        (i + 2 < b.length ? B64[n & 63] : "=");
    }
    return url ? s.replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "") : s;
  }
  function b64Decode(s) {
    // Node.js skips characters outside the alphabet and stops at the first '='
    const out = [];
    let acc = 0, bits = 0;
    for (let i = 0; i < s.length; i++) {
      const ch = s.charCodeAt(i);
      if (ch === 61) break;
      const v = ch < 256 ? B64IDX[ch] : -1;
      if (v < 0) continue;
      acc = (acc << 6) | v; bits += 6;
      if (bits >= 8) { bits -= 8; out.push((acc >> bits) & 255); }
    }
    return new Uint8Array(out);
  }
  function hexDecode(s) {
    const out = [];
    for (let i = 0; i + 1 < s.length; i += 2) {
      const v = parseInt(s.substr(i, 2), 16);
      if (Number.isNaN(v)) break;
      out.push(v);
    }
    return new Uint8Array(out);
  }
  const hexEncode = (b) => { let s = ""; for (let i = 0; i < b.length; i++) s += (b[i] < 16 ? "0" : "") + b[i].toString(16); return s; };
  const latin1 = (b, start, end) => { let s = ""; for (let i = start; i < end; i++) s += String.fromCharCode(b[i]); return s; };

  // ---- Buffer --------------------------------------------------------------------------
  const norm = (enc) => String(enc || "utf8").toLowerCase().replace("-", "");
  function encode(str, enc) {
    enc = norm(enc);
    if (enc === "utf8") return utf8Encode(str);
    if (enc === "base64" || enc === "base64url") return b64Decode(String(str));
    if (enc === "hex") return hexDecode(String(str));
    if (enc === "latin1" || enc === "binary" || enc === "ascii") {
      const s = String(str), b = new Uint8Array(s.length);
      for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i) & 255;
      return b;
    }
    if (enc === "utf16le" || enc === "ucs2") {
      const s = String(str), b = new Uint8Array(s.length * 2);
      for (let i = 0; i < s.length; i++) { const c = s.charCodeAt(i); b[2 * i] = c & 255; b[2 * i + 1] = c >> 8; }
      return b;
    }
    throw new TypeError("Unknown encoding: " + enc);
  }
  class Buffer extends Uint8Array {
    static from(value, encOrOffset, length) {
      if (typeof value === "string") return toBuffer(encode(value, encOrOffset));
      if (value instanceof ArrayBuffer) return new Buffer(value, encOrOffset || 0, length === undefined ? value.byteLength - (encOrOffset || 0) : length);
      if (value && value.type === "Buffer" && Array.isArray(value.data)) return toBuffer(Uint8Array.from(value.data));
      if (value && (ArrayBuffer.isView(value) || Array.isArray(value) || typeof value.length === "number")) {
        const b = new Buffer(value.length);
        for (let i = 0; i < value.length; i++) b[i] = value[i] & 255;
        return b;
      }
      throw new TypeError("The first argument must be of type string or an instance of Buffer, ArrayBuffer, or Array or an Array-like Object.");
    }
    static alloc(size, fill, enc) {
      const b = new Buffer(size);
      if (fill !== undefined && fill !== 0) {
        const f = typeof fill === "number" ? [fill & 255] : encode(fill, enc);
        for (let i = 0; i < size && f.length; i++) b[i] = f[i % f.length];
      }
      return b;
    }
    static allocUnsafe(size) { return new Buffer(size); }
    static isBuffer(b) { return b instanceof Buffer; }
    static isEncoding(e) { return ["utf8", "base64", "base64url", "hex", "latin1", "binary", "ascii", "utf16le", "ucs2"].includes(norm(e)); }
    static byteLength(v, enc) {
      if (typeof v !== "string") return v.byteLength;
      return encode(v, enc).length;
    }
    static concat(list, total) {
      if (total === undefined) total = list.reduce((n, b) => n + b.length, 0);
      const out = Buffer.alloc(total);
      let off = 0;
      for (const b of list) { for (let i = 0; i < b.length && off < total; i++) out[off++] = b[i]; }
      return out;
    }
    static compare(a, b) { return a.compare(b); }
    toString(enc, start, end) {
      start = Math.max(0, start || 0); end = end === undefined ? this.length : Math.min(this.length, end);
      enc = norm(enc);
      if (enc === "utf8") return utf8Decode(this, start, end);
      const part = start === 0 && end === this.length ? this : this.subarray(start, end);
      if (enc === "base64") return b64Encode(part, false);
      if (enc === "base64url") return b64Encode(part, true);
      if (enc === "hex") return hexEncode(part);
      if (enc === "latin1" || enc === "binary") return latin1(this, start, end);
      if (enc === "ascii") { let s = ""; for (let i = start; i < end; i++) s += String.fromCharCode(this[i] & 127); return s; }
      if (enc === "utf16le" || enc === "ucs2") { let s = ""; for (let i = start; i + 1 < end; i += 2) s += String.fromCharCode(this[i] | (this[i + 1] << 8)); return s; }
      throw new TypeError("Unknown encoding: " + enc);
    }
    toJSON() { return { type: "Buffer", data: Array.from(this) }; }
    equals(o) { if (this.length !== o.length) return false; for (let i = 0; i < this.length; i++) if (this[i] !== o[i]) return false; return true; }
    compare(o) {
      const n = Math.min(this.length, o.length);
      for (let i = 0; i < n; i++) if (this[i] !== o[i]) return this[i] < o[i] ? -1 : 1;
      return this.length === o.length ? 0 : this.length < o.length ? -1 : 1;
    }
    write(str, offset, enc) {
      if (typeof offset === "string") { enc = offset; offset = 0; }
      const b = encode(str, enc); offset = offset || 0;
      let n = 0; for (; n < b.length && offset + n < this.length; n++) this[offset + n] = b[n];
      return n;
    }
    copy(target, ts, ss, se) {
      ts = ts || 0; ss = ss || 0; se = se === undefined ? this.length : se;
      let n = 0; for (; ss + n < se && ts + n < target.length; n++) target[ts + n] = this[ss + n];
      return n;
    }
    slice(s, e) { return this.subarray(s, e); }
    subarray(s, e) { const u = Uint8Array.prototype.subarray.call(this, s, e); return new Buffer(u.buffer, u.byteOffset, u.length); }
    indexOf(v, from) {
      const needle = typeof v === "number" ? [v] : typeof v === "string" ? encode(v) : v;
      outer: for (let i = from || 0; i <= this.length - needle.length; i++) {
        for (let j = 0; j < needle.length; j++) if (this[i + j] !== needle[j]) continue outer;
        return i;
      }
      return -1;
    }
    includes(v, from) { return this.indexOf(v, from) !== -1; }
    readUInt8(o) { return this[o || 0]; }
    readUInt16BE(o) { o = o || 0; return (this[o] << 8) | this[o + 1]; }
    readUInt32BE(o) { o = o || 0; return ((this[o] << 24) >>> 0) + ((this[o + 1] << 16) | (this[o + 2] << 8) | this[o + 3]); }
    readUInt16LE(o) { o = o || 0; return this[o] | (this[o + 1] << 8); }
    readUInt32LE(o) { o = o || 0; return ((this[o + 3] << 24) >>> 0) + ((this[o + 2] << 16) | (this[o + 1] << 8) | this[o]); }
  }
  const toBuffer = (u) => new Buffer(u.buffer, u.byteOffset, u.length);
  G.Buffer = Buffer;
  G.btoa = (s) => {
    s = String(s);
    for (let i = 0; i < s.length; i++) {
      if (s.charCodeAt(i) > 255) throw new DOMException("Invalid character", "InvalidCharacterError");
    }
    return b64Encode(encode(s, "latin1"), false);
  };
  G.atob = (s) => latin1(b64Decode(String(s).replace(/[\t\n\f\r ]/g, "")), 0, b64Decode(String(s).replace(/[\t\n\f\r ]/g, "")).length);
  G.TextEncoder = class TextEncoder { get encoding() { return "utf-8"; } encode(s) { return utf8Encode(s === undefined ? "" : s); } };
  G.TextDecoder = class TextDecoder {
    constructor(label) {
      const l = String(label || "utf-8").toLowerCase();
      if (l !== "utf-8" && l !== "utf8") throw new RangeError(`The "${label}" encoding is not supported`);
    }
    get encoding() { return "utf-8"; }
    decode(b) {
      if (b === undefined) return "";
      const u = b instanceof ArrayBuffer ? new Uint8Array(b) : new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
      return utf8Decode(u, u[0] === 0xef && u[1] === 0xbb && u[2] === 0xbf ? 3 : 0, u.length);
    }
  };

  // ---- hashes --------------------------------------------------------------------------
  const rotl = (x, n) => (x << n) | (x >>> (32 - n));
  function pad(bytes, bigEndian, block) {
    const n = bytes.length, lenPos = block - (block === 128 ? 16 : 8);
    const total = Math.ceil((n + 1 + (block === 128 ? 16 : 8)) / block) * block;
    const m = new Uint8Array(total);
    m.set(bytes); m[n] = 0x80;
    const bitsHi = Math.floor(n / 0x20000000), bitsLo = (n * 8) >>> 0;
    const at = total - 8;
    for (let i = 0; i < 4; i++) {
      if (bigEndian) { m[at + i] = (bitsHi >>> (24 - 8 * i)) & 255; m[at + 4 + i] = (bitsLo >>> (24 - 8 * i)) & 255; }
      else { m[at + i] = (bitsLo >>> (8 * i)) & 255; m[at + 4 + i] = (bitsHi >>> (8 * i)) & 255; }
    }
    void lenPos;
    return m;
  }
  const MD5K = [], MD5S = [7, 12, 17, 22, 5, 9, 14, 20, 4, 11, 16, 23, 6, 10, 15, 21];
  for (let i = 0; i < 64; i++) MD5K[i] = Math.floor(Math.abs(Math.sin(i + 1)) * 0x100000000) | 0;
  function md5(bytes) {
    const m = pad(bytes, false, 64);
    let a0 = 0x67452301, b0 = 0xefcdab89 | 0, c0 = 0x98badcfe | 0, d0 = 0x10325476;
    const w = new Int32Array(16);
    for (let off = 0; off < m.length; off += 64) {
      for (let i = 0; i < 16; i++) w[i] = m[off + 4 * i] | (m[off + 4 * i + 1] << 8) | (m[off + 4 * i + 2] << 16) | (m[off + 4 * i + 3] << 24);
      let a = a0, b = b0, c = c0, d = d0;
      for (let i = 0; i < 64; i++) {
        let f, g;
        if (i < 16) { f = (b & c) | (~b & d); g = i; }
        else if (i < 32) { f = (d & b) | (~d & c); g = (5 * i + 1) & 15; }
        else if (i < 48) { f = b ^ c ^ d; g = (3 * i + 5) & 15; }
        else { f = c ^ (b | ~d); g = (7 * i) & 15; }
        const t = d; d = c; c = b;
        b = (b + rotl((a + f + MD5K[i] + w[g]) | 0, MD5S[(i >> 4) * 4 + (i & 3)])) | 0;
        a = t;
      }
      a0 = (a0 + a) | 0; b0 = (b0 + b) | 0; c0 = (c0 + c) | 0; d0 = (d0 + d) | 0;
    }
    const out = new Uint8Array(16);
    [a0, b0, c0, d0].forEach((v, i) => { for (let j = 0; j < 4; j++) out[4 * i + j] = (v >>> (8 * j)) & 255; });
    return out;
  }
  const words = (vals) => { const out = new Uint8Array(vals.length * 4); vals.forEach((v, i) => { for (let j = 0; j < 4; j++) out[4 * i + j] = (v >>> (24 - 8 * j)) & 255; }); return out; };
  function sha1(bytes) {
    const m = pad(bytes, true, 64);
    let h = [0x67452301, 0xefcdab89 | 0, 0x98badcfe | 0, 0x10325476, 0xc3d2e1f0 | 0];
    const w = new Int32Array(80);
    for (let off = 0; off < m.length; off += 64) {
      for (let i = 0; i < 16; i++) w[i] = (m[off + 4 * i] << 24) | (m[off + 4 * i + 1] << 16) | (m[off + 4 * i + 2] << 8) | m[off + 4 * i + 3];
      for (let i = 16; i < 80; i++) w[i] = rotl(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
      let [a, b, c, d, e] = h;
      for (let i = 0; i < 80; i++) {
        let f, k;
        if (i < 20) { f = (b & c) | (~b & d); k = 0x5a827999; }
        else if (i < 40) { f = b ^ c ^ d; k = 0x6ed9eba1; }
        else if (i < 60) { f = (b & c) | (b & d) | (c & d); k = 0x8f1bbcdc | 0; }
        else { f = b ^ c ^ d; k = 0xca62c1d6 | 0; }
        const t = (rotl(a, 5) + f + e + k + w[i]) | 0;
        e = d; d = c; c = rotl(b, 30); b = a; a = t;
      }
      h = [h[0] + a, h[1] + b, h[2] + c, h[3] + d, h[4] + e].map((x) => x | 0);
    }
    return words(h);
  }
  const K256 = [0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2].map((x) => x | 0);
  function sha256(bytes) {
    const m = pad(bytes, true, 64);
    let h = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19].map((x) => x | 0);
    const w = new Int32Array(64);
    const rotr = (x, n) => (x >>> n) | (x << (32 - n));
    for (let off = 0; off < m.length; off += 64) {
      for (let i = 0; i < 16; i++) w[i] = (m[off + 4 * i] << 24) | (m[off + 4 * i + 1] << 16) | (m[off + 4 * i + 2] << 8) | m[off + 4 * i + 3];
      for (let i = 16; i < 64; i++) {
        const s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >>> 3);
        const s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >>> 10);
        w[i] = (w[i - 16] + s0 + w[i - 7] + s1) | 0;
      }
      let [a, b, c, d, e, f, g, hh] = h;
      for (let i = 0; i < 64; i++) {
        const t1 = (hh + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + K256[i] + w[i]) | 0;
        const t2 = ((rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) | 0;
        hh = g; g = f; f = e; e = (d + t1) | 0; d = c; c = b; b = a; a = (t1 + t2) | 0;
      }
      h = [h[0] + a, h[1] + b, h[2] + c, h[3] + d, h[4] + e, h[5] + f, h[6] + g, h[7] + hh].map((x) => x | 0);
    }
    return words(h);
  }
  // SHA-512 on BigInt words: slow, but hashes in Code nodes are short.
  const M64 = (1n << 64n) - 1n;
  const K512 = ["428a2f98d728ae22", "7137449123ef65cd", "b5c0fbcfec4d3b2f", "e9b5dba58189dbbc", "3956c25bf348b538", "59f111f1b605d019", "923f82a4af194f9b", "ab1c5ed5da6d8118", "d807aa98a3030242", "12835b0145706fbe", "243185be4ee4b28c", "550c7dc3d5ffb4e2", "72be5d74f27b896f", "80deb1fe3b1696b1", "9bdc06a725c71235", "c19bf174cf692694", "e49b69c19ef14ad2", "efbe4786384f25e3", "0fc19dc68b8cd5b5", "240ca1cc77ac9c65", "2de92c6f592b0275", "4a7484aa6ea6e483", "5cb0a9dcbd41fbd4", "76f988da831153b5", "983e5152ee66dfab", "a831c66d2db43210", "b00327c898fb213f", "bf597fc7beef0ee4", "c6e00bf33da88fc2", "d5a79147930aa725", "06ca6351e003826f", "142929670a0e6e70", "27b70a8546d22ffc", "2e1b21385c26c926", "4d2c6dfc5ac42aed", "53380d139d95b3df", "650a73548baf63de", "766a0abb3c77b2a8", "81c2c92e47edaee6", "92722c851482353b", "a2bfe8a14cf10364", "a81a664bbc423001", "c24b8b70d0f89791", "c76c51a30654be30", "d192e819d6ef5218", "d69906245565a910", "f40e35855771202a", "106aa07032bbd1b8", "19a4c116b8d2d0c8", "1e376c085141ab53", "2748774cdf8eeb99", "34b0bcb5e19b48a8", "391c0cb3c5c95a63", "4ed8aa4ae3418acb", "5b9cca4f7763e373", "682e6ff3d6b2b8a3", "748f82ee5defb2fc", "78a5636f43172f60", "84c87814a1f0ab72", "8cc702081a6439ec", "90befffa23631e28", "a4506cebde82bde9", "bef9a3f7b2c67915", "c67178f2e372532b", "ca273eceea26619c", "d186b8c721c0c207", "eada7dd6cde0eb1e", "f57d4f7fee6ed178", "06f067aa72176fba", "0a637dc5a2c898a6", "113f9804bef90dae", "1b710b35131c471b", "28db77f523047d84", "32caab7b40c72493", "3c9ebe0a15c9bebc", "431d67c49c100d4c", "4cc5d4becb3e42b6", "597f299cfc657e2a", "5fcb6fab3ad6faec", "6c44198c4a475817"].map((x) => BigInt("0x" + x));
  function sha512(bytes, init, outWords) {
    const m = pad(bytes, true, 128);
    let h = init.map((x) => BigInt("0x" + x));
    const rotr = (x, n) => ((x >> n) | (x << (64n - n))) & M64;
    const w = new Array(80);
    for (let off = 0; off < m.length; off += 128) {
      for (let i = 0; i < 16; i++) { let v = 0n; for (let j = 0; j < 8; j++) v = (v << 8n) | BigInt(m[off + 8 * i + j]); w[i] = v; }
      for (let i = 16; i < 80; i++) {
        const s0 = rotr(w[i - 15], 1n) ^ rotr(w[i - 15], 8n) ^ (w[i - 15] >> 7n);
        const s1 = rotr(w[i - 2], 19n) ^ rotr(w[i - 2], 61n) ^ (w[i - 2] >> 6n);
        w[i] = (w[i - 16] + s0 + w[i - 7] + s1) & M64;
      }
      let [a, b, c, d, e, f, g, hh] = h;
      for (let i = 0; i < 80; i++) {
        const t1 = (hh + (rotr(e, 14n) ^ rotr(e, 18n) ^ rotr(e, 41n)) + ((e & f) ^ (~e & M64 & g)) + K512[i] + w[i]) & M64;
        const t2 = ((rotr(a, 28n) ^ rotr(a, 34n) ^ rotr(a, 39n)) + ((a & b) ^ (a & c) ^ (b & c))) & M64;
        hh = g; g = f; f = e; e = (d + t1) & M64; d = c; c = b; b = a; a = (t1 + t2) & M64;
      }
      h = [a, b, c, d, e, f, g, hh].map((x, i) => (h[i] + x) & M64);
    }
    const out = new Uint8Array(outWords * 8);
    for (let i = 0; i < outWords; i++) for (let j = 0; j < 8; j++) out[8 * i + j] = Number((h[i] >> BigInt(56 - 8 * j)) & 255n);
    return out;
  }
  const SHA512_IV = ["6a09e667f3bcc908", "bb67ae8584caa73b", "3c6ef372fe94f82b", "a54ff53a5f1d36f1", "510e527fade682d1", "9b05688c2b3e6c1f", "1f83d9abfb41bd6b", "5be0cd19137e2179"];
  const SHA384_IV = ["cbbb9d5dc1059ed8", "629a292a367cd507", "9159015a3070dd17", "152fecd8f70e5939", "67332667ffc00b31", "8eb44a8768581511", "db0c2e0d64f98fa7", "47b5481dbefa4fa4"];
  const HASHES = {
    md5: [md5, 64], sha1: [sha1, 64], sha256: [sha256, 64],
    sha384: [(b) => sha512(b, SHA384_IV, 6), 128], sha512: [(b) => sha512(b, SHA512_IV, 8), 128],
  };
  const algo = (name) => {
    const a = HASHES[String(name).toLowerCase().replace("-", "")];
    if (!a) throw new Error("Digest method not supported");
    return a;
  };
  const bytesOf = (data, enc) => typeof data === "string" ? encode(data, enc) : data instanceof ArrayBuffer ? new Uint8Array(data) : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const digestAs = (bytes, enc) => enc === undefined ? toBuffer(bytes) : Buffer.from(bytes).toString(enc);
  class Hash {
    constructor(name) { this._f = algo(name)[0]; this._parts = []; this._done = false; }
    update(data, enc) {
      if (this._done) throw new Error("Digest already called");
      this._parts.push(bytesOf(data, enc)); return this;
    }
    _bytes() { const b = Buffer.concat(this._parts.map((p) => Buffer.from(p))); return new Uint8Array(b.buffer, b.byteOffset, b.length); }
    digest(enc) { this._done = true; return digestAs(this._f(this._bytes()), enc); }
    copy() { const h = new Hash("md5"); h._f = this._f; h._parts = this._parts.slice(); return h; }
  }
  class Hmac extends Hash {
    constructor(name, key) {
      super(name);
      const block = algo(name)[1];
      let k = bytesOf(key, "utf8");
      if (k.length > block) k = this._f(k);
      this._key = new Uint8Array(block); this._key.set(k);
    }
    digest(enc) {
      this._done = true;
      const inner = new Uint8Array(this._key.length), outer = new Uint8Array(this._key.length);
      for (let i = 0; i < this._key.length; i++) { inner[i] = this._key[i] ^ 0x36; outer[i] = this._key[i] ^ 0x5c; }
      const msg = this._bytes();
      const a = new Uint8Array(inner.length + msg.length); a.set(inner); a.set(msg, inner.length);
      const ih = this._f(a);
      const b = new Uint8Array(outer.length + ih.length); b.set(outer); b.set(ih, outer.length);
      return digestAs(this._f(b), enc);
    }
  }
  // ---- randomness: SHA-256 in counter mode over the host's seed --------------------------
  let seed = new Uint8Array(32), counter = 0, pool = [];
  function randomFill(u) {
    for (let i = 0; i < u.length; i++) {
      if (!pool.length) {
        const blk = new Uint8Array(36); blk.set(seed);
        blk[32] = counter >>> 24; blk[33] = (counter >>> 16) & 255; blk[34] = (counter >>> 8) & 255; blk[35] = counter & 255;
        counter++; pool = Array.from(sha256(blk));
      }
      u[i] = pool.pop();
    }
    return u;
  }
  const randomBytes = (n, cb) => { const b = randomFill(Buffer.alloc(n)); if (cb) { cb(null, b); return undefined; } return b; };
  const randomUUID = () => {
    const b = randomFill(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
    const h = hexEncode(b);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  };
  const randomInt = (min, max) => { if (max === undefined) { max = min; min = 0; } const b = randomFill(new Uint8Array(6)); let v = 0; for (const x of b) v = v * 256 + x; return min + (v % (max - min)); };
  const cryptoModule = Object.freeze({
    createHash: (name) => new Hash(name),
    createHmac: (name, key) => new Hmac(name, key),
    randomBytes, randomUUID, randomInt,
    getRandomValues: (u) => randomFill(u),
    getHashes: () => Object.keys(HASHES),
    webcrypto: { getRandomValues: (u) => randomFill(u), randomUUID },
  });
  G.crypto = { getRandomValues: (u) => randomFill(u), randomUUID };

  // ---- URL / URLSearchParams -------------------------------------------------------------
  const formEncode = (s) => encodeURIComponent(s).replace(/%20/g, "+").replace(/[!'()~]/g, (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase());
  const formDecode = (s) => { try { return decodeURIComponent(s.replace(/\+/g, " ")); } catch (e) { return s; } };
  class URLSearchParams {
    constructor(init) {
      this._list = [];
      if (init === undefined || init === null) return;
      if (typeof init === "string") {
        for (const part of init.replace(/^\?/, "").split("&")) {
          if (!part) continue;
          const eq = part.indexOf("=");
          this._list.push(eq < 0 ? [formDecode(part), ""] : [formDecode(part.slice(0, eq)), formDecode(part.slice(eq + 1))]);
        }
      } else if (init instanceof URLSearchParams) this._list = init._list.map((p) => p.slice());
      else if (typeof init[Symbol.iterator] === "function") for (const [k, v] of init) this._list.push([String(k), String(v)]);
      else for (const k of Object.keys(init)) this._list.push([k, String(init[k])]);
    }
    _changed() { if (this._url) this._url._setSearch(this.toString()); }
    get size() { return this._list.length; }
    append(k, v) { this._list.push([String(k), String(v)]); this._changed(); }
    delete(k) { this._list = this._list.filter((p) => p[0] !== String(k)); this._changed(); }
    get(k) { const p = this._list.find((x) => x[0] === String(k)); return p ? p[1] : null; }
    getAll(k) { return this._list.filter((x) => x[0] === String(k)).map((x) => x[1]); }
    has(k) { return this._list.some((x) => x[0] === String(k)); }
    set(k, v) {
      k = String(k); const i = this._list.findIndex((x) => x[0] === k);
      if (i < 0) this._list.push([k, String(v)]);
      else { this._list[i][1] = String(v); this._list = this._list.filter((x, j) => j <= i || x[0] !== k); }
      this._changed();
    }
    sort() { this._list.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)); this._changed(); }
    forEach(cb, self) { for (const [k, v] of this._list) cb.call(self, v, k, this); }
    keys() { return this._list.map((p) => p[0])[Symbol.iterator](); }
    values() { return this._list.map((p) => p[1])[Symbol.iterator](); }
    entries() { return this._list.map((p) => p.slice())[Symbol.iterator](); }
    [Symbol.iterator]() { return this.entries(); }
    toString() { return this._list.map(([k, v]) => formEncode(k) + "=" + formEncode(v)).join("&"); }
  }
  const SPECIAL = { "http:": "80", "https:": "443", "ftp:": "21", "ws:": "80", "wss:": "443", "file:": "" };
  const URLRE = /^([a-zA-Z][a-zA-Z0-9+.-]*:)(\/\/(?:([^:@\/?#]*)(?::([^@\/?#]*))?@)?(\[[^\]]*\]|[^:\/?#]*)(?::(\d*))?)?([^?#]*)(\?[^#]*)?(#.*)?$/;
  const pathEncode = (p) => p.replace(/[ "<>`{}]|[^\x00-\x7f]/gu, (c) => encodeURIComponent(c));
  function resolvePath(base, rel) {
    if (rel.startsWith("/")) return rel;
    const dir = base.slice(0, base.lastIndexOf("/") + 1);
    return dir + rel;
  }
  function dots(path) {
    const out = [];
    const segs = path.split("/");
    segs.forEach((s, i) => {
      if (s === "..") { if (out.length > 1) out.pop(); if (i === segs.length - 1) out.push(""); }
      else if (s === ".") { if (i === segs.length - 1) out.push(""); }
      else out.push(s);
    });
    return out.join("/");
  }
  class URL {
    constructor(url, base) {
      url = String(url).trim();
      let m = URLRE.exec(url);
      if (!m && base !== undefined) {
        const b = new URL(base);
        let path = b.pathname, search = b.search, hash = "";
        const hm = /^([^?#]*)(\?[^#]*)?(#.*)?$/.exec(url);
        if (url.startsWith("//")) { m = URLRE.exec(b.protocol + url); }
        else {
          if (hm[1]) { path = dots(resolvePath(b.pathname, hm[1])); search = hm[2] || ""; }
          else if (hm[2]) search = hm[2];
          hash = hm[3] || "";
          m = URLRE.exec(b.protocol + "//" + (b.username ? b.username + (b.password ? ":" + b.password : "") + "@" : "") + b.host + path + search + hash);
        }
      }
      if (!m || (m[1].toLowerCase() in SPECIAL && m[1].toLowerCase() !== "file:" && !m[5])) {
        const e = new TypeError("Invalid URL"); e.code = "ERR_INVALID_URL"; e.input = url; throw e;
      }
      this._protocol = m[1].toLowerCase();
      this._special = this._protocol in SPECIAL;
      this._hasAuthority = m[2] !== undefined;
      this.username = m[3] || ""; this.password = m[4] || "";
      this._hostname = (m[5] || "").toLowerCase();
      const port = m[6] || "";
      this._port = port === SPECIAL[this._protocol] ? "" : port;
      let path = m[7] || "";
      if (this._special && path === "") path = "/";
      this._pathname = this._special ? pathEncode(dots(path)) : path;
      this._search = m[8] && m[8] !== "?" ? pathEncode(m[8]) : "";
      this._hash = m[9] && m[9] !== "#" ? pathEncode(m[9]) : "";
      this._params = new URLSearchParams(this._search);
      this._params._url = this;
    }
    _setSearch(s) { this._search = s ? "?" + s : ""; }
    get protocol() { return this._protocol; }
    get hostname() { return this._hostname; }
    get port() { return this._port; }
    get host() { return this._hostname + (this._port ? ":" + this._port : ""); }
    get origin() { return this._special && this._protocol !== "file:" ? this._protocol + "//" + this.host : "null"; }
    get pathname() { return this._pathname; }
    set pathname(v) { this._pathname = pathEncode(String(v).startsWith("/") ? String(v) : "/" + v); }
    get search() { return this._search; }
    set search(v) { v = String(v).replace(/^\?/, ""); this._search = v ? "?" + pathEncode(v) : ""; this._params._list = new URLSearchParams(v)._list; }
    get hash() { return this._hash; }
    set hash(v) { v = String(v).replace(/^#/, ""); this._hash = v ? "#" + pathEncode(v) : ""; }
    get searchParams() { return this._params; }
    get href() {
      const auth = this.username ? this.username + (this.password ? ":" + this.password : "") + "@" : "";
      return this._protocol + (this._hasAuthority ? "//" + auth + this.host : "") + this._pathname + this._search + this._hash;
    }
    toString() { return this.href; }
    toJSON() { return this.href; }
    static canParse(u, b) { try { new URL(u, b); return true; } catch (e) { return false; } }
  }
  G.URL = URL;
  G.URLSearchParams = URLSearchParams;

  // ---- require, with n8n's allow lists -----------------------------------------------------
  const BUILTIN = {
    crypto: () => cryptoModule,
    buffer: () => ({ Buffer }),
    url: () => ({ URL, URLSearchParams }),
    util: () => ({ TextEncoder: G.TextEncoder, TextDecoder: G.TextDecoder }),
  };
  const NODE_BUILTINS = new Set(["assert", "async_hooks", "buffer", "child_process", "cluster",
    "console", "constants", "crypto", "dgram", "diagnostics_channel", "dns", "domain", "events",
    "fs", "http", "http2", "https", "inspector", "module", "net", "os", "path", "perf_hooks",
    "process", "punycode", "querystring", "readline", "repl", "stream", "string_decoder",
    "sys", "timers", "tls", "trace_events", "tty", "url", "util", "v8", "vm", "wasi",
    "worker_threads", "zlib"]);
  G.__hetumind_setup_env = function (P, externals) {
    if (P.seed) seed = hexDecode(P.seed);
    const allow = (list) => list === "*" ? "*" : new Set(String(list || "").split(",").map((s) => s.trim()).filter(Boolean));
    const builtins = allow(P.allowBuiltin), external = allow(P.allowExternal);
    return function require(name) {
      name = String(name);
      const bare = name.startsWith("node:") ? name.slice(5) : name;
      const isBuiltin = NODE_BUILTINS.has(bare);
      const list = isBuiltin ? builtins : external;
      if (!(list === "*" || list.has(name))) throw new Error(`Cannot find module '${name}'`);
      const make = isBuiltin ? BUILTIN[bare] : externals[name];
      if (!make) throw new Error(`Cannot find module '${name}'`);
      return make();
    };
  };
})();
"""
