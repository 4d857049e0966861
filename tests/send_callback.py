"""Send the bot what WeCom would, by hand: `python -m tests.send_callback 包邮吗` (docs/operations.md, "Try the
whole bot locally").

A customer's kf message: the text is queued in the fake WeCom (python -m tests.fake_wecom), then an encrypted,
signed kf_msg_or_event callback (tests/wecom.py, as WeCom builds it) is posted to siyu serve, which pulls the
message from the fake with kf/sync_msg and answers through kf/send_msg; this prints the answer.
With --enter: the customer opens the kf chat instead (an enter_session event with a welcome_code, and --scene /
--scene-param as a kf link carries them); the bot pulls it and sends its welcome with kf/send_msg_on_event after
SIYU_KF_WELCOME_HOLD (5 s), which this prints. A text sent right after (a second call) is what she typed at once.
With --hit RULE_ID: a customer-group message that hit a 数据与智能专区 keyword rule instead (hit_keyword), which the
bot moderates and tells the group's owner (owner1) about, after notices.wait_seconds unless it is an alert.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from typing import Any
from urllib.parse import urlsplit

import aiohttp

from tests.wecom import callback, event


async def _sent(session: aiohttp.ClientSession, fake: str) -> list[dict[str, Any]]:
    async with session.get(f"{fake}/_fake/sent") as response:
        sent: list[dict[str, Any]] = await response.json()
        return sent


async def _post(session: aiohttp.ClientSession, url: str, data: dict[str, str]) -> dict[str, Any]:
    async with session.post(url, data=json.dumps(data)) as response:
        answer: dict[str, Any] = await response.json()
        return answer


async def run(args: argparse.Namespace) -> int:
    try:
        return await _run(args)
    except aiohttp.ClientConnectionError as error:
        print(f"cannot reach it: {error} (is python -m tests.fake_wecom running at {args.fake}, and siyu serve at "
              f"{args.bot}?)", file=sys.stderr)
        return 2


async def _run(args: argparse.Namespace) -> int:
    # one request per connection: siyu serve cuts a keep-alive connection left idle (SIYU_READ_TIMEOUT) and logs it
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(force_close=True)) as session:
        before = len(await _sent(session, args.fake))
        code = ""  # the enter_session's welcome_code: its welcome goes by code, not to a user
        if args.hit:
            token = (await _post(session, f"{args.fake}/_fake/hit", {"chat_id": args.group, "sender": args.customer,
                                                                      "rule_id": args.hit}))["token"]
            plaintext = event("hit_keyword", Token=token)
            to = "owner1"
        elif args.enter:
            code = (await _post(session, f"{args.fake}/_fake/enter", {
                "open_kfid": args.kf, "external_userid": args.customer, "scene": args.scene,
                "scene_param": args.scene_param}))["welcome_code"]
            plaintext = event("kf_msg_or_event", Token=f"T{time.time_ns()}", OpenKfId=args.kf)
            to = args.customer
        else:
            await _post(session, f"{args.fake}/_fake/kf", {"open_kfid": args.kf, "external_userid": args.customer,
                                                           "text": args.text})
            plaintext = event("kf_msg_or_event", Token=f"T{time.time_ns()}", OpenKfId=args.kf)
            to = args.customer
        query, body = callback(plaintext)
        async with session.post(f"{args.bot}/wecom/callback", params=query, data=body) as response:
            print(f"siyu serve answered the callback: {response.status} {await response.text()}".rstrip())
            if response.status != 200:
                return 1
        deadline = time.monotonic() + args.wait
        while time.monotonic() < deadline:
            new = [m for m in (await _sent(session, args.fake))[before:]
                   if m.get("touser") == to or (code and m.get("code") == code)]
            if new:
                for message in new:
                    print(f"{to} ← {_text(message)}")
                return 0
            await asyncio.sleep(0.2)
        return await _silent(session, args, to)


async def _silent(session: aiohttp.ClientSession, args: argparse.Namespace, to: str) -> int:
    """Nothing came within --wait: say why when it is known. A conversation with a person is the bot's silence on
    purpose (0); an owner notice is only late (--hit); anything else is for siyu serve's log (1)."""
    if args.hit:
        print(f"nothing reached {to} within {args.wait:g} s (an owner notice waits notices.wait_seconds, 60 s in "
              "the sample; the fake's window shows it when it comes)", file=sys.stderr)
        return 1
    async with session.get(f"{args.fake}/_fake/state",
                           params={"open_kfid": args.kf, "external_userid": args.customer}) as response:
        state = int((await response.json()).get("service_state", 1)) if response.status == 200 else 1
    if state in (2, 3):
        print(f"{to} is with a person now (handed over: kf service_state {state}); the bot stays silent and a "
              "servicer answers in WeCom")
        return 0
    print(f"nothing reached {to} within {args.wait:g} s (siyu serve's log says what it did with the message)",
          file=sys.stderr)
    return 1


