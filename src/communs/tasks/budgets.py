"""Rate-limit budgets shared by every worker, in Redis (the ``SharedBudgets`` of
:mod:`communs.forges.ratelimit`).

One hash per API host, token (a digest of it) and resource: ``remaining`` and
``reset_at`` (Unix seconds), expiring a minute after the reset. Each request takes a unit
(a Lua script, so two workers never take the last unit twice); each answer writes back
what the forge said. Answers arrive out of order across workers, so within one window
(same reset) the lower count wins, and an answer from an older window is ignored.
"""

from __future__ import annotations

from typing import Any

from communs.tasks.shared import KEY_PREFIX

# Returns "" when the unit is taken (or the budget unknown), else the reset time.
TAKE = """
local values = redis.call('HMGET', KEYS[1], 'remaining', 'reset_at')
local now = tonumber(ARGV[1])
if values[2] and tonumber(values[2]) <= now then
  redis.call('DEL', KEYS[1])
  return ''
end
if not values[1] then return '' end
if tonumber(values[1]) > 0 then
  redis.call('HINCRBY', KEYS[1], 'remaining', -1)
  return ''
end
return values[2] or '0'
"""

RECORD = """
local values = redis.call('HMGET', KEYS[1], 'remaining', 'reset_at')
local remaining = tonumber(ARGV[1])
local reset = ARGV[2]
if values[1] and values[2] and reset ~= '' then
  local stored = tonumber(values[2])
  local given = tonumber(reset)
  if given < stored - 1 then return 0 end
  if math.abs(given - stored) <= 1 and tonumber(values[1]) <= remaining then return 0 end
end
redis.call('HSET', KEYS[1], 'remaining', remaining)
if reset ~= '' then
  redis.call('HSET', KEYS[1], 'reset_at', reset)
  redis.call('EXPIREAT', KEYS[1], math.floor(tonumber(reset)) + 60)
else
  redis.call('HDEL', KEYS[1], 'reset_at')
  redis.call('EXPIRE', KEYS[1], 3600)
end
return 1
"""


class RedisBudgets:
    """:class:`~communs.forges.ratelimit.SharedBudgets` in Redis."""

    def __init__(self, client: Any, prefix: str = KEY_PREFIX + "budget:") -> None:
        self.client = client
        self.prefix = prefix
        self._take = client.register_script(TAKE)
        self._record = client.register_script(RECORD)

    def key(self, host: str, token: str, resource: str) -> str:
        return f"{self.prefix}{host}:{token}:{resource}"

    def take(self, host: str, token: str, resource: str, now: float) -> float | None:
        answer = self._take(keys=[self.key(host, token, resource)], args=[repr(now)])
        if isinstance(answer, bytes):
            answer = answer.decode()
        return float(answer) if answer else None

    def record(
        self, host: str, token: str, resource: str, remaining: int, reset_at: float | None
    ) -> None:
        self._record(
            keys=[self.key(host, token, resource)],
            args=[remaining, "" if reset_at is None else repr(float(reset_at))],
        )


def shared_budgets() -> RedisBudgets | None:
    """The workers' shared budgets, or None without Redis (each process counts its own)."""
    from communs.tasks.shared import redis_client

    client = redis_client()
    return RedisBudgets(client) if client is not None else None
