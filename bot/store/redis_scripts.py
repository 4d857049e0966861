"""The small Lua scripts of the Redis store: each makes one check-and-write atomic."""

from __future__ import annotations

# SET NX then XADD in one step, so a retried callback can never be marked seen without being queued.
# No MAXLEN: a backlog (say, during a long WeCom outage) must never be cut; acknowledged entries are
# trimmed by age instead (trim_acked, run by the janitor).
ENQUEUE_ONCE = """
if redis.call('SET', KEYS[1], '1', 'NX', 'PX', ARGV[1]) then
  return redis.call('XADD', KEYS[2], '*', unpack(ARGV, 2))
end
return false
"""
RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
"""
RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""
INCR = """
local v = redis.call('INCRBY', KEYS[1], ARGV[1])
if v == tonumber(ARGV[1]) and tonumber(ARGV[2]) > 0 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return v
"""
XDEL_ACKED = """
for _, group in ipairs(redis.call('XINFO', 'GROUPS', KEYS[1])) do
  local name
  for i = 1, #group, 2 do if group[i] == 'name' then name = group[i + 1] end end
  redis.call('XACK', KEYS[1], name, unpack(ARGV))
end
return redis.call('XDEL', KEYS[1], unpack(ARGV))
"""
WINDOW_ADD = """
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', tonumber(ARGV[2]) - tonumber(ARGV[3]))
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return redis.call('ZCARD', KEYS[1])
"""
