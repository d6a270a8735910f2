"""Images through `vkgemma serve`'s OpenAI API (image_url content parts with data: URLs), driven by PyPI's
stock `openai` client on the tiny Gemma 3 vision model (its image features are checked against transformers
in the vision suites).

    test_server_images.py VKGEMMA VISION_MODEL TEXT_MODEL IMAGE

The reply to an image and a question must equal `vkgemma chat`'s for the same turn (greedy), the image must
take its tokens in the prompt, and bad images, URLs the server would have to fetch, too many images and a
model without a vision tower must be clear 400s.
"""
import base64
import subprocess
import sys

import openai

from server_checks import check, finish, start_server

VKGEMMA, VISION, TEXT, IMAGE = sys.argv[1:5]


def start(model):
    proc, port = start_server(VKGEMMA, model, "--backend", "cpu", "--ctx", "128", "--no-pack-cache")
    return proc, openai.OpenAI(base_url=f"http://127.0.0.1:{port}/v1", api_key="none", max_retries=0)


def bad_request(client, content, what, want):
    try:
        client.chat.completions.create(model="x", messages=[{"role": "user", "content": content}], max_tokens=2)
        check(False, what)
    except openai.BadRequestError as e:
        check(want in str(e), f"{what}: {e}")


def main():
    png = open(IMAGE, "rb").read()
    url = "data:image/png;base64," + base64.b64encode(png).decode()
    question = "Describe it."
    cli = subprocess.run([VKGEMMA, "chat", "-m", VISION, "-n", "8", "--temp", "0", "--backend", "cpu", "--no-pack-cache"],
                         input=f"/image {IMAGE}\n{question}\n/exit\n", capture_output=True, text=True, timeout=300)
    proc, client = start(VISION)
    try:
        content = [{"type": "image_url", "image_url": {"url": url}}, {"type": "text", "text": question}]
        r = client.chat.completions.create(model="x", messages=[{"role": "user", "content": content}], max_tokens=8,
                                           temperature=0)
        reply = r.choices[0].message.content
        check(cli.returncode == 0 and cli.stdout == reply + "\n",  # chat ends each reply with a newline
              f"the server's reply to an image equals vkgemma chat's: {reply!r} vs {cli.stdout!r}")
        plain = client.chat.completions.create(model="x", messages=[{"role": "user", "content": question}],
                                               max_tokens=1, temperature=0)
        added = r.usage.prompt_tokens - plain.usage.prompt_tokens
        check(added >= 16 + 2, f"the image takes its 16 soft tokens and their markers in the prompt (+{added})")
        streamed = "".join(ch.choices[0].delta.content or "" for ch in client.chat.completions.create(
            model="x", messages=[{"role": "user", "content": content}], max_tokens=8, temperature=0, stream=True)
            if ch.choices)
        check(streamed == reply, "streamed with an image: the same reply")

        bad_request(client, [{"type": "image_url", "image_url": {"url": "https://example.com/cat.png"}}],
                    "an http(s) image URL", "not fetched")
        bad_request(client, [{"type": "image_url", "image_url": {"url": "data:image/png;base64,@@@@"}}],
                    "bad base64", "base64 data is not valid")
        bad_request(client, [{"type": "image_url", "image_url": {"url": "data:image/png;base64," +
                                                                 base64.b64encode(b"not an image").decode()}}],
                    "bytes that are no image", "image 1")
        bad_request(client, [{"type": "image_url", "image_url": {"url": url}}] * 9, "nine images", "at most 8 images")
        bad_request(client, [{"type": "video_url", "video_url": {"url": url}}], "a video part", "not supported")
        check(proc.poll() is None, "the server is still running")
    finally:
        proc.kill()
        proc.wait()
    proc, client = start(TEXT)
    try:
        bad_request(client, [{"type": "image_url", "image_url": {"url": url}}, {"type": "text", "text": "Hi"}],
                    "an image for a model without a vision tower", "no vision tower")
    finally:
        proc.kill()
        proc.wait()
    finish("all server image checks passed")


main()
