"""`vkgemma serve` driven by a stock OpenAI client (PyPI's `openai`) and raw HTTP, on the default model.

    test_server.py VKGEMMA MODEL REFERENCE_FILE

Greedy outputs are checked against transformers' greedy continuation (REFERENCE_FILE); errors, a client
that disconnects mid-stream and concurrent clients are checked to leave the server serving.
"""
import http.client
import json
import signal
import subprocess
import sys
import threading
import time
import urllib.request

import openai

from server_checks import check, finish, start_server

VKGEMMA, MODEL, REFERENCE = sys.argv[1:4]


def reference(key):
    for line in open(REFERENCE, encoding="utf-8"):
        if line.startswith(key + " "):
            return line[len(key) + 1:].rstrip("\n")
    raise KeyError(key)


# A schema of every kind of value the server test asks for (xgrammar's strict mode: no other properties).
PERSON_SCHEMA = {
    "type": "object",
    "properties": {
        "name": {"type": "string"},
        "age": {"type": "integer"},
        "student": {"type": "boolean"},
        "color": {"enum": ["red", "green", "blue"]},
        "languages": {"type": "array", "items": {"type": "string"}, "maxItems": 3},
    },
    "required": ["name", "age", "student", "color", "languages"],
}
PERSON_FORMAT = {"type": "json_schema", "json_schema": {"name": "person", "schema": PERSON_SCHEMA, "strict": True}}
PERSON_ASK = [{"role": "user", "content": "Describe a person called Marie, 31 years old, a student who likes blue "
                                          "and speaks French and English, as JSON."}]


def schema_violation(value, schema, at="$"):
    """Why `value` is not a document of `schema` ("" when it is): the keywords PERSON_SCHEMA uses."""
    if "enum" in schema:
        return "" if value in schema["enum"] else f"{at}: {value!r} is not in the enum"
    kind = schema.get("type")
    if kind == "object":
        if not isinstance(value, dict):
            return f"{at}: an object expected, got {value!r}"
        for key in schema.get("required", []):
            if key not in value:
                return f"{at}: required property {key!r} missing"
        for key, v in value.items():
            if key not in schema["properties"]:
                return f"{at}: property {key!r} is not in the schema"
            why = schema_violation(v, schema["properties"][key], f"{at}.{key}")
            if why:
                return why
        return ""
    if kind == "array":
        if not isinstance(value, list):
            return f"{at}: an array expected, got {value!r}"
        if len(value) > schema.get("maxItems", len(value)):
            return f"{at}: more than {schema['maxItems']} items"
        return next((w for i, v in enumerate(value) if (w := schema_violation(v, schema["items"], f"{at}[{i}]"))), "")
    ok = {"string": lambda v: isinstance(v, str), "boolean": lambda v: isinstance(v, bool),
          "integer": lambda v: isinstance(v, int) and not isinstance(v, bool)}[kind](value)
    return "" if ok else f"{at}: {kind} expected, got {value!r}"


def start():
    return start_server(VKGEMMA, MODEL, "--backend", "cpu", "--ctx", "256", "--max-queue", "16", "--exact")


