// Preloaded into n8n while recording (NODE_OPTIONS=--require): requests to the hosts named in
// FAKE_HOSTS ("slack.com=127.0.0.1:8001,...") go over plain HTTP to that loopback fake.
// n8n's Slack, Airtable and Notion nodes have no base URL setting; this is the only way to
// point them at a fake without touching the machine's DNS.
const http = require('http');
const https = require('https');
const map = Object.fromEntries(
  (process.env.FAKE_HOSTS || '').split(',').filter(Boolean).map((pair) => pair.split('=')),
);
const original = https.request;
function redirected(args) {
  let [url, options, callback] = args;
  if (typeof url === 'string' || url instanceof URL) {
    const u = new URL(url);
    if (typeof options === 'function') { callback = options; options = {}; }
    options = { ...(options || {}), protocol: u.protocol, hostname: u.hostname, port: u.port, path: u.pathname + u.search };
  } else {
    callback = options;
    options = url;
  }
  const target = map[options.hostname || (options.host || '').split(':')[0]];
  if (!target) return null;
  const [host, port] = target.split(':');
  const { agent, ...rest } = options;
  return http.request({ ...rest, protocol: 'http:', hostname: host, host, port: Number(port) }, callback);
}
https.request = function (...args) { return redirected(args) || original.apply(https, args); };
https.get = function (...args) { const req = https.request(...args); req.end(); return req; };
