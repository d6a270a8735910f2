#!/usr/bin/env python3
"""Load test for `vkgemma serve`: many clients for a bounded time, a mix of well-formed requests (chat and
completions, streamed and not), malformed ones and clients that leave mid-stream. Reports requests/s,
latency percentiles and every failure; exits non-zero if any well-formed request failed or the server died.

    tools/load_test_server.py --vkgemma build/vkgemma -m models/gemma-3-270m-q4_k_m.gguf [--clients 8] [--seconds 60]
    tools/load_test_server.py --url http://127.0.0.1:8080 [--clients 8] [--seconds 60]   # a running server
"""
import argparse
import http.client
import json
import random
import re
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse


def request(host, port, path, body, stream=False, leave_early=False):
    conn = http.client.HTTPConnection(host, port, timeout=600)
    conn.request("POST", path, body=body, headers={"Content-Type": "application/json"})
    r = conn.getresponse()
    if leave_early:
        r.read(6)
        conn.sock.close()
        conn.close()
        return r.status, b""
    data = r.read()
    conn.close()
    return r.status, data


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url")
    ap.add_argument("--vkgemma")
    ap.add_argument("-m", "--model")
    ap.add_argument("--backend", default="cpu")
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--max-tokens", type=int, default=8)
    a = ap.parse_args()

    proc = None
    if a.url:
        u = urllib.parse.urlparse(a.url)
        host, port = u.hostname, u.port
    else:
        proc = subprocess.Popen([a.vkgemma, "serve", "-m", a.model, "--port", "0", "--backend", a.backend, "--ctx", "512"],
                                stderr=subprocess.PIPE, text=True)
        for line in proc.stderr:
            m = re.search(r"at http://([\d.]+):(\d+)/v1", line)
            if m:
                host, port = m.group(1), int(m.group(2))
                threading.Thread(target=lambda: [None for _ in proc.stderr], daemon=True).start()
                break
        else:
            sys.exit("the server did not start")

    prompts = ["The capital of France is", "Once upon a time", "def fibonacci(n):", "The three primary colors are"]
    lock = threading.Lock()
    stats = {"ok": 0, "failed": 0, "malformed_ok": 0, "left": 0, "latencies": [], "errors": []}
    deadline = time.time() + a.seconds

    def client(seed):
        rnd = random.Random(seed)
        while time.time() < deadline:
            kind = rnd.random()
            t0 = time.time()
            try:
                if kind < 0.1:  # malformed: must be a 400, never a crash
                    status, _ = request(host, port, "/v1/chat/completions", b'{"messages": [{"role": ')
                    with lock:
                        stats["malformed_ok" if status == 400 else "failed"] += 1
                        if status != 400:
                            stats["errors"].append(f"malformed request answered {status}")
                    continue
                stream = kind < 0.5
                leave = 0.4 <= kind < 0.5
                p = rnd.choice(prompts)
                if kind < 0.7:
                    body = {"prompt": p, "max_tokens": a.max_tokens, "temperature": 0, "stream": stream}
                    path = "/v1/completions"
                else:
                    body = {"messages": [{"role": "user", "content": p}], "max_tokens": a.max_tokens, "stream": stream}
                    path = "/v1/chat/completions"
                status, data = request(host, port, path, json.dumps(body).encode(), stream, leave)
                ok = status == 200 and (leave or (b"[DONE]" in data if stream else b'"choices"' in data))
                with lock:
                    if leave:
                        stats["left"] += 1
                    elif ok:
                        stats["ok"] += 1
                        stats["latencies"].append(time.time() - t0)
                    else:
                        stats["failed"] += 1
                        stats["errors"].append(f"{path} -> {status}: {data[:200]!r}")
            except Exception as e:  # noqa: BLE001 - every failure is counted
                with lock:
                    stats["failed"] += 1
                    stats["errors"].append(repr(e))

    t0 = time.time()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(a.clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.time() - t0
    alive = proc is None or proc.poll() is None
    lat = sorted(stats["latencies"])
    print(f"{a.clients} clients for {elapsed:.0f} s: {stats['ok']} completed ({stats['ok'] / elapsed:.2f} requests/s), "
          f"{stats['malformed_ok']} malformed answered 400, {stats['left']} left mid-stream, {stats['failed']} failed")
    if lat:
        print(f"latency: median {statistics.median(lat):.2f} s, p95 {lat[int(0.95 * (len(lat) - 1))]:.2f} s, max {lat[-1]:.2f} s")
    for e in stats["errors"][:10]:
        print("  failure:", e)
    print("server alive:", alive)
    if proc:
        proc.terminate()
        proc.wait(timeout=30)
    sys.exit(0 if alive and stats["failed"] == 0 and stats["ok"] > 0 else 1)


main()
