"""Slow clients in a process of their own, so that the test measuring the bot is not slowed by them.

    python -m tests.slowloris PORT COUNT

Each client sends an unfinished request that grows by a byte a second and reconnects when cut off. Once a
second the process prints `open=N cut=M`; it stops when its standard input closes.
"""

from __future__ import annotations

import asyncio
import contextlib
import resource
import sys


async def slow_client(port: int, stop: asyncio.Event, stats: dict[str, int]) -> None:
    while not stop.is_set():
        writer = None
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            stats["open"] += 1
            writer.write(b"POST /wecom/callback?msg_signature=a&timestamp=1&nonce=1 HTTP/1.1\r\nHost: bot\r\n")
            await writer.drain()
            while not stop.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), 1.0)
                writer.write(b"X")
                await writer.drain()
                if reader.at_eof():
                    break
        except (OSError, ConnectionError):
            stats["cut"] += 1
            await asyncio.sleep(0.2)
        finally:
            if writer is not None:
                stats["open"] -= 1
                writer.close()


async def main(port: int, count: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, count + 256)), hard))
    stop, stats = asyncio.Event(), {"open": 0, "cut": 0}
    clients = [asyncio.create_task(slow_client(port, stop, stats)) for _ in range(count)]
    loop = asyncio.get_running_loop()
    stdin_closed = loop.run_in_executor(None, sys.stdin.read)
    while not stdin_closed.done():
        print(f"open={stats['open']} cut={stats['cut']}", flush=True)
        await asyncio.wait([stdin_closed], timeout=1.0)
    stop.set()
    await asyncio.gather(*clients, return_exceptions=True)
    print(f"open={stats['open']} cut={stats['cut']} stopped", flush=True)


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]), int(sys.argv[2])))
