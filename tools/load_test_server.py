#!/usr/bin/env python3
"""Load test for `vkgemma serve`: N clients stream completions at once; reports the generated tokens per second
(all clients together), time to first token and request latency percentiles, and errors.

    tools/load_test_server.py --url http://127.0.0.1:8080 --clients 1 4 16 --requests 10 --max-tokens 64
    tools/load_test_server.py --url http://127.0.0.1:8080 --chat-cache 1000

Each client sends --requests streaming requests one after another (a different prompt each, so that no
request reuses another's cache), temperature 0 unless --temperature. --chat-cache N instead times the second
turn of an N-token conversation (time to its first streamed token) with the first turn in the server's cache,
then again after --flush unrelated requests have taken every sequence (at least the server's --parallel).
Standard library only."""
import argparse
import http.client
import json
import statistics
import sys
import threading
import time
import urllib.parse

PROMPTS = ["Once upon a time", "The history of the Roman empire", "Here is a recipe for bread:", "In 1969, the",
           "The best way to learn a language is", "Dear Sir or Madam,", "def fibonacci(n):", "The weather today"]


def stream_events(url, path, body, api_key):
    """POSTs a streaming request; yields (seconds since the request, event) for each SSE data event. Raises
    RuntimeError for a status other than 200."""
    u = urllib.parse.urlparse(url)
    conn = http.client.HTTPConnection(u.hostname, u.port or 80, timeout=600)
    headers = {"Content-Type": "application/json"}
    if api_key:
        headers["Authorization"] = "Bearer " + api_key
    t0 = time.perf_counter()
    conn.request("POST", path, body=json.dumps(dict(body, stream=True, stream_options={"include_usage": True})),
                 headers=headers)
    resp = conn.getresponse()
    if resp.status != 200:
        raise RuntimeError(f"HTTP {resp.status}: {resp.read()[:200]!r}")
    try:
        for raw in resp:
            line = raw.decode("utf-8", "replace").strip()
            if line.startswith("data: ") and line != "data: [DONE]":
                yield time.perf_counter() - t0, json.loads(line[6:])
    finally:
        conn.close()


def one_request(url, prompt, max_tokens, temperature, api_key):
    body = {"prompt": prompt, "max_tokens": max_tokens, "temperature": temperature}
    first, tokens, t = None, 0, 0.0
    try:
        for t, event in stream_events(url, "/v1/completions", body, api_key):
            if "error" in event:
                return {"error": str(event["error"])}
            if event.get("choices") and event["choices"][0].get("text") and first is None:
                first = t
            if event.get("usage"):
                tokens = event["usage"]["completion_tokens"]
    except RuntimeError as e:
        return {"error": str(e)}
    return {"latency": t, "ttft": first if first is not None else float("nan"), "tokens": tokens}


def chat_first_token(url, messages, max_tokens, api_key):
    """Streams a chat completion; returns (seconds to the first content, the reply, usage)."""
    first, text, usage = None, "", None
    for t, event in stream_events(url, "/v1/chat/completions",
                                  {"messages": messages, "max_tokens": max_tokens, "temperature": 0}, api_key):
        if event.get("usage"):
            usage = event["usage"]
        for choice in event.get("choices", []):
            piece = choice.get("delta", {}).get("content")
            if piece:
                text += piece
                if first is None:
                    first = t
    return first, text, usage


def chat_cache(url, tokens, flush, api_key):
    words = "the river runs past the old mill and into the valley where the farmers grow wheat and barley".split()
    long_text = " ".join(words[i % len(words)] for i in range(tokens))  # ~1 token a word
    first_turn = [{"role": "user", "content": "Read this and summarize it in one line.\n\n" + long_text}]
    _, reply, usage1 = chat_first_token(url, first_turn, 16, api_key)
    second_turn = first_turn + [{"role": "assistant", "content": reply}, {"role": "user", "content": "Shorter, please."}]
    cached_s, _, usage2 = chat_first_token(url, second_turn, 8, api_key)
    for i in range(flush):
        one_request(url, f"{PROMPTS[i % len(PROMPTS)]} (flush {i})", 2, 0.0, api_key)
    fresh_s, _, usage3 = chat_first_token(url, second_turn, 8, api_key)
    details = lambda u: (u or {}).get("prompt_tokens_details") or {}
    print(f"second turn of a {usage2['prompt_tokens']}-token conversation: first token after {cached_s:.3f} s with "
          f"{details(usage2).get('cached_tokens', 0)} tokens cached, {fresh_s:.3f} s with "
          f"{details(usage3).get('cached_tokens', 0)} cached: {fresh_s / cached_s:.1f}x sooner")
    return 0


