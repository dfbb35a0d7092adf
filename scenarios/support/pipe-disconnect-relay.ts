/**
 * A relay run by the supervisor in place of the embedder, so that the host <-> embedder byte stream passes through
 * the orchestrator's fault proxy (harness/faults/proxy.ts), whatever the transport:
 *
 *   stdio:  host =pipes= relay =uds=> proxy(L) =uds=> relay's server (T) =pipes= embedder
 *   uds:    host =uds=> proxy(L) =uds=> embedder listening on T (the relay rewrites its ready line from T to L)
 *
 * usage: node relay.ts stdio|uds L T -- embedder argv...   (for uds the argv already says --socket T)
 * Signals are forwarded to the embedder; the relay ends the way the embedder ended (same code or signal). A half-close
 * is passed on as a half-close (the end of a stream, not a kill), so the peers see what they would see directly.
 */
import { spawn } from 'node:child_process';
import net from 'node:net';
import { closeSync, rmSync } from 'node:fs';

const [mode, listenPath, targetPath, dashes, ...argv] = process.argv.slice(2);
if ((mode !== 'stdio' && mode !== 'uds') || !listenPath || !targetPath || dashes !== '--' || argv.length === 0) {
  process.stderr.write(`pipe-disconnect-relay: usage: relay.ts stdio|uds LISTEN TARGET -- command...; got ${JSON.stringify(process.argv.slice(2))}\n`);
  process.exit(2);
}

const child = spawn(argv[0]!, argv.slice(1), { stdio: ['pipe', 'pipe', 'inherit'] });
child.stdin!.on('error', () => {});
for (const sig of ['SIGTERM', 'SIGINT'] as const) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => {
  process.removeAllListeners('SIGTERM');
  process.removeAllListeners('SIGINT');
  if (signal) process.kill(process.pid, signal);
  setTimeout(() => process.exit(code ?? 1), signal ? 200 : 0);
});
child.on('error', (e) => { process.stderr.write(`pipe-disconnect-relay: cannot start the embedder: ${e.message}\n`); process.exit(127); });

if (mode === 'uds') {
  // Our stdin is the supervisor's: its end means the parent let go, as it would for the embedder.
  process.stdin.pipe(child.stdin!);
  let buf = '';
  child.stdout!.on('data', (d: Buffer) => {
    buf += d.toString('utf8');
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      let out = line;
      try {
        const m = JSON.parse(line) as { ready?: boolean; socket?: string };
        if (m.ready && m.socket === targetPath) out = JSON.stringify({ ...m, socket: listenPath });
      } catch { /* not JSON: pass it on */ }
      process.stdout.write(`${out}\n`);
    }
  });
} else {
  try { rmSync(targetPath, { force: true }); } catch { /* listen will say */ }
  const server = net.createServer({ allowHalfOpen: true }, (conn) => {
    conn.on('error', () => {});
    conn.pipe(child.stdin!); // conn end -> embedder stdin end
    child.stdout!.pipe(conn); // embedder stdout end -> conn end
  });
  server.listen(targetPath, () => {
    const sock = net.createConnection({ path: listenPath, allowHalfOpen: true });
    sock.on('error', (e) => { process.stderr.write(`pipe-disconnect-relay: proxy connection: ${e.message}\n`); });
    process.stdin.pipe(sock); // host's stdin end -> half-close toward the embedder
    sock.on('data', (d: Buffer) => process.stdout.write(d));
    // The embedder side ended: close our stdout so the host sees EOF (process.stdout.end() keeps fd 1 open).
    sock.on('end', () => process.stdout.write('', () => { try { closeSync(1); } catch { /* already closed */ } }));
  });
}
