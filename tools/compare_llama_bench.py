#!/usr/bin/env python3
"""Compare vkgemma's `bench` with llama.cpp's `llama-bench` on the same model, same machine.

Usage:
  tools/compare_llama_bench.py --llama-bench PATH [--model GGUF] [-p 64] [-n 16] [-r 3]
                               [--depth 0] [--threads 2] [--backend cpu] [--vkgemma build/vkgemma]
                               [--llama-commit SHA]

Each of R rounds runs, one after the other so that the two programs alternate and share
whatever the machine is doing at the time:
  llama-bench -m GGUF -p P -n N -r 1 -t T -o json [-d D]
  vkgemma bench -m GGUF -p P -n N -r 1 --backend B --threads T --json [--depth D]
Both measure pp as one P-token prompt from an empty cache and tg as N single-token steps from
an empty cache, after a warm-up run; with --depth D, from a cache already holding D tokens.
The table gives the median and min tokens/s over the rounds and the ratio of the medians
(vkgemma / llama.cpp).

Only the Python 3 standard library is used. llama.cpp is not part of this project: build
llama-bench yourself and pass its path.
"""

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_MODEL = os.path.join(REPO_ROOT, "models", "gemma-3-270m-q4_k_m.gguf")
DEFAULT_VKGEMMA = os.path.join(REPO_ROOT, "build", "vkgemma")


def fail(msg):
    print(f"compare_llama_bench: error: {msg}", file=sys.stderr)
    sys.exit(2)


def resolve_binary(path, what):
    """Return an absolute path to an executable, or exit with a clear message."""
    if os.sep not in path:
        found = shutil.which(path)
        if found:
            return found
    if not os.path.isfile(path):
        fail(f"{what} binary not found: {path}")
    if not os.access(path, os.X_OK):
        fail(f"{what} binary is not executable: {path}")
    return os.path.abspath(path)


def git_commit(path):
    """The commit of the git work tree containing `path`, or None."""
    d = path if os.path.isdir(path) else os.path.dirname(os.path.abspath(path))
    try:
        out = subprocess.run(["git", "-C", d, "rev-parse", "HEAD"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if out.returncode != 0:
        return None
    return out.stdout.strip() or None


def machine_info():
    cpu = None
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as f:
            for line in f:
                if line.lower().startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu or platform.processor() or platform.machine(),
        "system": f"{platform.system()} {platform.release()}",
    }


def run_cmd(cmd):
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True)
    except OSError as e:
        fail(f"could not run {cmd[0]}: {e}")
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr[-4000:])
        fail(f"command failed with exit status {proc.returncode}: {' '.join(cmd)}")
    return proc.stdout


def parse_json_output(text, who):
    """Parse the JSON document in `text` (tolerating log lines printed before it)."""
    text = text.strip()
    for opener in ("[", "{"):
        start = text.find(opener)
        while start != -1:
            try:
                return json.loads(text[start:])
            except json.JSONDecodeError:
                start = text.find(opener, start + 1)
    fail(f"could not parse {who}'s JSON output:\n{text[:2000]}")


def llama_round(binary, model, p, n, threads, depth):
    cmd = [binary, "-m", model, "-p", str(p), "-n", str(n), "-r", "1", "-t", str(threads), "-o", "json"]
    if depth > 0:
        cmd += ["-d", str(depth)]
    data = parse_json_output(run_cmd(cmd), "llama-bench")
    res, info = {}, {}
    for test in data:
        n_prompt, n_gen = test.get("n_prompt", 0), test.get("n_gen", 0)
        if test.get("n_depth", 0) != depth:
            fail(f"llama-bench ran a test at depth {test.get('n_depth', 0)}, not {depth} (too old for -d?)")
        if n_prompt > 0 and n_gen == 0:
            res["pp"] = float(test["avg_ts"])
        elif n_gen > 0 and n_prompt == 0:
            res["tg"] = float(test["avg_ts"])
        for k in ("build_commit", "build_number", "cpu_info", "backends", "model_type", "model_size", "n_threads"):
            if k in test:
                info.setdefault(k, test[k])
    return res, info