def _text(message: dict[str, Any]) -> str:
    """What she reads of a message the bot sent: a text, a menu's lines, a card's title."""
    kind = message.get("msgtype", "")
    content = message.get(kind, {})
    if not isinstance(content, dict):
        return str(content)
    if kind == "msgmenu":
        items = [item.get("click", {}).get("content") or item.get("text", {}).get("content", "")
                 for item in content.get("list", []) if isinstance(item, dict)]
        return " / ".join(str(part) for part in [content.get("head_content", ""), *items, content.get("tail_content", "")]
                          if part)
    return str(content.get("content") or content.get("title") or content)


def base_url(value: str) -> str:
    """`8081`, `:8081`, `127.0.0.1:8081` or `http://127.0.0.1:8081` → the last; ValueError (one line) for anything
    else (a path, a query or a fragment too: the callback's path is added to it)."""
    text = value.strip().rstrip("/")
    if text.isdigit():  # 8081: the port alone
        text = f":{text}"
    if text.startswith(":"):
        text = f"127.0.0.1{text}"
    if "://" not in text:
        text = f"http://{text}"
    wrong = ValueError(f"{value!r} is not an address: write :PORT, HOST:PORT or http://HOST:PORT")
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        raise wrong from None
    # a query or fragment would come before /wecom/callback: the request went to the server's root
    if (parts.scheme not in ("http", "https") or not parts.hostname or port is None or parts.path or parts.query
            or parts.fragment or text.endswith(("?", "#"))):
        raise wrong
    return text


def _seconds(value: str) -> float:
    """--wait: a number of seconds above 0 (-5 or nan waited not at all and said nothing came "within -5 s")."""
    try:
        seconds = float(value)
    except ValueError:
        seconds = float("nan")
    if not 0 < seconds < float("inf"):
        raise argparse.ArgumentTypeError(f"{value!r} is not a number of seconds above 0 (e.g. --wait 30)")
    return seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.send_callback",
                                     description="Send siyu serve an encrypted WeCom callback, as WeCom would.")
    parser.add_argument("text", nargs="?", help="what the customer writes (kf; default 你好)")
    parser.add_argument("--customer", default="wmTryLocal01", help="external_userid (default wmTryLocal01)")
    parser.add_argument("--kf", default="wkTryLocal", help="open_kfid of the kf account (default wkTryLocal)")
    parser.add_argument("--enter", action="store_true",
                        help="the customer opens the kf chat instead (enter_session): prints the welcome")
    parser.add_argument("--scene", default="", help="with --enter: the kf link's scene (default none)")
    parser.add_argument("--scene-param", default="", help="with --enter: the link's scene_param (default none)")
    parser.add_argument("--hit", metavar="RULE_ID", help="send a keyword-rule hit in a customer group instead")
    parser.add_argument("--group", default="wrTryLocal", help="chat id of that group (default wrTryLocal)")
    parser.add_argument("--bot", default="http://127.0.0.1:8080",
                        help="siyu serve: :PORT, HOST:PORT or a URL (default http://127.0.0.1:8080)")
    parser.add_argument("--fake", default="http://127.0.0.1:8081",
                        help="the fake WeCom: :PORT, HOST:PORT or a URL (default http://127.0.0.1:8081)")
    parser.add_argument("--wait", type=_seconds, default=15.0, help="seconds to wait for the answer (default 15)")
    args = parser.parse_args(argv)
    if args.enter and args.hit:
        parser.error("--enter and --hit are two different callbacks: send one at a time")
    if args.enter and args.text is not None:
        parser.error("--enter sends only the opening of the chat; send what she types with a second call")
    args.text = "你好" if args.text is None else args.text
    for flag in ("bot", "fake"):
        try:
            setattr(args, flag, base_url(getattr(args, flag)))
        except ValueError as error:
            parser.error(f"--{flag}: {error}")
    return asyncio.run(run(args))


if __name__ == "__main__":
    raise SystemExit(main())
