/**
 * A compiled sidecar speaking the gauntlet protocol over a Unix domain socket with MessagePack (the design seed 004
 * recommends). The binary is yours: build it first (`cargo build --release`); docs/protocol.md section 7 lists what
 * it must do. `{socket}` is a fresh socket path chosen by the supervisor; the sidecar listens there and prints
 * `{"ready": true, "socket": "<path>", "pid": <pid>}` on stdout once it accepts connections.
 */
import { defineConfig } from 'gauntlet';

export default defineConfig({
  adapters: {
    'rust-sidecar': {
      kind: 'process',
      command: ['./target/release/my-embedder', '--socket', '{socket}', '--max-batch', '{maxBatch}', '--max-frame-bytes', '{maxFrameBytes}', '--threads', '{threads}'],
      cwd: '/path/to/my-embedder',
      transport: 'uds',
      codec: 'msgpack',
      env: { RUST_LOG: 'warn' },
      // Optional supervisor tuning: restart breaker and health pings.
      supervisor: { restart: { maxRestarts: 5, windowMs: 60_000 }, healthIntervalMs: 1_000, healthTimeoutMs: 5_000 },
      description: 'my Rust sidecar, Unix socket + MessagePack',
    },
  },
  defaultAdapters: ['rust-sidecar', 'reference-uds'],
  threads: 1,
});
