/**
 * docs/adapters.md "When it does not start": each row is produced here, on purpose, through a real host process (what
 * `gauntlet embed` and `gauntlet run` start), against real child processes: a small Python OpenAI-compatible server
 * (test/package/fixtures/server.py) and Python one-liners for the protocol cases. Each start must fail with the
 * message that names the cause and the fix, well before the adapter's 15 s start deadline where the cause is
 * knowable (the bound checked is that deadline, not a timing target), and leave no process behind.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import type { AdapterConfig } from '../../harness/adapters/types.ts';
import { startHost } from '../../harness/host/host-handle.ts';
import { isPidAlive } from '../../harness/util/proc-status.ts';
import { packagePath } from '../../harness/util/ts-runner.ts';
import { adapterFor } from '../host/helpers.ts';

const SERVER = packagePath('test', 'package', 'fixtures', 'server.py');
const HAS_PYTHON = spawnSync('python3', ['--version']).status === 0;
/** The adapter's start deadline (limits.startTimeoutMs): a knowable cause must be named before it. */
const START_DEADLINE_MS = 15_000;

const started: ChildProcess[] = [];
afterAll(() => { for (const c of started) c.kill('SIGKILL'); });

/** A port nothing listens on (bound, then closed). */
async function closedPort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

/** Starts a host for `config`, expects its start to fail; returns the error, how long it took and the pids seen. */
async function failedStart(name: string, config: AdapterConfig): Promise<{ message: string; code: string; ms: number; pids: number[] }> {
  const adapter = await adapterFor(name, config);
  const host = await startHost(adapter, { deferStart: true });
  const pids: number[] = [];
  host.on('lifecycle', (e) => { if (typeof e.pid === 'number') pids.push(e.pid); });
  const t0 = performance.now();
  try {
    await host.start();
    throw new Error(`${name}: the start succeeded`);
  } catch (e) {
    const err = e as { message: string; code: string };
    return { message: err.message, code: err.code, ms: performance.now() - t0, pids };
  } finally {
    await host.close();
  }
}

