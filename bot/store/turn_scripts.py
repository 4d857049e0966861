"""The two Lua scripts of an engine turn on Redis: lock-and-read, then write-and-unlock.

A turn used to cost five round trips (SET NX lock, GET session, SET session, EVAL release, LPUSH near miss,
plus a ZADD/ZREM per timer). The first script takes the customer's lock and returns the session and the
profile in the same step; the second applies every write of the turn (session, profile, tag feed, policy
journal, timers, near-miss log) and releases the lock if this owner still holds it. Both run atomically in
Redis.
"""

from __future__ import annotations

from typing import Any

from bot.store.base import Writes

# KEYS[1] is the lock; every further key is read (GET) once the lock is taken.
LOCK_AND_GET = """
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  local reply = {1}
  for i = 2, #KEYS do reply[i] = redis.call('GET', KEYS[i]) end
  return reply
end
return {0}
"""

# ARGV[1] is the owner; then one group per write: op, key index, value, number ('' when there is none).
_WRITES = """
local i = 2
while i <= #ARGV do
  local op, key, value, number = ARGV[i], KEYS[tonumber(ARGV[i + 1])], ARGV[i + 2], ARGV[i + 3]
  if op == 'set' then
    if number == '' then redis.call('SET', key, value) else redis.call('SET', key, value, 'PX', number) end
  elseif op == 'zadd' then
    redis.call('ZADD', key, number, value)
  elseif op == 'zrem' then
    redis.call('ZREM', key, value)
  elseif op == 'lpush_capped' then
    redis.call('LPUSH', key, value)
    redis.call('LTRIM', key, 0, tonumber(number) - 1)
  elseif op == 'hset' then
    redis.call('HSET', key, value, number)
  elseif op == 'pexpire' then
    redis.call('PEXPIRE', key, number)
  else
    return redis.error_reply('unknown write ' .. op)
  end
  i = i + 4
end
"""

COMMIT_AND_RELEASE = _WRITES + """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
"""

# the same writes without a lease: KEYS[1] and ARGV[1] are placeholders
APPLY = _WRITES + """
return 1
"""


def commit_arguments(lock: str, owner: str, writes: Writes) -> tuple[list[str], list[str]]:
    """KEYS and ARGV for COMMIT_AND_RELEASE: every key the script touches is declared in KEYS."""
    keys = [lock]
    index: dict[str, int] = {lock: 1}
    args: list[str] = [owner]
    for op, key, value, number in writes.ops:
        if key not in index:
            keys.append(key)
            index[key] = len(keys)
        args += [op, str(index[key]), value, "" if number is None else _number(op, number)]
    return keys, args


def _number(op: str, number: float | str) -> str:
    if op == "hset":
        return str(number)
    return repr(float(number)) if op == "zadd" else str(int(number))


def lock_reply(raw: Any, count: int) -> tuple[bool, list[str | None]]:
    """(taken, one value per key read): Redis turns the script's false (a missing key) into nil."""
    taken = bool(raw[0])
    values: list[str | None] = list(raw[1:]) if taken else []
    return taken, (values + [None] * count)[:count]