def percentile(values, p):
    values = sorted(v for v in values if v == v)
    if not values:
        return float("nan")
    k = (len(values) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def run(url, clients, requests, max_tokens, temperature, api_key):
    results, lock = [], threading.Lock()

    def client(c):
        for i in range(requests):
            prompt = f"{PROMPTS[(c + i) % len(PROMPTS)]} ({c}.{i})"
            try:
                r = one_request(url, prompt, max_tokens, temperature, api_key)
            except Exception as e:  # a refused or dropped connection is an error, not a crash of the test
                r = {"error": repr(e)}
            with lock:
                results.append(r)

    t0 = time.perf_counter()
    threads = [threading.Thread(target=client, args=(c,)) for c in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    ok = [r for r in results if "error" not in r]
    errors = [r["error"] for r in results if "error" in r]
    tokens = sum(r["tokens"] for r in ok)
    return {"clients": clients, "requests": len(results), "errors": len(errors), "first_errors": errors[:3],
            "seconds": wall, "tokens": tokens, "tokens_per_s": tokens / wall if wall > 0 else 0.0,
            "ttft_p50": percentile([r["ttft"] for r in ok], 50), "ttft_p95": percentile([r["ttft"] for r in ok], 95),
            "latency_p50": percentile([r["latency"] for r in ok], 50),
            "latency_p95": percentile([r["latency"] for r in ok], 95),
            "latency_p99": percentile([r["latency"] for r in ok], 99)}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--url", default="http://127.0.0.1:8080")
    ap.add_argument("--clients", type=int, nargs="+", default=[1, 4, 16])
    ap.add_argument("--requests", type=int, default=10, help="requests per client")
    ap.add_argument("--max-tokens", type=int, default=64)
    ap.add_argument("--temperature", type=float, default=0.0)
    ap.add_argument("--api-key", default="")
    ap.add_argument("--json", action="store_true", help="one JSON object per client count")
    ap.add_argument("--chat-cache", type=int, default=0, metavar="N",
                    help="time a chat's second turn after an N-token first turn, cached and not")
    ap.add_argument("--flush", type=int, default=8, help="--chat-cache: unrelated requests that clear the cache")
    a = ap.parse_args()
    if a.chat_cache:
        return chat_cache(a.url, a.chat_cache, a.flush, a.api_key)
    rows = [run(a.url, n, a.requests, a.max_tokens, a.temperature, a.api_key) for n in a.clients]
    base = rows[0]["tokens_per_s"] if rows and rows[0]["clients"] == 1 else None
    if a.json:
        for r in rows:
            print(json.dumps(r))
    else:
        print(f"{'clients':>7} {'requests':>8} {'errors':>6} {'tok/s':>8} {'vs 1':>5} {'ttft p50':>8} {'ttft p95':>8} "
              f"{'lat p50':>7} {'lat p95':>7} {'lat p99':>7}")
        for r in rows:
            ratio = f"{r['tokens_per_s'] / base:.2f}" if base else "-"
            print(f"{r['clients']:>7} {r['requests']:>8} {r['errors']:>6} {r['tokens_per_s']:>8.1f} {ratio:>5} "
                  f"{r['ttft_p50']:>8.2f} {r['ttft_p95']:>8.2f} {r['latency_p50']:>7.2f} {r['latency_p95']:>7.2f} "
                  f"{r['latency_p99']:>7.2f}")
            for e in r["first_errors"]:
                print(f"        error: {e}")
    return 1 if any(r["errors"] for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
