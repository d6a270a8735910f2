"""What the server test scripts share: checks that count their failures, and `vkgemma serve` started on a
free port (standard library only)."""
import re
import subprocess
import sys
import threading
import time

failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond:
        failures.append(what)


def finish(passed):
    """Exits 1 naming how many checks failed, else prints `passed` (the line ctest looks for)."""
    if failures:
        print(f"{len(failures)} check(s) failed")
        sys.exit(1)
    print(passed)


def start_server(vkgemma, model, *args):
    """`vkgemma serve -m MODEL --port 0 ARGS...` once it listens: (process, port). Its stderr is shown, prefixed,
    for as long as it runs: a sanitizer report from the server lands there."""
    proc = subprocess.Popen([vkgemma, "serve", "-m", model, "--port", "0", *args], stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 120
    for line in proc.stderr:
        sys.stderr.write("server: " + line)
        m = re.search(r"at http://127\.0\.0\.1:(\d+)/v1", line)
        if m:
            threading.Thread(target=lambda: [sys.stderr.write("server: " + l) for l in proc.stderr],
                             daemon=True).start()
            return proc, int(m.group(1))
        if time.time() > deadline:
            break
    proc.kill()
    raise SystemExit("server did not start")
