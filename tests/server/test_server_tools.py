"""OpenAI function calling against `vkgemma serve` (stock `openai` client, the default model, exact greedy).

    test_server_tools.py VKGEMMA MODEL

The default model is a small base model: it makes a call only when the conversation already shows the
pattern, so the conversation holds two earlier calls (as assistant tool_calls) and their results (as tool
messages), and the next question must come back as a tool call to the declared function, streamed and not,
the reply ending with the call list. tool_choice "required" or a named function holds the reply to calls (a
grammar); "none" gives text; malformed tools are 400s.
"""
import json
import sys

import openai

from server_checks import check, finish, start_server

VKGEMMA, MODEL = sys.argv[1:3]

TOOLS = [{"type": "function", "function": {"name": "get_weather", "description": "Current weather of a city",
          "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}]


def call(city, i):
    return {"role": "assistant", "content": None, "tool_calls": [{"id": f"call_{i}", "type": "function",
            "function": {"name": "get_weather", "arguments": json.dumps({"city": city})}}]}


CONVERSATION = [
    {"role": "user", "content": "What is the weather in Paris?"}, call("Paris", 1),
    {"role": "tool", "tool_call_id": "call_1", "content": "18 C, sunny"},
    {"role": "assistant", "content": "18 C and sunny."},
    {"role": "user", "content": "What is the weather in Berlin?"}, call("Berlin", 2),
    {"role": "tool", "tool_call_id": "call_2", "content": "12 C, rain"},
    {"role": "assistant", "content": "12 C and rain."},
    {"role": "user", "content": "What is the weather in Rome?"}]


def main():
    proc, port = start_server(VKGEMMA, MODEL, "--backend", "cpu", "--ctx", "1024", "--exact", "--parallel", "1")
    client = openai.OpenAI(base_url=f"http://127.0.0.1:{port}/v1", api_key="none", max_retries=0, timeout=300)
    try:
        r = client.chat.completions.create(model="x", messages=CONVERSATION, tools=TOOLS, max_tokens=24, temperature=0)
        choice = r.choices[0]
        calls = choice.message.tool_calls or []
        check(choice.finish_reason == "tool_calls" and choice.message.content is None and len(calls) == 1 and
              calls[0].type == "function" and calls[0].function.name == "get_weather" and
              json.loads(calls[0].function.arguments) == {"city": "Rome"} and calls[0].id.startswith("call_"),
              f"a tool call comes back as tool_calls: {choice.finish_reason} {calls}")
        check(r.usage.completion_tokens < 24, f"the reply ends with the call list ({r.usage.completion_tokens} tokens)")

        stream = client.chat.completions.create(model="x", messages=CONVERSATION, tools=TOOLS, max_tokens=24,
                                                temperature=0, stream=True)
        content, deltas, finish_reason = "", [], None
        for chunk in stream:
            for c in chunk.choices:
                content += c.delta.content or ""
                deltas += c.delta.tool_calls or []
                finish_reason = c.finish_reason or finish_reason
        check(content == "" and finish_reason == "tool_calls" and len(deltas) == 1 and
              deltas[0].function.name == "get_weather" and json.loads(deltas[0].function.arguments) == {"city": "Rome"},
              f"streamed: the call in delta.tool_calls, no content ({finish_reason}, {content!r}, {deltas})")

        # tool_choice "required" and a named function: held to calls by a grammar (the model's own greedy call).
        for choice in ("required", {"type": "function", "function": {"name": "get_weather"}}):
            forced = client.chat.completions.create(model="x", messages=CONVERSATION, tools=TOOLS, max_tokens=24,
                                                    temperature=0, tool_choice=choice)
            calls = forced.choices[0].message.tool_calls or []
            check(forced.choices[0].finish_reason == "tool_calls" and len(calls) == 1 and
                  calls[0].function.name == "get_weather" and json.loads(calls[0].function.arguments) == {"city": "Rome"},
                  f"tool_choice {json.dumps(choice)}: the call ({calls})")
        # Sampled, it is still a call of the declared function, its argument a string.
        for seed in (1, 2):
            forced = client.chat.completions.create(model="x", messages=CONVERSATION[:1], tools=TOOLS, max_tokens=40,
                                                    temperature=1.0, seed=seed, tool_choice="required")
            calls = forced.choices[0].message.tool_calls or []
            check(forced.choices[0].finish_reason == "tool_calls" and calls and
                  all(c.function.name == "get_weather" and isinstance(json.loads(c.function.arguments)["city"], str)
                      for c in calls), f"tool_choice required, sampled (seed {seed}): calls ({calls})")

        none = client.chat.completions.create(model="x", messages=CONVERSATION, tools=TOOLS, max_tokens=12,
                                              temperature=0, tool_choice="none")
        check(none.choices[0].message.tool_calls is None and none.choices[0].message.content,
              f"tool_choice none: text ({none.choices[0].message.content!r})")

        for bad, param, what in [
                ({"tools": [{"type": "function"}]}, "tools", "a tool without its function"),
                ({"tools": [{"type": "function", "function": {"name": "a b"}}]}, "tools", "a name with a space"),
                ({"tools": TOOLS, "tool_choice": {"type": "function", "function": {"name": "nope"}}}, "tool_choice",
                 "tool_choice naming an undeclared function"),
                ({"tool_choice": "required"}, "tool_choice", "tool_choice without tools"),
                ({"tools": "x"}, "tools", "tools not an array")]:
            try:
                client.chat.completions.create(model="x", messages=[{"role": "user", "content": "hi"}], max_tokens=2,
                                               **bad)
                check(False, f"{what}: refused")
            except openai.BadRequestError as e:
                check(e.body.get("param") == param, f"{what}: 400 naming {param} ({e.body.get('message')!r})")
    finally:
        proc.kill()
        proc.wait(timeout=30)
    finish("all tool checks passed")


main()