def raw(port, method, path, body=None, headers=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    conn.request(method, path, body=body, headers=headers or {"Content-Type": "application/json"})
    r = conn.getresponse()
    data = r.read()
    conn.close()
    return r.status, data


def main():
    proc, port = start()
    client = openai.OpenAI(base_url=f"http://127.0.0.1:{port}/v1", api_key="none", max_retries=0, timeout=300)
    prompt = reference("greedy_prompt_text")
    expected = reference("greedy_text")
    try:
        status, body = raw(port, "GET", "/health")
        check(status == 200 and json.loads(body)["status"] == "ok", "/health")
        models = client.models.list()
        check([m.id for m in models.data] == ["gemma-3-270m-q4_k_m"], "/v1/models lists the model")

        # Completions, greedy: transformers' continuation, token for token (as text).
        c = client.completions.create(model="x", prompt=prompt, max_tokens=12, temperature=0)
        text = c.choices[0].text
        check(len(text) > 20 and expected.startswith(text), f"completion equals transformers' greedy text: {text!r}")
        check(c.choices[0].finish_reason == "length" and c.usage.completion_tokens == 12 and c.usage.prompt_tokens == 6,
              "completion usage and finish_reason")

        # Streaming completion: the same text in pieces.
        pieces = [ch.choices[0].text for ch in client.completions.create(model="x", prompt=prompt, max_tokens=12,
                                                                         temperature=0, stream=True) if ch.choices]
        check("".join(pieces) == text and len(pieces) > 3, "streamed completion equals the non-streamed one")

        # Stop strings.
        c = client.completions.create(model="x", prompt=prompt, max_tokens=32, temperature=0, stop=[" country"])
        check(c.choices[0].text == " the capital of the" and c.choices[0].finish_reason == "stop", "stop string")

        # Chat: non-streamed and streamed agree; usage in the stream when asked.
        messages = [{"role": "system", "content": "Answer in one word."},
                    {"role": "user", "content": "What is the capital of France?"}]
        r = client.chat.completions.create(model="x", messages=messages, max_tokens=16, temperature=0)
        answer = r.choices[0].message.content
        # (the default model is a base model: it continues the template rather than answering; the template
        # itself is checked token for token in the model_chat suite)
        check(r.choices[0].message.role == "assistant" and len(answer) > 0, f"chat answer: {answer!r}")
        stream = client.chat.completions.create(model="x", messages=messages, max_tokens=16, temperature=0,
                                                stream=True, stream_options={"include_usage": True})
        deltas, usage, stream_finish = [], None, None
        for ch in stream:
            if ch.usage:
                usage = ch.usage
            for choice in ch.choices:
                if choice.delta.content:
                    deltas.append(choice.delta.content)
                stream_finish = choice.finish_reason or stream_finish
        check("".join(deltas) == answer, "streamed chat equals the non-streamed answer")
        check(usage is not None and usage.completion_tokens == r.usage.completion_tokens and stream_finish == r.choices[0].finish_reason,
              "stream usage and finish_reason")

        # The next turn reuses the cached conversation and gives what a fresh evaluation gives.
        follow = messages + [{"role": "assistant", "content": answer}, {"role": "user", "content": "And of Italy?"}]
        reused = client.chat.completions.create(model="x", messages=follow, max_tokens=8, temperature=0)
        # Four unrelated prompts take every sequence (4 by default, the least recently used first), so the
        # fresh request finds no cached prefix.
        for other in ["Something else entirely", "A different text", "Numbers: 1, 2, 3", "The sea is"]:
            client.completions.create(model="x", prompt=other, max_tokens=2, temperature=0)
        fresh = client.chat.completions.create(model="x", messages=follow, max_tokens=8, temperature=0)
        cached = reused.usage.prompt_tokens_details.cached_tokens
        check(cached > 20 and cached < reused.usage.prompt_tokens and fresh.usage.prompt_tokens_details.cached_tokens < cached,
              f"usage.prompt_tokens_details.cached_tokens reports the reused prefix ({cached} of {reused.usage.prompt_tokens})")
        check(reused.choices[0].message.content == fresh.choices[0].message.content,
              f"a follow-up turn with the cache reused equals a fresh one: {fresh.choices[0].message.content!r}")

        # Logprobs: at a prompt position of transformers' reference, the top-5 log-probabilities differ from
        # each other as its logits do (log-softmax keeps differences), and greedy picks the most likely.
        ids = [int(t) for t in reference("prompt_tokens").split()[1:]]
        pos = 9
        want = sorted((float(e.split(":")[1]) for e in reference(f"pos {pos} argmax").split(" top 20 ")[1].split()),
                      reverse=True)[:5]
        c = client.completions.create(model="x", prompt=ids[:pos + 1], max_tokens=1, temperature=0, logprobs=5)
        lp = c.choices[0].logprobs
        got = sorted(lp.top_logprobs[0].values(), reverse=True)
        check(len(got) == 5 and all(abs((g - got[0]) - (w - want[0])) < 2e-3 for g, w in zip(got, want)) and
              all(g < 0 for g in got) and abs(lp.token_logprobs[0] - got[0]) < 1e-6 and lp.text_offset == [0],
              f"completion logprobs match transformers' logits: {[round(g - got[0], 4) for g in got]} vs "
              f"{[round(w - want[0], 4) for w in want]}")
        r = client.chat.completions.create(model="x", messages=messages, max_tokens=6, temperature=0, logprobs=True,
                                           top_logprobs=3)
        content = r.choices[0].logprobs.content
        check(len(content) == r.usage.completion_tokens and "".join(t.token for t in content) == r.choices[0].message.content
              and all(len(t.top_logprobs) == 3 and t.logprob == t.top_logprobs[0].logprob for t in content),
              "chat logprobs: one per token, the tokens spell the answer, greedy takes the top one")
        streamed = []
        for ch in client.chat.completions.create(model="x", messages=messages, max_tokens=6, temperature=0,
                                                 logprobs=True, top_logprobs=3, stream=True):
            for choice in ch.choices:
                if choice.logprobs and choice.logprobs.content:
                    streamed += [t.token for t in choice.logprobs.content]
        check(streamed == [t.token for t in content], "streamed chat logprobs equal the non-streamed ones")
        status, body = raw(port, "POST", "/v1/chat/completions",
                           body=b'{"messages": [{"role": "user", "content": "Hi"}], "top_logprobs": 3}')
        check(status == 400 and json.loads(body)["error"]["param"] == "top_logprobs", "top_logprobs needs logprobs")

        # response_format json_object: the reply is one JSON object, streamed alike (the 270M rambles on in
        # most prompts until max_tokens; with this one and seed it closes its object); json_schema and unknown
        # types are clear 400s.
        ask = [{"role": "user", "content": "What is the capital of France? Answer in JSON with the key capital."}]
        r = client.chat.completions.create(model="x", messages=ask, max_tokens=100, temperature=1.0, seed=5,
                                           response_format={"type": "json_object"})
        text = r.choices[0].message.content
        try:
            obj = json.loads(text)
        except ValueError:
            obj = None
        check(isinstance(obj, dict) and "capital" in obj and r.choices[0].finish_reason == "stop",
              f"json_object reply is one JSON object: {text!r}")
        pieces = [ch.choices[0].delta.content or "" for ch in client.chat.completions.create(
            model="x", messages=ask, max_tokens=100, temperature=1.0, seed=5,
            response_format={"type": "json_object"}, stream=True) if ch.choices]
        check("".join(pieces) == text, "streamed json_object equals the non-streamed")
        plain = client.chat.completions.create(model="x", messages=ask, max_tokens=100, temperature=1.0, seed=5)
        check(plain.choices[0].message.content != text, "without response_format the same request answers otherwise")
        # response_format json_schema (xgrammar's token masks): the reply parses and validates against the
        # schema, streamed alike; a schema that is missing, not an object or not usable is a 400 naming
        # response_format.
        sr = client.chat.completions.create(model="x", messages=PERSON_ASK, max_tokens=120, temperature=0,
                                            response_format=PERSON_FORMAT)
        text = sr.choices[0].message.content
        try:
            obj = json.loads(text)
        except ValueError:
            obj = None
        check(obj is not None and schema_violation(obj, PERSON_SCHEMA) == "" and sr.choices[0].finish_reason == "stop",
              f"json_schema reply validates ({schema_violation(obj, PERSON_SCHEMA) if obj is not None else 'not JSON'}): "
              f"{text!r}")
        pieces = [ch.choices[0].delta.content or "" for ch in client.chat.completions.create(
            model="x", messages=PERSON_ASK, max_tokens=120, temperature=0, response_format=PERSON_FORMAT,
            stream=True) if ch.choices]
        check("".join(pieces) == text, "streamed json_schema equals the non-streamed")
        for seed in (1, 2):
            sr = client.chat.completions.create(model="x", messages=PERSON_ASK, max_tokens=160, temperature=1.0,
                                                seed=seed, response_format=PERSON_FORMAT)
            t = sr.choices[0].message.content
            if sr.choices[0].finish_reason == "stop":
                check(schema_violation(json.loads(t), PERSON_SCHEMA) == "", f"sampled json_schema reply validates: {t!r}")
            else:  # cut by max_tokens inside a string: still the start of an object of the schema
                check(sr.choices[0].finish_reason == "length" and t.startswith('{"name": "'),
                      f"sampled json_schema reply cut at max_tokens starts the document: {t!r}")
        for fmt, words in (({"type": "json_schema", "json_schema": {"name": "x"}}, "needs 'json_schema'"),
                           ({"type": "json_schema", "json_schema": {"name": "x", "schema": [1]}}, "needs 'json_schema'"),
                           ({"type": "json_schema", "json_schema": {"name": "x", "schema": {"type": "no such type"}}},
                            "not usable"),
                           ({"type": "yaml"}, "must be 'text'"), ("json", "must be an object")):
            status, body = raw(port, "POST", "/v1/chat/completions", body=json.dumps(
                {"messages": ask, "response_format": fmt}).encode())
            err = json.loads(body)["error"] if status == 400 else {}
            check(status == 400 and err.get("param") == "response_format" and words in err.get("message", ""),
                  f"response_format {fmt!r}: 400 naming it ({status} {body[:120]!r})")

        # Sampling with a seed is reproducible.
        a = client.completions.create(model="x", prompt=prompt, max_tokens=10, temperature=0.9, seed=11)
        b = client.completions.create(model="x", prompt=prompt, max_tokens=10, temperature=0.9, seed=11)
        check(a.choices[0].text == b.choices[0].text, "seeded sampling is reproducible")

        # Bad requests: clear 400s, and the server keeps serving.
        try:
            client.completions.create(model="x", prompt="word " * 400, max_tokens=4)
            check(False, "prompt over the context is rejected")
        except openai.BadRequestError as e:
            check("more than the context of 256" in str(e), f"prompt over the context: {e}")
        try:
            client.chat.completions.create(model="x", messages=[{"role": "user", "content": "a"},
                                                                {"role": "user", "content": "b"}])
            check(False, "non-alternating roles are rejected")
        except openai.BadRequestError as e:
            check("alternate" in str(e), "non-alternating roles")
        status, body = raw(port, "POST", "/v1/chat/completions", body=b'{"messages": [')
        check(status == 400 and "not valid JSON" in json.loads(body)["error"]["message"], "malformed JSON")
        status, body = raw(port, "POST", "/v1/completions", body=b'{"prompt": "x", "max_tokens": "many"}')
        check(status == 400 and json.loads(body)["error"]["param"] == "max_tokens", "wrong field type names the field")
        status, body = raw(port, "POST", "/v1/chat/completions",
                           body=b'{"messages": [{"role": "user", "content": "Hi"}], "think": "yes"}')
        check(status == 400 and json.loads(body)["error"]["param"] == "think", "think must be a boolean")
        status, body = raw(port, "POST", "/v1/completions", body=b'{"prompt": "Hi", "max_tokens": 2, "n": 2}')
        check(status == 400, "n > 1 is rejected")
        status, body = raw(port, "POST", "/v1/completions",
                           body=b'{"prompt": "Hi", "max_tokens": 2, "frobnicate": {"x": 1}, "temperature": 0}')
        check(status == 200, "unknown fields are ignored")
        status, body = raw(port, "GET", "/v1/nothing")
        check(status == 404 and "no such endpoint" in json.loads(body)["error"]["message"], "404 as JSON")

        # A client that disconnects mid-stream: its generation stops, the server goes on.
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        conn.request("POST", "/v1/completions", body=json.dumps({"prompt": prompt, "max_tokens": 200, "stream": True}),
                     headers={"Content-Type": "application/json"})
        resp = conn.getresponse()
        # The first event (decoded from the chunked body), past the ": waiting" comments the server sends while a
        # slow (loaded) machine has not yet made the first token.
        first = b""
        for _ in range(120):
            first = resp.readline()
            if first and not first.startswith(b":") and first.strip():
                break
        conn.sock.close()
        conn.close()
        check(first.startswith(b"data: "), "stream started before the disconnect")
        t0 = time.time()
        c = client.completions.create(model="x", prompt=prompt, max_tokens=4, temperature=0)
        check(expected.startswith(c.choices[0].text), "serving after a client left mid-stream")
        print(f"     (next request answered {time.time() - t0:.1f} s after the disconnect)")

        # Concurrent clients: all answered, each with what it gets alone.
        prompts = [prompt, "The capital of Germany is", "One, two, three,", "Water boils at"]
        alone = {p: client.completions.create(model="x", prompt=p, max_tokens=6, temperature=0).choices[0].text
                 for p in prompts}
        results, errors = [], []

        def worker(i):
            p = prompts[i % len(prompts)]
            try:
                cl = openai.OpenAI(base_url=f"http://127.0.0.1:{port}/v1", api_key="none", max_retries=0, timeout=300)
                if i % 2:
                    out = "".join(ch.choices[0].text for ch in cl.completions.create(
                        model="x", prompt=p, max_tokens=6, temperature=0, stream=True) if ch.choices)
                else:
                    out = cl.completions.create(model="x", prompt=p, max_tokens=6, temperature=0).choices[0].text
                results.append(out == alone[p])
            except Exception as e:  # noqa: BLE001 - every failure is reported
                errors.append(repr(e))

        t0 = time.time()
        threads = [threading.Thread(target=worker, args=(i,)) for i in range(12)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.time() - t0
        check(not errors and len(results) == 12 and all(results),
              f"12 concurrent clients all answered correctly ({len(errors)} failures: {errors[:2]})")
        print(f"     load: 12 requests in {elapsed:.1f} s = {12 / elapsed:.2f} requests/s, {len(errors)} failures")
        check(proc.poll() is None, "the server is still running")
        # SIGTERM: a clean stop (exit 0; under the sanitizers LeakSanitizer then checks the whole process).
        proc.send_signal(signal.SIGTERM)
        try:
            rc = proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            rc = None
        check(rc == 0, f"SIGTERM stops the server cleanly (exit status {rc})")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=30)
    finish("all server checks passed")


main()
