"""What the commands that read a running bot's data need: its store's address."""

from __future__ import annotations

import os
import sys


def running_store_url(command: str) -> str | None:
    """REDIS_URL, or None after telling the operator why `siyu <command>` needs it."""
    url = os.environ.get("REDIS_URL", "").strip()
    if not url:
        print(f"siyu {command} 读写的是运行中的机器人的数据：请设置 REDIS_URL（内嵌存储只在单个进程里）",
              file=sys.stderr)
        return None
    return url
