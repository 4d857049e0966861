"""Callback intake: callbacks/s and ack latency of POST /wecom/callback against an aiohttp floor, with wrk.

    python -m bench.callbacks [--seconds 5] [--connections 64] [--threads 2] [--rounds 2]
                              [--redis redis://127.0.0.1:6379/14]

The load comes from wrk (an external load generator, `apt-get install wrk`), not from a Python client in
the server's process. Each server runs alone in its own process (bench/intake_server.py): the floor, an
aiohttp handler that reads the body and answers 200, then siyu-bot's real endpoint (verify the signature,
decrypt, parse, dedupe, enqueue, ack; workers off). Every request is a distinct callback signed and
encrypted as WeCom does (pre-generated; bench/callbacks.lua), so deduplication never short-cuts the work.
Floor and real alternate `--rounds` times in the same run; the ratio compares the totals.

With --redis the given database is FLUSHED first: use one of your own.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from bench.common import table
from bench.intake_server import AES_KEY, CORP_ID, TOKEN
from bot.protocol.crypto import CallbackCipher

HERE = Path(__file__).resolve().parent


def write_bodies(path: Path, count: int) -> None:
    """count distinct callbacks: app text messages from 500 members, each with its own MsgId and nonce."""
    cipher = CallbackCipher(TOKEN, AES_KEY, CORP_ID)
    now = str(int(time.time()))
    run = secrets.randbelow(10**9) * 10**7  # MsgIds never repeat across runs on the same database
    with path.open("w", encoding="utf-8") as out:
        for n in range(count):
            plaintext = (f"<xml><ToUserName><![CDATA[{CORP_ID}]]></ToUserName><FromUserName><![CDATA[member{n % 500}]]>"
                         f"</FromUserName><CreateTime>{now}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
                         f"<Content><![CDATA[包邮吗 {n}]]></Content><MsgId>{run + n}</MsgId><AgentID>1</AgentID></xml>")
            nonce = f"{n}x{run}"
            encrypted, signature = cipher.seal(plaintext, now, nonce)
            body = (f"<xml><ToUserName><![CDATA[{CORP_ID}]]></ToUserName><Encrypt><![CDATA[{encrypted}]]>"
                    "</Encrypt><AgentID><![CDATA[1]]></AgentID></xml>")
            out.write(f"/wecom/callback?msg_signature={signature}&timestamp={now}&nonce={nonce}\t{body}\n")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start(kind: str, redis_url: str | None) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    command = [sys.executable, "-m", "bench.intake_server", kind, str(port)]
    if redis_url and kind == "real":
        command += ["--redis", redis_url]
    server = subprocess.Popen(command, cwd=HERE.parent)
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=1) as response:
                if response.status == 200:
                    return server, base
        except OSError:
            time.sleep(0.05)
    server.kill()
    raise SystemExit(f"the {kind} server did not start")


def stop(server: subprocess.Popen[bytes]) -> None:
    server.terminate()
    try:
        server.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.kill()


def run_wrk(base: str, bodies: Path, args: argparse.Namespace) -> dict[str, Any]:
    command = ["wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{args.seconds}s", "--timeout", "5s",
               "-s", str(HERE / "callbacks.lua"), base, "--", str(bodies), str(args.threads)]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    result: dict[str, Any] = json.loads(output.strip().splitlines()[-1])
    result["rate"] = result["requests"] / (result["duration_us"] / 1e6)
    result["errors"] = sum(result[k] for k in ("non_2xx", "connect_errors", "read_errors", "write_errors",
                                               "timeouts"))
    return result


def flush(redis_url: str) -> None:
    import redis

    client = redis.Redis.from_url(redis_url)
    client.flushdb()
    client.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--bodies", type=int, default=100_000, help="distinct callbacks to pre-generate")
    parser.add_argument("--redis", default=None, help="measure with Redis as the store (default: embedded)")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (apt-get install -y wrk)")

    with tempfile.TemporaryDirectory() as scratch:
        bodies = Path(scratch) / "bodies.tsv"
        write_bodies(bodies, args.bodies)
        store = "Redis" if args.redis else "embedded store"
        rows, totals = [], {"floor": [0.0, 0.0], "real": [0.0, 0.0]}
        ratios: list[float] = []
        floor_rate = 0.0
        for round_ in range(1, args.rounds + 1):
            for kind in ("floor", "real"):
                if kind == "real" and args.redis:
                    flush(args.redis)
                server, base = start(kind, args.redis)
                try:
                    result = run_wrk(base, bodies, args)
                finally:
                    stop(server)
                totals[kind][0] += result["requests"]
                totals[kind][1] += result["duration_us"] / 1e6
                name = "floor (aiohttp, 200 only)" if kind == "floor" else f"POST /wecom/callback, {store}"
                if kind == "floor":
                    floor_rate = result["rate"]
                else:
                    ratios.append(result["rate"] / floor_rate)
                rows.append([round_, name, f"{result['requests']:,}", f"{result['rate']:,.0f}",
                             f"{result['p50_us'] / 1000:.2f}", f"{result['p99_us'] / 1000:.2f}",
                             result["errors"], f"{result['repeated']:,}" if kind == "real" else "-",
                             f"{ratios[-1]:.2f}" if kind == "real" else "1.00"])
    print(table(["round", "handler", "requests", "callbacks/s", "ack p50 ms", "ack p99 ms", "errors/non-200",
                 "repeated bodies", "ratio (round)"], rows))
    floor_rate, real_rate = (totals[k][0] / totals[k][1] for k in ("floor", "real"))
    print(f"\nratio to the floor: {real_rate / floor_rate:.2f} over all rounds, {statistics.median(ratios):.2f} "
          f"median of the rounds  ({real_rate:,.0f} vs {floor_rate:,.0f} callbacks/s; "
          f"wrk -t{args.threads} -c{args.connections} -d{args.seconds}s; {os.cpu_count()} CPUs shared by wrk, "
          f"the server{' and Redis' if args.redis else ''})")


if __name__ == "__main__":
    main()
