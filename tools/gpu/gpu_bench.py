#!/usr/bin/env python3
"""The GPU table: vkgemma's Vulkan backend against llama.cpp's, on random-weight Gemma 3 GGUFs.

Usage (tools/gpu/run_bundle.sh calls it, with wrappers that set the libraries up):
  gpu_bench.py --vkgemma BIN --llama-bench BIN --out OUT_DIR [-p 512] [-n 128] [-r 3] [--check-tokens 16]
               [--variants decode-rows2] [--profile-tokens 64] [--tokenizer GGUF] [--deadline EPOCH_S] [--device-line TEXT] [--commit SHA] [--llama-version V]
               LABEL=GGUF...

Per model (LABEL is "SHAPE DTYPE", e.g. "1b q4_k_m"), one after the other:
  0. the GGUF is made with make_random_model.py (beside this folder) if it is not there yet;
  1. greedy tokens (temperature 0, `vkgemma serve`'s completions with logprobs) on the Vulkan and CPU
     backends, compared: random weights give arbitrary text, but the two backends should pick the same
     tokens; the count of leading tokens that agree (and the largest difference of their log-probabilities)
     is reported, and none agreeing is a failure;
  2. R rounds, alternating so both programs see the machine in the same state:
       llama-bench -m GGUF -p P -n N -r 1 -ngl 99 -o json
       vkgemma bench -m GGUF -p P -n N -r 1 --backend vulkan --json
     (vkgemma bench also measures the device's read bandwidth with its own shader, and the decode step's
     dispatch count);
  3. per --variants entry V (VKGEMMA_KERNELS values: kernel variants not yet the default, or the default's
     predecessor), one `vkgemma bench` round (pp and tg) with VKGEMMA_KERNELS=V beside one without: which kernels
     a GPU prefers (for the first
     model, step 1's greedy tokens with each variant too: int8-dot and coopmat change the arithmetic);
  4. (first model only) the time to the first token of `vkgemma run -n 1` with an empty pipeline cache and
     then a warm one (the drivers' own shader caches off);
  5. `vkgemma run --profile` over a short prompt and --profile-tokens greedy tokens: the GPU time of every op
     (timestamps around each dispatch), its table appended to OUT_DIR/profiles.txt, its largest ops in the
     tables.
Writes OUT_DIR/results.json and OUT_DIR/results.md after each model (profiles.txt as it goes), so that a run cut short keeps what it
measured; a model whose turn comes past --deadline is skipped and listed. Exit status 1 if a check failed or
a model was skipped (the tables are still written), 2 on a usage error. Standard library only, beside compare_llama_bench.py's helpers.
"""
import argparse
import datetime
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import threading
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from compare_llama_bench import parse_json_output  # noqa: E402

PROMPT = "The history of the city begins"
# The greedy checks' prompt: ~75 tokens, so its products run the prompt tiles (9 tokens or more: a whole tile of 64
# and a partial one), which int8-dot and coopmat change, and not only the 4-token groups a short prompt takes.
CHECK_PROMPT = ("The history of the city begins with a small settlement on the banks of a river, where farmers and "
                "traders met to exchange grain, salt and cloth. Over the centuries the settlement grew into a town "
                "with walls, markets and temples, and later into a great city whose roads reached every corner of "
                "the known world, carrying soldiers, merchants and")
HERE = os.path.dirname(os.path.abspath(__file__))
T0 = time.time()
# Seconds a model's turn takes at most on an H100 (the 4B F16 one: making 7.7 GB, loading it 10 times):
# a model is started only if this much is left before --deadline.
TURN_S = 125


def log(msg):
    print(f"[gpu_bench {time.time() - T0:4.0f}s] {msg}", flush=True)


def make_model(label, path, tokenizer):
    size, dtype = label.split(" ", 1)
    cmd = [sys.executable, os.path.join(HERE, "..", "make_random_model.py"), "--size", size, "--type", dtype,
           "--out", path + ".tmp"]
    if tokenizer:
        cmd += ["--tokenizer-from", tokenizer]
    log(f"{label}: making {os.path.basename(path)}")
    run(cmd, timeout=900)
    os.replace(path + ".tmp", path)


