"""Gemma 4 function calling against `vkgemma serve` (stock `openai` client) on a tiny random Gemma 4 with Gemma 4's
tool tokens (assets/tiny/gemma4_tools.gguf, tools/make_tiny_gemma4_tools.py).

    test_server_tools_gemma4.py VKGEMMA MODEL

A random model writes no call of its own accord, so the calls come from tool_choice "required" and a named
function, which the server holds the reply to by a grammar: the reply must come back as tool_calls of the
declared (the named) function with arguments of its schema, streamed (delta.tool_calls) and not, the same calls
for the same seed. A conversation with earlier calls and their results is accepted (Gemma 4's template writes
them into the model's turn); unusable schemas and conflicting constraints are 400s.
"""
import json
import sys

import openai

from server_checks import check, finish, start_server

VKGEMMA, MODEL = sys.argv[1:3]

TOOLS = [
    {"type": "function", "function": {"name": "weather", "description": "Weather of a city", "parameters": {
        "type": "object", "properties": {"city": {"type": "string", "enum": ["Oslo", "Rome"]}, "hot": {"type": "boolean"}},
        "required": ["city"]}}},
    {"type": "function", "function": {"name": "now", "description": "The time",
                                      "parameters": {"type": "object", "properties": {}}}}]
ASK = [{"role": "user", "content": "Weather in Oslo?"}]
# Short declarations: the tiny model's context is 256 tokens.
HISTORY_TOOLS = [
    {"type": "function", "function": {"name": "weather", "parameters": {
        "type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}},
    {"type": "function", "function": {"name": "now"}}]
HISTORY = [
    {"role": "user", "content": "Oslo?"},
    {"role": "assistant", "content": None, "tool_calls": [
        {"id": "call_1", "type": "function", "function": {"name": "weather", "arguments": json.dumps({"city": "Oslo"})}},
        {"id": "call_2", "type": "function", "function": {"name": "now", "arguments": "{}"}}]},
    {"role": "tool", "tool_call_id": "call_1", "content": "snow"},
    {"role": "tool", "tool_call_id": "call_2", "content": "8:00"},
    {"role": "assistant", "content": "Snow."},
    {"role": "user", "content": "Rome?"}]

def valid(calls, named=None):
    """Calls of declared functions with arguments of their schemas (of `named` only, once, when given)."""
    if not calls or (named and len(calls) != 1):
        return False
    for c in calls:
        args = json.loads(c.function.arguments)
        if named and c.function.name != named:
            return False
        if c.function.name == "weather":
            if args.get("city") not in ("Oslo", "Rome") or not isinstance(args.get("hot", True), bool):
                return False
            if set(args) - {"city", "hot"}:
                return False
        elif c.function.name != "now" or args != {}:
            return False
    return True


def main():
    proc, port = start_server(VKGEMMA, MODEL, "--backend", "cpu", "--ctx", "256", "--parallel", "2")
    client = openai.OpenAI(base_url=f"http://127.0.0.1:{port}/v1", api_key="none", max_retries=0, timeout=120)
    try:
        for choice, named in [("required", None), ({"type": "function", "function": {"name": "weather"}}, "weather")]:
            what = f"tool_choice {json.dumps(choice)}"
            for seed in (1, 2, 3):
                r = client.chat.completions.create(model="x", messages=ASK, tools=TOOLS, tool_choice=choice,
                                                   max_tokens=120, temperature=1.0, seed=seed)
                c = r.choices[0]
                calls = c.message.tool_calls or []
                check(c.finish_reason == "tool_calls" and c.message.content is None and valid(calls, named) and
                      all(x.id.startswith("call_") and x.type == "function" for x in calls),
                      f"{what}, seed {seed}: calls of the declared functions ({c.finish_reason}, "
                      f"{[(x.function.name, x.function.arguments) for x in calls]}, {c.message.content!r})")
                check(r.usage.completion_tokens < 120, f"{what}, seed {seed}: the reply ends after its calls")

                stream = client.chat.completions.create(model="x", messages=ASK, tools=TOOLS, tool_choice=choice,
                                                        max_tokens=120, temperature=1.0, seed=seed, stream=True)
                content, deltas, finish_reason = "", [], None
                for chunk in stream:
                    for d in chunk.choices:
                        content += d.delta.content or ""
                        deltas += d.delta.tool_calls or []
                        finish_reason = d.finish_reason or finish_reason
                check(finish_reason == "tool_calls" and content == "" and
                      [(d.function.name, d.function.arguments) for d in deltas] ==
                      [(x.function.name, x.function.arguments) for x in calls] and
                      [d.index for d in deltas] == list(range(len(deltas))),
                      f"{what}, seed {seed}, streamed: the same calls in delta.tool_calls ({finish_reason}, "
                      f"{content!r}, {deltas})")

        # With thinking on, a thought may come first: a random model rarely closes one, so a reply that ran out of
        # tokens in its thought passes; one that stopped must be calls.
        for seed in (4, 5):
            r = client.chat.completions.create(model="x", messages=ASK, tools=TOOLS, tool_choice="required",
                                               max_tokens=60, temperature=1.0, seed=seed, extra_body={"think": True})
            c = r.choices[0]
            check(c.finish_reason == "length" or (c.finish_reason == "tool_calls" and valid(c.message.tool_calls)),
                  f"thinking on, seed {seed}: calls, after a thought or not ({c.finish_reason})")

        # Earlier calls and their results go into the prompt; the random model answers something.
        for choice in ("auto", {"type": "function", "function": {"name": "now"}}):
            r = client.chat.completions.create(model="x", messages=HISTORY, tools=HISTORY_TOOLS, tool_choice=choice,
                                               max_tokens=16, temperature=1.0, seed=5)
            ok = r.choices[0].finish_reason in ("stop", "length", "tool_calls")
            if choice != "auto":
                calls = r.choices[0].message.tool_calls or []
                ok = ok and r.choices[0].finish_reason == "tool_calls" and [
                    (c.function.name, c.function.arguments) for c in calls] == [("now", "{}")]
            check(ok and r.usage.prompt_tokens > 100,
                  f"a conversation with calls and results, tool_choice {json.dumps(choice)}: answered "
                  f"({r.choices[0].finish_reason}, {r.usage.prompt_tokens} prompt tokens)")
        r = client.chat.completions.create(model="x", messages=ASK, tools=TOOLS, tool_choice="none", max_tokens=8,
                                           temperature=1.0, seed=6)
        check(r.choices[0].message.tool_calls is None and r.choices[0].finish_reason in ("stop", "length"),
              "tool_choice none: text")

        bad_schema = [{"type": "function", "function": {"name": "f", "parameters": {
            "type": "object", "properties": {"a": {"type": "no such type"}}}}}]
        for kwargs, param, what in [
                ({"tools": bad_schema, "tool_choice": "required"}, "tools", "a schema xgrammar cannot use"),
                ({"tools": TOOLS, "tool_choice": "required", "response_format": {"type": "json_object"}}, "tool_choice",
                 "tool_choice required and a response_format"),
                ({"tools": TOOLS, "messages": [{"role": "user", "content": "a"}, {"role": "tool", "content": "r"}]},
                 "messages", "a tool message after no call")]:
            try:
                client.chat.completions.create(model="x", **{"messages": ASK, "max_tokens": 4, **kwargs})
                check(False, f"{what}: refused")
            except openai.BadRequestError as e:
                check(e.body.get("param") == param, f"{what}: 400 naming {param} ({e.body.get('message')!r})")
    finally:
        proc.kill()
        proc.wait(timeout=30)
    finish("all Gemma 4 tool checks passed")


main()