def vkgemma_round(binary, model, p, n, threads, backend, depth):
    cmd = [binary, "bench", "-m", model, "-p", str(p), "-n", str(n), "-r", "1", "--backend", backend,
           "--threads", str(threads), "--json"]
    if depth > 0:
        cmd += ["--depth", str(depth)]
    data = parse_json_output(run_cmd(cmd), "vkgemma")
    res, info = {}, {}
    if "pp" in data:
        res["pp"] = float(data["pp"]["median_tps"])
    if "tg" in data:
        res["tg"] = float(data["tg"]["median_tps"])
        for k in ("implied_gbps", "read_gbps", "roofline_share"):
            if k in data["tg"]:
                info[k] = data["tg"][k]
    if "weight_bytes_per_token" in data:
        info["weight_bytes_per_token"] = data["weight_bytes_per_token"]
    return res, info


def main():
    ap = argparse.ArgumentParser(description="Compare vkgemma bench with llama.cpp's llama-bench.")
    ap.add_argument("--llama-bench", required=True, help="path to llama.cpp's llama-bench binary")
    ap.add_argument("--vkgemma", default=DEFAULT_VKGEMMA, help="path to vkgemma (default: build/vkgemma)")
    ap.add_argument("--model", "-m", default=DEFAULT_MODEL, help="GGUF model (default: %(default)s)")
    ap.add_argument("-p", "--n-prompt", type=int, default=64, help="prompt tokens for pp (default 64)")
    ap.add_argument("-n", "--n-gen", type=int, default=16, help="generated tokens for tg (default 16)")
    ap.add_argument("-r", "--rounds", type=int, default=3, help="alternating rounds (default 3)")
    ap.add_argument("--depth", "-d", type=int, default=0,
                    help="context tokens already in the cache before each pp and tg run (default 0)")
    ap.add_argument("--threads", "-t", type=int, default=2, help="threads for both programs (default 2)")
    ap.add_argument("--backend", default="cpu", help="vkgemma backend: cpu, vulkan or auto (default cpu)")
    ap.add_argument("--llama-commit", default=None, help="llama.cpp commit to report (else git rev-parse)")
    ap.add_argument("--json-out", default=None, help="also write all per-round figures to this JSON file")
    args = ap.parse_args()

    if args.rounds < 1:
        fail("-r must be at least 1")
    if args.depth < 0:
        fail("--depth must be >= 0")
    if args.n_prompt < 1 and args.n_gen < 1:
        fail("at least one of -p and -n must be positive")
    llama = resolve_binary(args.llama_bench, "llama-bench")
    vkg = resolve_binary(args.vkgemma, "vkgemma")
    if not os.path.isfile(args.model):
        fail(f"model not found: {args.model}")
    model = os.path.abspath(args.model)

    m = machine_info()
    our_commit = git_commit(REPO_ROOT)
    llama_commit = args.llama_commit or git_commit(llama)
    if llama_commit and llama_commit == our_commit:
        llama_commit = None  # llama-bench lies inside this repository's tree: its commit is not ours

    print(f"machine : nproc {m['nproc']}, CPU {m['cpu']}, {m['system']}")
    print(f"model   : {model} ({os.path.getsize(model)} bytes)")
    print(f"vkgemma : {vkg} commit {our_commit or 'unknown'}, backend {args.backend}")
    print(f"llama   : {llama} commit {llama_commit or '(from its JSON below)'}")
    depth_note = f" -d {args.depth}" if args.depth > 0 else ""
    print(f"settings: -p {args.n_prompt} -n {args.n_gen}{depth_note}, {args.rounds} alternating rounds, "
          f"{args.threads} threads", flush=True)

    tests = [t for t, k in (("pp", args.n_prompt), ("tg", args.n_gen)) if k > 0]
    samples = {side: {t: [] for t in tests} for side in ("llama", "vkgemma")}
    llama_info, vk_info = {}, {}
    shares = {"llama": [], "vkgemma": []}  # tg roofline shares, each against its round's read bandwidth
    for r in range(args.rounds):
        lres, linfo = llama_round(llama, model, args.n_prompt, args.n_gen, args.threads, args.depth)
        vres, vinfo = vkgemma_round(vkg, model, args.n_prompt, args.n_gen, args.threads, args.backend,
                                    args.depth)
        for k, v in linfo.items():
            llama_info.setdefault(k, v)
        vk_info.update(vinfo)
        for t in tests:
            if t not in lres:
                fail(f"llama-bench's output has no {t} test")
            if t not in vres:
                fail(f"vkgemma's output has no {t} test")
            samples["llama"][t].append(lres[t])
            samples["vkgemma"][t].append(vres[t])
        line = ", ".join(f"{t} llama.cpp {lres[t]:.2f} vkgemma {vres[t]:.2f}" for t in tests)
        if "tg" in tests and "read_gbps" in vinfo:
            # vkgemma bench's plain-read roofline (CPU backend) was measured minutes from both runs
            bw, nbytes = float(vinfo["read_gbps"]), float(vinfo["weight_bytes_per_token"])
            shares["vkgemma"].append(vres["tg"] * nbytes / 1e9 / bw)
            shares["llama"].append(lres["tg"] * nbytes / 1e9 / bw)
            line += f" (read roofline {bw:.1f} GB/s)"
        print(f"round {r + 1}/{args.rounds}: {line} tok/s", flush=True)

    if not llama_commit:
        bc = llama_info.get("build_commit")
        llama_commit = bc if bc and bc != "unknown" else "unknown"
        if "build_number" in llama_info:
            llama_commit += f" (build {llama_info['build_number']})"
    print()
    print(f"llama.cpp commit: {llama_commit}; backends {llama_info.get('backends', '?')}; "
          f"model type {llama_info.get('model_type', '?')}")
    print(f"vkgemma commit  : {our_commit or 'unknown'}")
    print()
    hdr = f"{'test':<12} {'llama.cpp med':>14} {'vkgemma med':>12} {'ratio':>7} {'llama.cpp min':>14} {'vkgemma min':>12}"
    print(hdr)
    print("-" * len(hdr))
    summary = {}
    for t in tests:
        n_tok = args.n_prompt if t == "pp" else args.n_gen
        lm, vm = statistics.median(samples["llama"][t]), statistics.median(samples["vkgemma"][t])
        ln, vn = min(samples["llama"][t]), min(samples["vkgemma"][t])
        ratio = vm / lm if lm > 0 else float("nan")
        name = f"{t}{n_tok}" + (f"@d{args.depth}" if args.depth > 0 else "")
        print(f"{name:<12} {lm:>14.2f} {vm:>12.2f} {ratio:>7.3f} {ln:>14.2f} {vn:>12.2f}")
        summary[name] = {"llama_median": lm, "vkgemma_median": vm, "ratio": ratio, "llama_min": ln, "vkgemma_min": vn}
    print("(tokens/s; ratio = vkgemma median / llama.cpp median)")
    if "implied_gbps" in vk_info and args.depth == 0:
        print(f"vkgemma weight bytes per token {vk_info.get('weight_bytes_per_token')}, "
              f"tg implied {vk_info['implied_gbps']} GB/s (last round)")
    if shares["vkgemma"]:
        print(f"tg share of the read roofline (plain reads by the same threads, measured each round by vkgemma "
              f"bench; the same weight bytes for both): llama.cpp {100 * statistics.median(shares['llama']):.0f} %, "
              f"vkgemma {100 * statistics.median(shares['vkgemma']):.0f} % (medians of the rounds)")
        summary["tg_roofline_share"] = {"llama_median": statistics.median(shares["llama"]),
                                        "vkgemma_median": statistics.median(shares["vkgemma"])}

    if args.json_out:
        with open(args.json_out, "w", encoding="utf-8") as f:
            json.dump({"machine": m, "model": model, "llama_commit": llama_commit, "vkgemma_commit": our_commit,
                       "settings": vars(args), "samples": samples, "summary": summary}, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
