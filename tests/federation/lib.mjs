// What gateway.mjs and audit.mjs share: loopback ports, starting the
// registry server and the test subgraph as child processes (and always
// stopping them), and a small check runner that prints "N passed, M failed".

import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual, inspect } from 'node:util';

export const HERE = dirname(fileURLToPath(import.meta.url));
export const REPO = resolve(HERE, '..', '..');

const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 10_000;

/// A listening socket on a loopback port the system picks, bound here so it
/// can be handed to a child (no port is probed free and released): its port
/// and its file descriptor.
function boundListener() {
  return new Promise((resolveBound, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen({ host: '127.0.0.1', port: 0 }, () => {
      resolveBound({ server, port: server.address().port, fd: server._handle.fd });
    });
  });
}

const children = new Set();
const tempDirs = new Set();

function stopChild(child) {
  return new Promise((done) => {
    if (child.exitCode !== null || child.signalCode !== null) return done();
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    child.once('exit', () => {
      clearTimeout(timer);
      done();
    });
    child.kill('SIGTERM');
  });
}

/// Stops every child this process started and removes its temp dirs.
export async function stopAll() {
  await Promise.all([...children].map(stopChild));
  children.clear();
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  tempDirs.clear();
}

// Last resort when the script dies some other way: no child outlives it.
process.on('exit', () => {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, async () => {
    await stopAll();
    process.exit(130);
  });
}

function startChild(name, command, args, options, extraFds = []) {
  const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe', ...extraFds] });
  children.add(child);
  let output = '';
  const keep = (chunk) => {
    output = (output + chunk.toString()).slice(-20_000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  child.on('exit', () => children.delete(child));
  return { name, child, output: () => output };
}

async function waitUntil(started, ready) {
  const deadline = Date.now() + START_TIMEOUT_MS;
  let last;
  while (Date.now() < deadline) {
    if (started.child.exitCode !== null || started.child.signalCode !== null) {
      throw new Error(
        `${started.name} exited (${started.child.exitCode ?? started.child.signalCode}) before it was ready:\n${started.output()}`,
      );
    }
    try {
      if (await ready()) return;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${started.name} was not ready within ${START_TIMEOUT_MS} ms (${last}):\n${started.output()}`);
}

/// The registry binary: REGISTRY_BIN, relative to the working directory or to the repo root.
export function registryBin() {
  const bin = process.env.REGISTRY_BIN;
  if (!bin) throw new Error('REGISTRY_BIN is not set (e.g. target/debug/standards-registry)');
  for (const candidate of isAbsolute(bin) ? [bin] : [resolve(process.cwd(), bin), resolve(REPO, bin)]) {
    if (existsSync(candidate)) return candidate;
  }
  throw new Error(`REGISTRY_BIN ${bin} does not exist; build it first (cargo build)`);
}

/// Starts our server on a loopback port over a fresh SQLite file; resolves
/// once /healthz answers. `env` adds settings (e.g. REGISTRY_MAX_BATCH).
export async function startRegistry(env = {}, args = []) {
  // The port is bound here and handed over as descriptor 3 (LISTEN_FDS=1,
  // as systemd's socket activation does).
  const { server: listener, port, fd } = await boundListener();
  const dir = mkdtempSync(join(tmpdir(), 'registry-federation-'));
  tempDirs.add(dir);
  let started;
  try {
    started = startChild('registry', registryBin(), ['serve', ...args], {
      cwd: REPO,
      env: {
        ...process.env,
        DATABASE_URL: `sqlite://${join(dir, 'registry.db')}?mode=rwc`,
        REGISTRY_DATASET: join(REPO, 'data', 'registry.json'),
        RUST_LOG: process.env.RUST_LOG ?? 'warn',
        LISTEN_FDS: '1',
        ...env,
      },
    }, [fd]);
  } finally {
    // The child holds its own copy; this process must not accept on it.
    listener.close();
  }
  const base = `http://127.0.0.1:${port}`;
  await waitUntil(started, async () => (await fetch(`${base}/healthz`)).ok);
  return { ...started, url: `${base}/graphql` };
}

/// Starts the catalogue test subgraph on a loopback port it picks itself
/// (PORT=0) and names when ready; resolves once it answers.
export async function startTestSubgraph() {
  const started = startChild('catalogue subgraph', process.execPath, [join(HERE, 'test-subgraph.mjs')], {
    cwd: HERE,
    env: { ...process.env, PORT: '0' },
  });
  let url;
  await waitUntil(started, async () => {
    url = started.output().match(/ready at (http:\S+)/)?.[1];
    return url !== undefined;
  });
  await waitUntil(started, async () => {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    return res.ok;
  });
  return { ...started, url };
}

/// Named checks, run in order; each passes or fails with a reason.
export class Checks {
  constructor() {
    this.passed = 0;
    this.failed = 0;
  }

  async check(name, fn) {
    try {
      await fn();
      this.passed += 1;
      console.log(`ok      ${name}`);
    } catch (err) {
      this.failed += 1;
      console.log(`FAILED  ${name}\n        ${String(err?.stack ?? err).replaceAll('\n', '\n        ')}`);
    }
  }

  fail(name, err) {
    this.failed += 1;
    console.log(`FAILED  ${name}\n        ${String(err?.stack ?? err).replaceAll('\n', '\n        ')}`);
  }

  summary() {
    console.log(`${this.passed} passed, ${this.failed} failed`);
    return this.failed === 0 ? 0 : 1;
  }
}

/// Throws unless `actual` deep-equals `expected`, showing both.
export function assertEqual(actual, expected, what = 'value') {
  if (!isDeepStrictEqual(actual, expected)) {
    throw new Error(
      `${what} differs.\nexpected: ${inspect(expected, { depth: null })}\nactual:   ${inspect(actual, { depth: null })}`,
    );
  }
}

export function assert(condition, message) {
  if (!condition) throw new Error(message);
}

/// POSTs a GraphQL request and returns { status, headers, body }.
export async function post(url, payload, headers = {}) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof payload === 'string' ? payload : JSON.stringify(payload),
  });
  const text = await res.text();
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    body = text;
  }
  return { status: res.status, headers: res.headers, body };
}
