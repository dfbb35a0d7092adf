#!/usr/bin/env python3
"""A protocol skeleton: an embedder that speaks gauntlet's wire protocol (docs/protocol.md) over stdio with the
NDJSON codec, in plain Python 3 with no dependency.

It does NOT run a model: `embed_text` below returns a deterministic pseudo-vector derived from a hash of the text,
so that the protocol side (framing, ids, limits, errors, shutdown, parent death, stats) can be exercised by the
harness. Replace `load_model` and `embed_text` with calls into your own runtime (llama-cpp-python, fastembed,
sentence-transformers, ...). Correctness claims will fail for this skeleton, as they should.

Usage (the harness substitutes the {placeholders}):
  python3 embedder.py --max-batch {maxBatch} --max-frame-bytes {maxFrameBytes}
"""
import argparse
import hashlib
import json
import os
import struct
import sys
import threading
import time

DIMS = 64


def load_model(path, options):
    """Open the model. Raise ValueError for a file that is not usable (answered as `model-invalid`)."""
    if not os.path.isfile(path):
        raise ValueError(f"model file {path!r} does not exist; pass a GGUF file path")
    with open(path, "rb") as f:
        if f.read(4) != b"GGUF":
            raise ValueError(f"{path!r} is not a GGUF file (bad magic)")
    return {"path": path, "normalize": bool(options.get("normalize", False))}


def embed_text(model, text):
    """A stand-in for the real model call: DIMS floats from SHA-256 of the text."""
    out = []
    counter = 0
    while len(out) < DIMS:
        digest = hashlib.sha256(f"{counter}:{text}".encode("utf-8")).digest()
        out.extend(v / 2147483648.0 for v in struct.unpack("<8i", digest))
        counter += 1
    vec = out[:DIMS]
    if model["normalize"]:
        norm = sum(x * x for x in vec) ** 0.5 or 1.0
        vec = [x / norm for x in vec]
    return vec


def proc_status():
    """RSS figures in bytes from /proc/self/status (0 where unavailable)."""
    fields = {"VmRSS": 0, "RssAnon": 0, "RssFile": 0}
    try:
        with open("/proc/self/status") as f:
            for line in f:
                key, _, rest = line.partition(":")
                if key in fields:
                    fields[key] = int(rest.split()[0]) * 1024
    except OSError:
        pass
    return fields


