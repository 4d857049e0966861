"""A Redis password given as a query parameter is hidden like one in the address (attack14).

redis-py reads `redis://host:6379/0?password=…` (the form some hosting panels hand out), but the start-up
`config:` line and the "REDIS_URL … 不应答" line only hid a password written before the @: the query form went
into the log in clear. Both lines now use one redaction that hides both forms.
"""

from __future__ import annotations

import asyncio

from bot.gateway.serving import check_store, redacted
from bot.logging_setup import redact_url


def test_a_password_in_the_query_is_hidden() -> None:
    assert redact_url("redis://127.0.0.1:6379/9?password=hunter2") == "redis://127.0.0.1:6379/9?password=***"
    assert (redact_url("rediss://cache:6380/0?ssl_cert_reqs=none&password=hunter2&username=bot")
            == "rediss://cache:6380/0?ssl_cert_reqs=none&password=***&username=bot")
    assert redact_url("unix:///run/redis.sock?db=2&password=hunter2") == "unix:///run/redis.sock?db=2&password=***"
    assert redact_url("redis://:a@127.0.0.1:6379/0?password=b") == "redis://:***@127.0.0.1:6379/0?password=***"
    assert redacted("redis://127.0.0.1:6379/9?password=hunter2") == "redis://127.0.0.1:6379/9?password=***"


def test_the_line_for_a_store_that_does_not_answer_hides_it() -> None:
    checked = asyncio.run(check_store("redis://127.0.0.1:1/0?password=hunter2"))
    assert checked.problem is not None and "hunter2" not in checked.problem and "password=***" in checked.problem
