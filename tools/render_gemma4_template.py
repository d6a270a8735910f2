#!/usr/bin/env python3
"""Gemma 4's own chat template rendered by transformers, for conversations with tools: the judge our renderer
(model/chat_template.cpp, app/tool_calls_gemma4.cpp) must match byte for byte.

Renders assets/templates/gemma4_chat_template.jinja (Google's template, see assets/templates/README.md) with
transformers' render_jinja_template (its sandboxed Jinja environment: trim_blocks, lstrip_blocks), as
apply_chat_template does, for a few OpenAI-style requests: tools with parameters of several types, an assistant
turn with two calls, their results as `tool` messages, the model's answer after them, a following user turn.
The template takes a call's arguments as a mapping (OpenAI sends a JSON string, which servers parse first).

Writes assets/reference/gemma4_tools.json: [{"name", "request": the chat request as an OpenAI client sends
it, "prompt": the rendered text, BOS written as <bos>}].

Usage (from the repository root): /work/refvenv/bin/python tools/render_gemma4_template.py
(needs transformers >= 5 and jinja2)
"""
import copy
import json
import os

from transformers.utils.chat_template_utils import render_jinja_template

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TEMPLATE = os.path.join(ROOT, "assets", "templates", "gemma4_chat_template.jinja")
OUT = os.path.join(ROOT, "assets", "reference", "gemma4_tools.json")


def fn(name, description, parameters=None):
    f = {"name": name}
    if description is not None:
        f["description"] = description
    if parameters is not None:
        f["parameters"] = parameters
    return {"type": "function", "function": f}


TOOLS = [
    fn("get_weather", "Current weather of a city", {
        "type": "object",
        "properties": {
            "city": {"type": "string", "description": "The city, e.g. Paris"},
            "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
            "days": {"type": "integer", "description": "Days ahead"},
            "detailed": {"type": "boolean"},
        },
        "required": ["city"],
    }),
    fn("search_flights", "Search flights", {
        "type": "object",
        "properties": {
            "Origin": {"type": "string"},
            "stops": {"type": "array", "items": {"type": "string", "enum": ["CDG", "FRA"]},
                      "description": "Airports to stop at"},
            "budget": {"type": "number", "nullable": True},
            "when": {"type": "object", "description": "Date range",
                     "properties": {"from": {"type": "string"}, "to": {"type": "string"}},
                     "required": ["from"]},
            "passengers": {"type": "array", "items": {
                "type": "object", "properties": {"name": {"type": "string"}, "age": {"type": "integer"}},
                "required": ["name"]}},
        },
        "required": ["Origin", "when"],
    }),
    fn("now", "The time now", {"type": "object", "properties": {}}),
    fn("ping", None),
]


def call(i, name, args):
    return {"id": f"call_{i}", "type": "function", "function": {"name": name, "arguments": json.dumps(args)}}


CASES = [
    ("declarations", {"messages": [
        {"role": "system", "content": "You are a travel agent. "},
        {"role": "user", "content": "Weather in Paris?"}], "tools": TOOLS}),
    ("declarations_without_system", {"messages": [
        {"role": "user", "content": "What time is it?"}], "tools": TOOLS[2:]}),
    ("two_calls_results_answer_next_user", {"messages": [
        {"role": "user", "content": "Weather in Paris and flights from Berlin?"},
        {"role": "assistant", "content": None, "tool_calls": [
            call(1, "get_weather", {"city": "Paris, \"FR\" {x}", "days": 3, "detailed": False, "unit": "celsius"}),
            call(2, "search_flights", {"Origin": "Berlin", "budget": 250.5, "stops": ["CDG", "FRA"],
                                       "when": {"from": "2026-05-01", "to": None},
                                       "passengers": [{"name": "Ann", "age": 31}, {"name": "Bo", "age": 2.0}]})]},
        {"role": "tool", "tool_call_id": "call_1", "content": "{\"temp\": 18, \"sky\": \"sunny\"}"},
        {"role": "tool", "tool_call_id": "call_2", "content": "2 flights: 09:10, 17:45"},
        {"role": "assistant", "content": "It is 18 C and sunny in Paris; flights leave at 09:10 and 17:45."},
        {"role": "user", "content": "  Thanks! And tomorrow?  "}], "tools": TOOLS}),
    ("after_results_the_model_goes_on", {"messages": [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Time?"},
        {"role": "assistant", "content": "", "tool_calls": [call(7, "now", {})]},
        {"role": "tool", "tool_call_id": "call_7", "content": "12:00 \u00e9t\u00e9 \U0001F600"}], "tools": TOOLS}),
    ("numbers_and_names", {"messages": [
        {"role": "user", "content": "Go"},
        {"role": "assistant", "content": None, "tool_calls": [
            call(3, "get_weather", {"city": "Oslo", "days": -7, "x_small": 1e-05, "x_tenth": 0.1, "x_big": 1e16,
                                    "x_whole": 3.0, "x_million": 1e15, "x_list": [True, None, "a", [1, 2]],
                                    "Z": {"b": 1, "A": {"c": "d"}}})]},
        {"role": "tool", "name": "get_weather", "content": "cold"},
        {"role": "user", "content": "And?"}], "tools": TOOLS[:1]}),
    ("no_tools", {"messages": [
        {"role": "system", "content": "S"},
        {"role": "user", "content": "a"},
        {"role": "assistant", "content": "b"},
        {"role": "user", "content": "c"}]}),
]


def for_template(request):
    """The messages as the template reads them: a call's arguments as a mapping."""
    messages = copy.deepcopy(request["messages"])
    for m in messages:
        for c in m.get("tool_calls") or []:
            c["function"]["arguments"] = json.loads(c["function"]["arguments"])
    return messages


def main():
    with open(TEMPLATE, encoding="utf-8") as f:
        template = f.read()
    out = []
    for name, request in CASES:
        rendered, _ = render_jinja_template(conversations=[for_template(request)], tools=request.get("tools"),
                                            chat_template=template, add_generation_prompt=True, bos_token="<bos>")
        out.append({"name": name, "request": request, "prompt": rendered[0]})
    with open(OUT, "w", encoding="utf-8") as f:
        json.dump(out, f, indent=1, ensure_ascii=False)
        f.write("\n")
    print(f"wrote {OUT} ({len(out)} conversations)")


if __name__ == "__main__":
    main()
