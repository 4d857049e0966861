"""Where /metrics is served: on the public callback port (the default), or on an internal listener of its own.

/metrics and /healthz answer without authentication. With SIYU_METRICS_PORT set, /metrics leaves the public port
(which WeCom, and so the internet, reaches) and is served only on SIYU_METRICS_HOST:SIYU_METRICS_PORT (default
host 127.0.0.1), together with a copy of /healthz; the public port keeps /healthz for the load balancer.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass

DEFAULT_HOST = "127.0.0.1"
HOSTNAME = re.compile(r"[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?")


@dataclass(frozen=True)
class MonitorSettings:
    host: str = DEFAULT_HOST
    port: int | None = None  # None: /metrics stays on the public port

    @property
    def separate(self) -> bool:
        return self.port is not None


def host_problem(host: str, name: str = "SIYU_METRICS_HOST") -> str | None:
    """None when `host` is an address or host name to listen on; else the line that says what is wrong."""
    try:
        ipaddress.ip_address(host.strip("[]"))
        return None
    except ValueError:
        pass
    if HOSTNAME.fullmatch(host):
        return None
    return (f"{name} 写得不对：应当是监听的地址（如 127.0.0.1、10.0.0.5 或主机名），"
            f"不带 http:// 和端口，现在是 {host!r}")


def load_monitor_settings(env: Mapping[str, str], public_host: str, public_port: int,
                          problems: list[str]) -> MonitorSettings:
    """SIYU_METRICS_PORT and SIYU_METRICS_HOST; each mistake is one line in `problems`."""
    raw_port = env.get("SIYU_METRICS_PORT", "").strip()
    raw_host = env.get("SIYU_METRICS_HOST", "").strip()
    host = raw_host or DEFAULT_HOST
    if raw_host and (problem := host_problem(raw_host)):
        problems.append(problem)
    if not raw_port:
        if raw_host:
            problems.append("SIYU_METRICS_HOST 设置了，但没有设置 SIYU_METRICS_PORT：/metrics 仍在公开的 SIYU_PORT 上；"
                            "要单独的内部端口，两个都设")
        return MonitorSettings()
    if not (raw_port.isdecimal() and 0 < int(raw_port) < 65536):
        problems.append(f"SIYU_METRICS_PORT 写得不对：应当是 1-65535 的端口号，现在是 {raw_port!r}")
        return MonitorSettings()
    port = int(raw_port)
    wildcard = {"0.0.0.0", "::", ""}
    if port == public_port and (host == public_host or host in wildcard or public_host in wildcard):
        problems.append(f"SIYU_METRICS_PORT 写得不对：{port} 就是回调用的 SIYU_PORT；内部端口要用另一个（如 9100）")
        return MonitorSettings()
    return MonitorSettings(host=host, port=port)
