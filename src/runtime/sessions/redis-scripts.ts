// The Lua scripts of RedisSessionStore (redis-store.ts explains the key layout). Each one runs
// atomically in Redis, which is what keeps a session, its conversation lock and the count
// indexes consistent: every change to a session key happens in a script that checks the lock.
import type { Redis } from 'ioredis';

/**
 * Takes the conversation's lock (SET NX PX) and reads the session in one round trip.
 * KEYS: lock, session. ARGV: token, lock ttl ms.
 * Returns {1, session JSON or nil} when taken, {0, the lock's PTTL} when someone holds it.
 */
const ACQUIRE = `
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return {1, redis.call('HGET', KEYS[2], 'd')}
end
return {0, redis.call('PTTL', KEYS[1])}
`;

/**
 * The fenced write: only while the lock still holds this holder's token. Writes or deletes the
 * session, moves its member between the (chatbot, revision) indexes, releases the lock.
 * KEYS: session, lock, pins. ARGV: token, conversation key, 'set' | 'del', session JSON, pin,
 * expiresAt, session PX, index key prefix. Returns 1, or 0 when the lock was lost (nothing written).
 */
const WRITE = `
if redis.call('GET', KEYS[2]) ~= ARGV[1] then return 0 end
local old = redis.call('HGET', KEYS[1], 'p')
if old and (ARGV[3] == 'del' or old ~= ARGV[5]) then
  redis.call('ZREM', ARGV[8] .. old, ARGV[2])
end
if ARGV[3] == 'del' then
  redis.call('DEL', KEYS[1])
else
  redis.call('HSET', KEYS[1], 'd', ARGV[4], 'p', ARGV[5], 'x', ARGV[6])
  redis.call('PEXPIRE', KEYS[1], ARGV[7])
  redis.call('ZADD', ARGV[8] .. ARGV[5], ARGV[6], ARGV[2])
  redis.call('SADD', KEYS[3], ARGV[5])
end
redis.call('DEL', KEYS[2])
return 1
`;

/** Compare-and-delete. KEYS: lock. ARGV: token. Returns 1 when released. */
const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

/** Compare-and-pexpire (the holder's keep-alive). KEYS: lock. ARGV: token, ttl ms. */
const RENEW = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
`;

/**
 * Open sessions per pin: drops expired members (score = expiresAt <= now) from every index, and
 * forgets empty indexes. KEYS: pins. ARGV: index key prefix, now. Returns {pin, count, ...}.
 */
const COUNTS = `
local out = {}
for _, pin in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local z = ARGV[1] .. pin
  redis.call('ZREMRANGEBYSCORE', z, '-inf', ARGV[2])
  local n = redis.call('ZCARD', z)
  if n == 0 then
    redis.call('SREM', KEYS[1], pin)
  else
    out[#out + 1] = pin
    out[#out + 1] = n
  end
end
return out
`;

/**
 * Closes a batch of one index's conversations whose lock is free: deletes each session still
 * pinned to the pin and drops the member. Locked ones are returned for the caller to close under
 * their lock. KEYS: index. ARGV: session key prefix, lock key prefix, pin, now, members...
 * Returns {sessions closed that were open at now, {locked members}}.
 */
const CLOSE_BATCH = `
local closed, busy = 0, {}
for i = 5, #ARGV do
  local m = ARGV[i]
  if redis.call('EXISTS', ARGV[2] .. m) == 1 then
    busy[#busy + 1] = m
  else
    local sk = ARGV[1] .. m
    local pin = redis.call('HMGET', sk, 'p', 'x')
    if pin[1] == ARGV[3] then
      if tonumber(pin[2]) > tonumber(ARGV[4]) then closed = closed + 1 end
      redis.call('DEL', sk)
    end
    redis.call('ZREM', KEYS[1], m)
  end
end
return {closed, busy}
`;

/** A Redis client with the scripts defined (EVALSHA, loaded again on NOSCRIPT by ioredis). */
export interface ScriptedRedis extends Redis {
  sessionAcquire(lock: string, session: string, token: string, ttlMs: number): Promise<[number, unknown]>;
  sessionWrite(
    session: string,
    lock: string,
    pins: string,
    token: string,
    key: string,
    op: 'set' | 'del',
    json: string,
    pin: string,
    expiresAt: number,
    px: number,
    indexPrefix: string,
  ): Promise<number>;
  sessionRelease(lock: string, token: string): Promise<number>;
  sessionRenew(lock: string, token: string, ttlMs: number): Promise<number>;
  sessionCounts(pins: string, indexPrefix: string, now: number): Promise<(string | number)[]>;
  sessionCloseBatch(index: string, ...args: (string | number)[]): Promise<[number, string[]]>;
}

export function defineScripts(redis: Redis): ScriptedRedis {
  redis.defineCommand('sessionAcquire', { lua: ACQUIRE, numberOfKeys: 2 });
  redis.defineCommand('sessionWrite', { lua: WRITE, numberOfKeys: 3 });
  redis.defineCommand('sessionRelease', { lua: RELEASE, numberOfKeys: 1 });
  redis.defineCommand('sessionRenew', { lua: RENEW, numberOfKeys: 1 });
  redis.defineCommand('sessionCounts', { lua: COUNTS, numberOfKeys: 1 });
  redis.defineCommand('sessionCloseBatch', { lua: CLOSE_BATCH, numberOfKeys: 1 });
  return redis as ScriptedRedis;
}