class Embedder:
    def __init__(self, max_batch, max_frame_bytes):
        self.max_batch = max_batch
        self.max_frame_bytes = max_frame_bytes
        self.model = None
        self.requests = 0
        self.lock = threading.Lock()

    def send(self, msg):
        line = json.dumps(msg, separators=(",", ":"), allow_nan=False) + "\n"
        with self.lock:  # stdout carries frames only; logs go to stderr
            sys.stdout.write(line)
            sys.stdout.flush()

    def error(self, req_id, code, message, retryable=False):
        self.send({"v": 1, "id": req_id, "type": "error", "code": code, "message": message, "retryable": retryable})

    def check_text(self, req_id, text):
        if not isinstance(text, str):
            self.error(req_id, "bad-request", f"text must be a string, got {type(text).__name__}")
            return False
        if text == "":
            self.error(req_id, "bad-request", "empty text: send at least one character")
            return False
        return True

    def handle(self, msg):
        req_id = msg.get("id")
        if not isinstance(req_id, int) or isinstance(req_id, bool) or req_id < 0:
            return self.error(0, "bad-request", f"id must be a non-negative integer, got {req_id!r}")
        if msg.get("v") != 1:
            return self.error(req_id, "bad-request", f"unsupported protocol version {msg.get('v')!r}; expected 1")
        self.requests += 1
        kind = msg.get("type")
        if kind == "initialize":
            path = msg.get("modelPath")
            if not isinstance(path, str):
                return self.error(req_id, "bad-request", "initialize needs modelPath (a string)")
            try:
                self.model = load_model(path, msg.get("options") or {})
            except ValueError as e:
                return self.error(req_id, "model-invalid", str(e))
            return self.send({"v": 1, "id": req_id, "type": "initialized", "dims": DIMS, "vocabSize": 0, "model": os.path.basename(path)})
        if kind == "ping":
            return self.send({"v": 1, "id": req_id, "type": "pong"})
        if kind == "stats":
            s = proc_status()
            return self.send({"v": 1, "id": req_id, "type": "stats", "pid": os.getpid(), "rss": s["VmRSS"], "rssAnon": s["RssAnon"],
                              "rssFile": s["RssFile"], "heapUsed": 0, "requests": self.requests, "inFlight": 0})
        if kind == "shutdown":
            self.send({"v": 1, "id": req_id, "type": "shutdown-ack", "graceful": True})
            sys.exit(0)
        if kind in ("embed", "embed-batch") and self.model is None:
            return self.error(req_id, "not-initialized", "no model loaded: send initialize first", retryable=True)
        if kind == "embed":
            text = msg.get("text")
            if self.check_text(req_id, text):
                self.send({"v": 1, "id": req_id, "type": "embedding", "vector": embed_text(self.model, text)})
            return None
        if kind == "embed-batch":
            texts = msg.get("texts")
            if not isinstance(texts, list):
                return self.error(req_id, "bad-request", "embed-batch needs texts (an array of strings)")
            if len(texts) > self.max_batch:
                return self.error(req_id, "batch-too-large", f"{len(texts)} texts in one batch; the limit is {self.max_batch}")
            if all(self.check_text(req_id, t) for t in texts):
                self.send({"v": 1, "id": req_id, "type": "embeddings", "vectors": [embed_text(self.model, t) for t in texts]})
            return None
        return self.error(req_id, "bad-request", f"unknown message type {kind!r}")

    def serve(self):
        stdin = sys.stdin.buffer
        while True:
            # Read at most max_frame_bytes + 1 bytes of one line: never buffer what the limit forbids.
            line = stdin.readline(self.max_frame_bytes + 2)
            if not line:
                return  # EOF: the host closed our stdin, exit
            if not line.endswith(b"\n") and len(line) > self.max_frame_bytes:
                self.error(0, "bad-frame", f"line longer than {self.max_frame_bytes} bytes; skipped")
                while line and not line.endswith(b"\n"):  # discard the rest of the line
                    line = stdin.readline(65536)
                continue
            line = line.rstrip(b"\r\n")
            if not line.strip():
                continue
            try:
                text = line.decode("utf-8")
            except UnicodeDecodeError:
                self.error(0, "bad-utf8", "line is not valid UTF-8; skipped")
                continue
            try:
                msg = json.loads(text)
            except (ValueError, RecursionError) as e:
                # RecursionError: Python's decoder recurses, so a deeply nested line must not end the process.
                self.error(0, "bad-frame", f"line is not JSON we can read ({type(e).__name__}); skipped")
                continue
            if not isinstance(msg, dict):
                self.error(0, "bad-frame", "top level must be a JSON object")
                continue
            try:
                self.handle(msg)
            except SystemExit:
                raise
            except Exception as e:  # noqa: BLE001 - an error must never end the process
                self.error(msg.get("id") if isinstance(msg.get("id"), int) else 0, "internal", f"{type(e).__name__}: {e}", retryable=True)


def exit_when_orphaned():
    """The protocol requires exiting within 1 s of the parent's death: poll the parent pid."""
    parent = os.getppid()
    while True:
        time.sleep(0.1)
        if os.getppid() != parent:
            os._exit(0)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--max-batch", type=int, default=10)
    ap.add_argument("--max-frame-bytes", type=int, default=65536)
    args = ap.parse_args()
    threading.Thread(target=exit_when_orphaned, daemon=True).start()
    Embedder(args.max_batch, args.max_frame_bytes).serve()


if __name__ == "__main__":
    main()