describe.runIf(HAS_PYTHON)('start errors name the cause and the fix (docs/adapters.md "When it does not start")', () => {
  it('http server started with {port} = 0 that prints no ready line: says so, quotes its output, names freePort / baseUrl', async () => {
    const r = await failedStart('no-ready-line', { kind: 'http', command: ['python3', SERVER, '--model', '{model}', '--port', '{port}'] });
    expect(r.code).toBe('GAUNTLET_CONFIG_INVALID');
    expect(r.message).toMatch(/^adapters\.no-ready-line: the http server \(pid \d+\) has listened on port \d+ for 1500 ms but printed no \{"ready": true, "port": N\} line on stdout; gauntlet started it with \{port\} = 0 .*add freePort: true .*or set baseUrl .*its stdout ended: serving on 127\.0\.0\.1:\d+; nothing on stderr$/);
    expect(r.ms).toBeLessThan(START_DEADLINE_MS);
    for (const pid of r.pids) expect(isPidAlive(pid)).toBe(false);
  }, 60_000);

  it('readiness URL answering 404 (the default /health, and a readyUrl): names readyUrl', async () => {
    const health = await failedStart('no-health', { kind: 'http', command: ['python3', SERVER, '--port', '{port}', '--no-health'], freePort: true });
    expect(health.code).toBe('GAUNTLET_CONFIG_INVALID');
    expect(health.message).toMatch(/^adapters\.no-health: http:\/\/127\.0\.0\.1:\d+\/health answers HTTP 404: the server is up but has no \/health route, gauntlet's default readiness check; set readyUrl to a GET it answers 2xx on/);
    expect(health.ms).toBeLessThan(START_DEADLINE_MS);
    const custom = await failedStart('bad-ready-url', { kind: 'http', command: ['python3', SERVER, '--port', '{port}'], freePort: true, readyUrl: 'http://127.0.0.1:1/ready' });
    expect(custom.message).toMatch(/^adapters\.bad-ready-url: the readiness URL http:\/\/127\.0\.0\.1:\d+\/ready answers HTTP 404: .*fix readyUrl/);
  }, 60_000);

  it('fixed baseUrl nothing listens on (a server nobody started): connection refused, names the URL', async () => {
    const port = await closedPort();
    const r = await failedStart('nobody-home', { kind: 'http', baseUrl: `http://127.0.0.1:${port}` });
    expect(r.code).toBe('GAUNTLET_CONFIG_INVALID');
    expect(r.message).toMatch(new RegExp(`^adapters\\.nobody-home: nothing listens at http://127\\.0\\.0\\.1:${port} \\(connection refused for \\d+ ms\\): start the server before gauntlet runs`));
    expect(r.ms).toBeLessThan(START_DEADLINE_MS);
  }, 60_000);

  it('a started server that listens on another port than baseUrl\'s: names both ports and {port}', async () => {
    const other = await closedPort();
    const r = await failedStart('elsewhere', { kind: 'http', command: ['python3', SERVER, '--port', '{port}', '--listen-on', String(other)], freePort: true });
    expect(r.code).toBe('GAUNTLET_CONFIG_INVALID');
    expect(r.message).toMatch(new RegExp(`^adapters\\.elsewhere: the http server \\(pid \\d+\\) listens on port ${other}, not on port \\d+ of http://127\\.0\\.0\\.1:\\d+: it was given \\d+ as \\{port\\} but did not take it`));
    expect(r.ms).toBeLessThan(START_DEADLINE_MS);
  }, 60_000);

  it('servers that neither listen nor print a line: the deadline says what was seen (no port, nothing listened, the output)', async () => {
    const sleeper = ['python3', '-c', 'import sys, time\nprint("starting", flush=True)\ntime.sleep(60)'];
    const noLine = await failedStart('sleeps-port0', { kind: 'http', command: [...sleeper, '{port}'], readyTimeoutMs: 2_000, supervisor: { restart: { maxRestarts: 0 } } });
    expect(noLine.message).toMatch(/adapters\.sleeps-port0: the http server \(pid \d+\) ran 2000 ms \(readyTimeoutMs\), listening on no port, but printed no \{"ready": true, "port": N\} line on stdout; .*its stdout ended: starting/);
    const refused = await failedStart('sleeps-free', { kind: 'http', command: [...sleeper, '{port}'], freePort: true, readyTimeoutMs: 2_000, supervisor: { restart: { maxRestarts: 0 } } });
    expect(refused.message).toMatch(/http:\/\/127\.0\.0\.1:\d+\/health was not ready before the deadline \(last: .*ECONNREFUSED.*\); connection refused for all \d+ ms: nothing listened at http:\/\/127\.0\.0\.1:\d+; the server listened on no TCP port; its stdout ended: starting/);
  }, 60_000);

  it('command not found: names the PATH searched (http and process), or the path resolved from cwd', async () => {
    const http = await failedStart('missing-server', { kind: 'http', command: ['gauntlet-no-such-server', '--port', '{port}'], freePort: true });
    expect(http.code).toBe('GAUNTLET_CONFIG_INVALID');
    expect(http.message).toContain(`adapters.missing-server: could not spawn the http server "gauntlet-no-such-server": ENOENT: "gauntlet-no-such-server" is not on the PATH the host searched (`);
    const proc = await failedStart('missing-embedder', { kind: 'process', transport: 'stdio', codec: 'ndjson', command: ['./bin/no-such-embedder'], cwd: '/tmp' });
    expect(proc.message).toContain('could not spawn the embedder "./bin/no-such-embedder": ENOENT: /tmp/bin/no-such-embedder does not exist (a relative command starts from the adapter\'s cwd, /tmp)');
    expect(Math.max(http.ms, proc.ms)).toBeLessThan(START_DEADLINE_MS);
  }, 60_000);

  it('a process adapter that never sent initialized: what it sent instead (a log line on stdout)', async () => {
    const r = await failedStart('chatty', {
      kind: 'process', transport: 'stdio', codec: 'ndjson',
      command: ['python3', '-c', 'import sys, time\nprint("loading model...", flush=True)\nsys.stderr.write("warming up\\n"); sys.stderr.flush()\ntime.sleep(60)'],
    });
    expect(r.code).toBe('GAUNTLET_EMBEDDER_ERROR');
    expect(r.message).toMatch(/^the embedder \(pid \d+\) did not answer initialize with initialized; it sent instead: an undecodable frame \(bad-frame: line is not JSON .*"loading model\.\.\."\)\. Its stdout must carry protocol frames only \(ndjson; logs go to stderr; gauntlet's docs\/protocol\.md\); its stderr ended: warming up$/);
    expect(r.ms).toBeLessThan(START_DEADLINE_MS);
    for (const pid of r.pids) expect(isPidAlive(pid)).toBe(false);
  }, 60_000);

  it('... and one that answered with another message than initialized', async () => {
    const r = await failedStart('wrong-answer', {
      kind: 'process', transport: 'stdio', codec: 'ndjson',
      command: ['python3', '-c', 'import sys, json, time\nline = json.loads(sys.stdin.readline())\nprint(json.dumps({"v": 1, "id": line["id"] + 1000, "type": "pong"}), flush=True)\ntime.sleep(60)'],
    });
    expect(r.message).toMatch(/did not answer initialize with initialized; it sent instead: a "pong" message \(id \d+\)/);
    expect(r.ms).toBeLessThan(START_DEADLINE_MS);
  }, 60_000);
});

describe('a start the host\'s own deadline ends still says why the adapter did not start', () => {
  it('a process that never answers: the adapter\'s timeout message, quoted in the host start error', async () => {
    const adapter = await adapterFor('mute', { kind: 'process', transport: 'stdio', codec: 'msgpack', command: [process.execPath, '-e', 'setTimeout(() => {}, 60_000)'] }, { startTimeoutMs: 1_000 });
    const host = await startHost(adapter, { startTimeoutMs: 3_500, deferStart: true });
    try {
      await expect(host.start()).rejects.toThrow(/^host start \(pid \d+\) did not finish within 3500 ms; the adapter's start failed \d+ time\(s\) meanwhile \(restarted within supervisor\.restart\), the last with: the embedder \(pid \d+\) sent nothing within 1000 ms of initialize \(no initialized, no frame at all\)/);
    } finally {
      await host.close();
    }
  }, 30_000);
});