def run(cmd, timeout=600, env=None):
    """stdout of cmd as bytes; raises RuntimeError with the end of stderr on failure."""
    try:
        p = subprocess.run(cmd, capture_output=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        raise RuntimeError(f"timed out after {timeout} s: {' '.join(cmd)}")
    if p.returncode != 0:
        err = p.stderr.decode(errors="replace")[-2000:]
        raise RuntimeError(f"exit status {p.returncode}: {' '.join(cmd)}\n{err}")
    return p.stdout


def parse_json(text, who):
    try:
        return parse_json_output(text, who)
    except SystemExit:  # compare_llama_bench's fail(): one model's bad output must not lose the others'
        raise RuntimeError(f"{who} printed no JSON")


def greedy_tokens(vkgemma, model, backend, n, kernels=None):
    """The tokens (as text pieces) and their log-probabilities of a greedy continuation of CHECK_PROMPT, from
    `vkgemma serve` (the CLI prints only text, whose tokenization would merge pieces such as four "<" into
    one "<<<<"); kernels: a VKGEMMA_KERNELS value."""
    env = dict(os.environ, VKGEMMA_KERNELS=kernels) if kernels else None
    proc = subprocess.Popen([vkgemma, "serve", "-m", model, "--port", "0", "--backend", backend, "--ctx", "512",
                             "--no-pack-cache"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            env=env)
    try:
        port, tail = None, []
        for line in proc.stderr:  # ends when the server exits
            tail = (tail + [line])[-5:]
            m = re.search(r"at http://127\.0\.0\.1:(\d+)/v1", line)
            if m:
                port = int(m.group(1))
                break
        if port is None:
            raise RuntimeError(f"vkgemma serve --backend {backend} did not start: {''.join(tail)}")
        # The rest of its stderr is drained so that the server never blocks on a full pipe.
        threading.Thread(target=proc.stderr.read, daemon=True).start()
        body = json.dumps({"model": "x", "prompt": CHECK_PROMPT, "max_tokens": n, "temperature": 0,
                           "logprobs": 1}).encode()
        req = urllib.request.Request(f"http://127.0.0.1:{port}/v1/completions", body,
                                     {"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=300) as r:
            lp = json.load(r)["choices"][0]["logprobs"]
        return lp["tokens"], lp["token_logprobs"]
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()


def agreement(vkgemma, model, n, kernels=None, cpu_tokens=None):
    """Leading greedy tokens equal between Vulkan (with VKGEMMA_KERNELS=kernels if given) and the CPU (its
    tokens and log-probabilities passed in as cpu_tokens where already known)."""
    vk, vk_lp = greedy_tokens(vkgemma, model, "vulkan", n, kernels)
    cpu, cpu_lp = cpu_tokens if cpu_tokens else greedy_tokens(vkgemma, model, "cpu", n)
    lead = 0
    while lead < min(len(vk), len(cpu)) and vk[lead] == cpu[lead]:
        lead += 1
    # Greedy decoding follows its own earlier tokens: after the first difference the rest is not comparable.
    diff = max((abs(a - b) for a, b in zip(vk_lp[:lead], cpu_lp[:lead])), default=None)
    return {"leading_tokens_equal": lead, "tokens": max(len(vk), len(cpu)), "max_logprob_diff": diff,
            "vulkan_tokens": vk, "cpu_tokens": cpu, "cpu_logprobs": cpu_lp}


def llama_round(binary, model, p, n):
    data = parse_json(run([binary, "-m", model, "-p", str(p), "-n", str(n), "-r", "1", "-ngl", "99",
                                  "-o", "json"]).decode(errors="replace"), "llama-bench")
    res = {}
    for t in data:
        key = "pp" if t.get("n_prompt", 0) > 0 and t.get("n_gen", 0) == 0 else "tg"
        res[key] = float(t["avg_ts"])
        res["info"] = {k: t[k] for k in ("build_commit", "build_number", "backends", "gpu_info", "model_size",
                                          "n_gpu_layers") if k in t}
    return res


def vkgemma_round(binary, model, p, n, kernels=None):
    env = dict(os.environ, VKGEMMA_KERNELS=kernels) if kernels else None
    d = parse_json(run([binary, "bench", "-m", model, "-p", str(p), "-n", str(n), "-r", "1",
                               "--backend", "vulkan", "--json"], env=env).decode(errors="replace"), "vkgemma")
    res = {"bytes": d.get("weight_bytes_per_token"), "decode_step": d.get("decode_step", ""),
           "backend": d.get("backend")}
    if "pp" in d:
        res["pp"] = d["pp"]["median_tps"]
    if "tg" in d:
        res["tg"] = d["tg"]["median_tps"]
        res["read_gbps"] = d["tg"].get("read_gbps")
    return res


def profile_ops(vkgemma, model, n, path, label):
    """Where vkgemma's GPU time goes: `vkgemma run --profile` (a timestamp pair around every dispatch) over
    PROMPT and n greedy tokens, mostly decode steps. Appends its table to path under the model's label; returns
    the ops' rows, largest first, as {op, count, ms, share}."""
    p = subprocess.run([vkgemma, "run", "-m", model, "--backend", "vulkan", "-p", PROMPT, "-n", str(n),
                        "--temp", "0", "--profile"], capture_output=True, timeout=300)
    err = p.stderr.decode(errors="replace")
    at = err.find("\nprofile (")
    if p.returncode != 0 or at < 0:
        raise RuntimeError(f"vkgemma run --profile: exit status {p.returncode}, no profile table\n{err[-1500:]}")
    table = err[at + 1:]
    with open(path, "a", encoding="utf-8") as f:
        f.write(f"## {label}\n{table}\n")
    rows = []
    for line in table.splitlines():
        m = re.match(r"^(\S.*?)\s+(\d+)\s+([\d.]+)\s+([\d.]+)%\s*$", line)
        if m and m.group(1) != "total":
            rows.append({"op": m.group(1), "count": int(m.group(2)), "ms": float(m.group(3)),
                         "share": float(m.group(4)) / 100})
    if not rows:
        raise RuntimeError(f"vkgemma run --profile: no op rows in its table\n{table[:1500]}")
    return sorted(rows, key=lambda r: -r["ms"])


def first_token_s(vkgemma, model, cache_dir):
    """Seconds from start to the first token of `vkgemma run -n 1 -v`, with our pipeline cache in cache_dir
    and the drivers' own shader caches off (NVIDIA's, Mesa's), so that cold and warm differ by ours alone."""
    env = dict(os.environ, VKGEMMA_PIPELINE_CACHE=cache_dir, __GL_SHADER_DISK_CACHE="0",
               MESA_SHADER_CACHE_DISABLE="true")
    p = subprocess.run([vkgemma, "run", "-m", model, "--backend", "vulkan", "-p", PROMPT, "-n", "1", "-v"],
                       capture_output=True, timeout=300, env=env)
    err = p.stderr.decode(errors="replace")
    m = re.search(r"first token ([\d.]+) s after the start", err)
    if p.returncode != 0 or not m:
        raise RuntimeError(f"vkgemma run -v: exit status {p.returncode}, no first-token line\n{err[-1500:]}")
    return float(m.group(1))


def startup(vkgemma, model, work_dir):
    """Time to the first token with an empty pipeline cache, then with the one that run wrote."""
    cache_dir = os.path.join(work_dir, "pipeline-cache")
    shutil.rmtree(cache_dir, ignore_errors=True)
    os.makedirs(cache_dir)
    cold = first_token_s(vkgemma, model, cache_dir)
    warm = first_token_s(vkgemma, model, cache_dir)
    return {"cold_s": cold, "warm_s": warm, "warm_over_cold": warm / cold if cold else None}


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def bench_model(label, model, a):
    ours, theirs = [], []
    for r in range(a.reps):
        log(f"{label}: round {r + 1}/{a.reps}: llama-bench")
        theirs.append(llama_round(a.llama_bench, model, a.p, a.n))
        log(f"{label}: round {r + 1}/{a.reps}: vkgemma bench")
        ours.append(vkgemma_round(a.vkgemma, model, a.p, a.n))
    m = re.match(r"(\d+) dispatches", ours[-1]["decode_step"] or "")
    row = {"model": label, "file": os.path.basename(model), "file_bytes": os.path.getsize(model),
           "weight_bytes_per_token": ours[-1]["bytes"], "dispatches_per_token": int(m.group(1)) if m else None,
           "read_gbps": median([o.get("read_gbps") for o in ours]), "backend": ours[-1]["backend"],
           "llama_info": theirs[-1].get("info", {}), "rounds": {"vkgemma": ours, "llama": theirs}}
    for test in ("pp", "tg"):
        row[f"{test}_ours"] = median([o.get(test) for o in ours])
        row[f"{test}_llama"] = median([t.get(test) for t in theirs])
        row[f"{test}_ratio"] = (row[f"{test}_ours"] / row[f"{test}_llama"]
                                if row[f"{test}_ours"] and row[f"{test}_llama"] else None)
    # Kernel variants (VKGEMMA_KERNELS values): one round each (prompt and generation) beside one of the
    # default, so the pair sees the machine in the same state.
    row["variants"] = {}
    for v in (a.variants if a.variants_for in label else []):
        log(f"{label}: pp{a.p} + tg{a.n} with VKGEMMA_KERNELS={v} and without")
        base = vkgemma_round(a.vkgemma, model, a.p, a.n)
        var = vkgemma_round(a.vkgemma, model, a.p, a.n, v)
        row["variants"][v] = {"tg": var.get("tg"), "tg_default": base.get("tg"), "pp": var.get("pp"),
                              "pp_default": base.get("pp"), "decode_step": var.get("decode_step"),
                              "ratio": var["tg"] / base["tg"] if var.get("tg") and base.get("tg") else None,
                              "pp_ratio": var["pp"] / base["pp"] if var.get("pp") and base.get("pp") else None}
    # Share of the measured read bandwidth: the weights one decode step reads, times tokens per second.
    for who in ("ours", "llama"):
        tg, gbps = row[f"tg_{who}"], row["read_gbps"]
        row[f"tg_share_{who}"] = tg * row["weight_bytes_per_token"] / 1e9 / gbps if tg and gbps else None
    return row


def fmt(v, spec):
    return "-" if v is None else format(v, spec)


def write_markdown(path, doc):
    lines = [f"# vkgemma Vulkan vs llama.cpp Vulkan: random-weight Gemma 3 ({doc['date']})", "",
             f"- device: {doc['device']}", f"- vkgemma commit: {doc['commit']}",
             f"- llama.cpp: {doc['llama_version']}", f"- pp{doc['p']} / tg{doc['n']}, {doc['reps']} alternating "
             "rounds, medians; share = weight bytes per decode step x tok/s / the read bandwidth vkgemma's shader "
             "measured", ""]
    if doc["read_gbps"]:
        lines += [f"Measured read bandwidth (median): {doc['read_gbps']:.1f} GB/s", ""]
    lines += ["| shape | dtype | test | vkgemma tok/s | llama.cpp tok/s | ratio | share ours | share llama.cpp "
              "| dispatches/token | tokens agree (Vulkan vs CPU) |",
              "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |"]
    for r in doc["rows"]:
        shape, dtype = r["model"].split(" ", 1)
        agree = r.get("agreement") or {}
        agree_text = (f"{agree['leading_tokens_equal']}/{agree['tokens']}" if "tokens" in agree
                      else agree.get("error", "-"))
        if agree.get("max_logprob_diff") is not None:
            agree_text += f" (logprob within {agree['max_logprob_diff']:.2g})"
        for test in ("pp", "tg"):
            tg = test == "tg"
            lines.append(
                f"| {shape} | {dtype} | {test}{doc['p'] if test == 'pp' else doc['n']} | "
                f"{fmt(r.get(test + '_ours'), '.1f')} | {fmt(r.get(test + '_llama'), '.1f')} | "
                f"{fmt(r.get(test + '_ratio'), '.2f')} | "
                f"{fmt(r.get('tg_share_ours'), '.0%') if tg else ''} | "
                f"{fmt(r.get('tg_share_llama'), '.0%') if tg else ''} | "
                f"{fmt(r.get('dispatches_per_token'), 'd') if tg else ''} | {agree_text if tg else ''} |")
    variant_rows = [(r["model"], v, x) for r in doc["rows"] for v, x in (r.get("variants") or {}).items()]
    if variant_rows:
        lines += ["", f"Kernel variants (pp{doc['p']} and tg{doc['n']}; one round of each beside one of the default):", ""]
        agree_of = {(r["model"], v): g for r in doc["rows"] for v, g in (r.get("variant_agreement") or {}).items()}
        for model, v, x in variant_rows:
            g = agree_of.get((model, v))
            lines.append(f"- {model}: `VKGEMMA_KERNELS={v}` tg {fmt(x['tg'], '.1f')} tok/s, default "
                         f"{fmt(x['tg_default'], '.1f')} (x{fmt(x['ratio'], '.2f')}); pp {fmt(x.get('pp'), '.1f')}, "
                         f"default {fmt(x.get('pp_default'), '.1f')} (x{fmt(x.get('pp_ratio'), '.2f')})" +
                         (f"; greedy tokens equal to the CPU's: {g['leading_tokens_equal']}/{g['tokens']}" if g else ""))
    if doc.get("startup"):
        st = doc["startup"]
        lines += ["", f"Time to the first token ({st['model']}, `vkgemma run -n 1`, the drivers' shader caches off): "
                  f"empty pipeline cache {st['cold_s']:.2f} s, warm {st['warm_s']:.2f} s "
                  f"({fmt(st['warm_over_cold'], '.0%')} of cold)"]
    profiled = [r for r in doc["rows"] if r.get("profile")]
    if profiled:
        lines += ["", f"Where vkgemma's time goes (`vkgemma run --profile`, a short prompt and "
                  f"{doc['profile_tokens']} greedy tokens; GPU time per op, largest first; the whole tables in "
                  "profiles.txt):", ""]
        for r in profiled:
            top = ", ".join(f"{o['op']} {o['share']:.0%}" for o in r["profile"][:6])
            lines.append(f"- {r['model']}: {top}")
    if doc["failures"]:
        lines += ["", "Failures:", ""] + [f"- {f}" for f in doc["failures"]]
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--vkgemma", required=True)
    ap.add_argument("--llama-bench", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("-p", type=int, default=512)
    ap.add_argument("-n", type=int, default=128)
    ap.add_argument("-r", "--reps", type=int, default=3)
    ap.add_argument("--check-tokens", type=int, default=16)
    ap.add_argument("--variants", default="decode-rows2,decode-wg64,decode-wg256,tree-sum,int8-dot,coopmat,attention-per-query",
                    help="comma-separated VKGEMMA_KERNELS values timed (prompt and generation) beside the default")
    ap.add_argument("--variants-for", default="q4_k_m",
                    help="time the variants only for models whose label contains this (the targets' dtype; F16's "
                         "weights make every extra load slow)")
    ap.add_argument("--profile-tokens", type=int, default=64,
                    help="greedy tokens of the per-op profile after each model's rounds (0: none)")
    ap.add_argument("--tokenizer", help="make_random_model.py's --tokenizer-from, for models not made yet")
    ap.add_argument("--deadline", type=float, default=0, help="epoch seconds: start no model's turn after it")
    ap.add_argument("--device-line", default="")
    ap.add_argument("--commit", default="")
    ap.add_argument("--llama-version", default="")
    ap.add_argument("models", nargs="+", help='"SHAPE DTYPE=PATH"')
    a = ap.parse_args()
    a.variants = [v for v in a.variants.split(",") if v]
    models = []
    for spec in a.models:
        if "=" not in spec:
            ap.error(f"model '{spec}' is not LABEL=PATH")
        label, path = spec.split("=", 1)
        models.append((label, path))

    os.makedirs(a.out, exist_ok=True)
    failures, rows = [], []
    doc = {"date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
           "device": a.device_line, "commit": a.commit, "llama_version": a.llama_version, "p": a.p, "n": a.n,
           "reps": a.reps, "profile_tokens": a.profile_tokens, "read_gbps": None, "rows": rows,
           "failures": failures}
    for label, path in models:
        row = {"model": label, "file": os.path.basename(path)}
        if a.deadline and time.time() + TURN_S > a.deadline:
            failures.append(f"{label}: skipped, fewer than {TURN_S} s left before the deadline")
            log(failures[-1])
            continue
        if not os.path.exists(path):
            try:
                make_model(label, path, a.tokenizer)
            except RuntimeError as e:
                failures.append(f"{label}: making the model failed: {e}")
                continue
        if a.check_tokens > 0:
            log(f"{label}: greedy tokens, Vulkan vs CPU ({a.check_tokens})")
            try:
                row["agreement"] = agreement(a.vkgemma, path, a.check_tokens)
                g = row["agreement"]
                log(f"{label}: {g['leading_tokens_equal']} of {g['tokens']} leading tokens agree, log-probabilities "
                    f"within {fmt(g['max_logprob_diff'], '.3g')}")
                if g["leading_tokens_equal"] == 0:
                    failures.append(f"{label}: no greedy token agrees between Vulkan and CPU")
                # The first model's greedy tokens with each kernel variant too (int8-dot, coopmat change the arithmetic):
                # a variant that is faster but wrong on this GPU is not a candidate for the default.
                if not rows:
                    row["variant_agreement"] = {}
                    for v in a.variants:
                        vg = agreement(a.vkgemma, path, a.check_tokens, v, (g["cpu_tokens"], g["cpu_logprobs"]))
                        row["variant_agreement"][v] = {k: vg[k] for k in ("leading_tokens_equal", "tokens",
                                                                          "max_logprob_diff")}
                        log(f"{label}: VKGEMMA_KERNELS={v}: {vg['leading_tokens_equal']} of {vg['tokens']} leading "
                            f"tokens agree with the CPU")
            except RuntimeError as e:
                row["agreement"] = {"error": "failed"}
                failures.append(f"{label}: token check failed: {e}")
        try:
            row.update(bench_model(label, path, a))
            log(f"{label}: tg ours {fmt(row['tg_ours'], '.1f')} / llama.cpp {fmt(row['tg_llama'], '.1f')} tok/s, "
                f"pp ours {fmt(row['pp_ours'], '.1f')} / llama.cpp {fmt(row['pp_llama'], '.1f')} tok/s")
        except RuntimeError as e:
            failures.append(f"{label}: benchmark failed: {e}")
        if not doc.get("startup"):  # the first model only: start-up is the pipelines', not the weights'
            log(f"{label}: time to the first token, empty and warm pipeline cache")
            try:
                doc["startup"] = dict(startup(a.vkgemma, path, os.path.dirname(os.path.abspath(path))), model=label)
                log(f"{label}: first token {doc['startup']['cold_s']:.2f} s cold, {doc['startup']['warm_s']:.2f} s warm")
            except (RuntimeError, OSError, subprocess.TimeoutExpired) as e:
                failures.append(f"{label}: start-up timing failed: {e}")
        if a.profile_tokens > 0:
            log(f"{label}: per-op profile ({a.profile_tokens} tokens)")
            try:
                row["profile"] = profile_ops(a.vkgemma, path, a.profile_tokens, os.path.join(a.out, "profiles.txt"),
                                             label)
                log(f"{label}: largest op {row['profile'][0]['op']} {row['profile'][0]['share']:.0%}")
            except (RuntimeError, subprocess.TimeoutExpired) as e:
                failures.append(f"{label}: profile failed: {e}")
        rows.append(row)
        write_results(a.out, doc)
    write_results(a.out, doc)
    log(f"wrote {a.out}/results.json and results.md" + (f"; {len(failures)} failure(s)" if failures else ""))
    return 1 if failures else 0


def write_results(out, doc):
    doc["read_gbps"] = median([r.get("read_gbps") for r in doc["rows"]])
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "results.json"), "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=1)
    write_markdown(os.path.join(out, "results.md"), doc)


if __name__ == "__main__":
    sys.exit(main())
