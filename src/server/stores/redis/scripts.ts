/**
 * Applies a planned write, or nothing. The plan was made from a read of the
 * space at cursor ARGV[1]; if any write came in between, the cursor moved and
 * the script answers -1 (the caller reads and plans again). Otherwise it
 * writes the document, the space's counters, the idempotency record (trimmed
 * by count and age) and the change on the space's stream, all in one step.
 *
 * KEYS: meta, document, cursors, live, tombstones, idempotency, idempotencyOrder, stream
 * ARGV: expected cursor, key, version, text, has text (1/0), bytes, overrode ('' for none), written at,
 *       bytes delta, documents delta, idempotency field ('' for none), idempotency record,
 *       records kept, record age ms, stream length, client id
 */
export const WRITE_SCRIPT = `
local cursor = tonumber(redis.call('HGET', KEYS[1], 'c') or '0')
if cursor ~= tonumber(ARGV[1]) then return -1 end
cursor = cursor + 1
redis.call('HSET', KEYS[1], 'c', cursor)
redis.call('HINCRBY', KEYS[1], 'b', ARGV[9])
redis.call('HINCRBY', KEYS[1], 'n', ARGV[10])
redis.call('DEL', KEYS[2])
if ARGV[5] == '1' then
  redis.call('HSET', KEYS[2], 'v', ARGV[3], 't', ARGV[4], 'b', ARGV[6], 'c', cursor, 'u', ARGV[8])
  redis.call('ZADD', KEYS[4], 0, ARGV[2])
  redis.call('ZREM', KEYS[5], ARGV[2])
else
  redis.call('HSET', KEYS[2], 'v', ARGV[3], 'x', '1', 'b', 0, 'c', cursor, 'u', ARGV[8])
  redis.call('ZREM', KEYS[4], ARGV[2])
  redis.call('ZADD', KEYS[5], ARGV[8], ARGV[2])
end
if ARGV[7] ~= '' then redis.call('HSET', KEYS[2], 'o', ARGV[7]) end
if ARGV[16] ~= '' then redis.call('HSET', KEYS[2], 'w', ARGV[16]) end
redis.call('ZADD', KEYS[3], cursor, ARGV[2])
if ARGV[11] ~= '' then
  redis.call('HSET', KEYS[6], ARGV[11], ARGV[12])
  redis.call('ZADD', KEYS[7], cursor, ARGV[11])
  local extra = redis.call('ZCARD', KEYS[7]) - tonumber(ARGV[13])
  if extra > 0 then
    local old = redis.call('ZRANGE', KEYS[7], 0, extra - 1)
    redis.call('ZREMRANGEBYRANK', KEYS[7], 0, extra - 1)
    for _, field in ipairs(old) do redis.call('HDEL', KEYS[6], field) end
  end
  local oldest = tonumber(ARGV[8]) - tonumber(ARGV[14])
  for _, field in ipairs(redis.call('ZRANGE', KEYS[7], 0, 9)) do
    local record = redis.call('HGET', KEYS[6], field)
    if record and tonumber(cjson.decode(record).at) >= oldest then break end
    redis.call('ZREM', KEYS[7], field)
    redis.call('HDEL', KEYS[6], field)
  end
end
redis.call('XADD', KEYS[8], 'MAXLEN', '~', ARGV[15], '*', 'c', cursor, 'k', ARGV[2], 'v', ARGV[3], 'd', ARGV[5] == '1' and '0' or '1', 'cl', ARGV[16])
return cursor
`;

/**
 * The changes after a cursor, read in one step so the head cursor and the
 * entries agree: `{'reset', cursor}` or `{'changes', cursor, key, cursor, version, deleted, client, …}`.
 *
 * KEYS: meta, cursors   ARGV: after, limit + 1, document key prefix
 */
export const CHANGES_SCRIPT = `
local cursor = tonumber(redis.call('HGET', KEYS[1], 'c') or '0')
local purged = tonumber(redis.call('HGET', KEYS[1], 'p') or '0')
local after = tonumber(ARGV[1])
if after < purged or after > cursor then return {'reset', cursor} end
local found = redis.call('ZRANGEBYSCORE', KEYS[2], '(' .. ARGV[1], cursor, 'WITHSCORES', 'LIMIT', 0, tonumber(ARGV[2]))
local out = {'changes', cursor}
for i = 1, #found, 2 do
  local document = redis.call('HMGET', ARGV[3] .. found[i], 'v', 'x', 'w')
  table.insert(out, found[i])
  table.insert(out, found[i + 1])
  table.insert(out, document[1] or '')
  table.insert(out, document[2] or '0')
  table.insert(out, document[3] or '')
end
return out
`;

/**
 * Removes tombstones written before ARGV[1] (at most 500 a call) and moves
 * the purged-through cursor past them: an older cursor then gets `reset`.
 *
 * KEYS: meta, cursors, tombstones   ARGV: older than, document key prefix
 */
export const PURGE_SCRIPT = `
local gone = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', '(' .. ARGV[1], 'LIMIT', 0, 500)
if #gone == 0 then return 0 end
local through = tonumber(redis.call('HGET', KEYS[1], 'p') or '0')
for _, key in ipairs(gone) do
  local cursor = tonumber(redis.call('ZSCORE', KEYS[2], key) or '0')
  if cursor > through then through = cursor end
  redis.call('DEL', ARGV[2] .. key)
  redis.call('ZREM', KEYS[2], key)
  redis.call('ZREM', KEYS[3], key)
end
redis.call('HSET', KEYS[1], 'p', through)
return #gone
`;
