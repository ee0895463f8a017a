package ingest

import "github.com/redis/go-redis/v9"

// luaLayout's loadGenerations loads the meta of the generations named by KEYS[first..first+2]
// (newest first; bucket key prefixes in ARGV[pfx..pfx+2]) into a list of {l, m = 2^l, s, n, p,
// key, fresh, age}. The newest is always listed (fresh when its meta is missing); an older one
// only when it exists. word is a fingerprint's first 4 bytes as a number, addr its bucket (the
// same as bucketOf in Go).
const luaLayout = `
local function loadGenerations(first, pfx)
  local gens = {}
  for i = 0, 2 do
    local m = redis.call('HMGET', KEYS[first + i], 'l', 's', 'n')
    if m[1] or i == 0 then
      local l = tonumber(m[1]) or 0
      gens[#gens + 1] = {l = l, m = 2 ^ l, s = tonumber(m[2]) or 0, n = tonumber(m[3]) or 0,
        p = ARGV[pfx + i], key = KEYS[first + i], fresh = not m[1], age = i}
    end
  end
  return gens
end
local function word(f)
  local b1, b2, b3, b4 = string.byte(f, 1, 4)
  return ((b1 * 256 + b2) * 256 + b3) * 256 + b4
end
local function addr(g, h)
  local a = h % g.m
  if a < g.s then a = h % (2 * g.m) end
  return a
end
`

// luaMarks is shared by the claim and finish scripts: setMarks writes fields of an in-flight
// hash in one HSET per 2,000 arguments (Lua's unpack limit is 8,000), dropMarks deletes them.
//
// markSentinel is the value of an in-flight hash's field "": longer than Redis' default
// hash-max-listpack-value (64 bytes), so the hash is a hashtable from its first field on. A
// listpack finds a field by scanning, and a batch of 1,000 marks written into an empty one
// scanned it ~500 times before Redis converted it at 512 fields (marks cost 1.2 µs per id; with
// the sentinel 0.3). The sentinel also keeps the hash from emptying between batches.
const luaMarks = `
local markSentinel = string.rep('-', 80)
local function setMarks(key, fs, lease)
  local args = {}
  for i = 1, #fs do
    args[#args + 1] = fs[i]
    args[#args + 1] = lease
    if #args == 2000 or i == #fs then
      redis.call('HSET', key, unpack(args))
      args = {}
    end
  end
end
local function dropMarks(key, fs, from)
  local args = {}
  for i = from, #fs do
    args[#args + 1] = string.sub(fs[i], 2)
    if #args == 1000 or i == #fs then
      redis.call('HDEL', key, unpack(args))
      args = {}
    end
  end
end
`

// claimScript claims a batch's fingerprints in one call.
//
// KEYS: [1] the shop's epochKey, [2..4] the meta keys of the claim's generation and the two
// before, [5..7] their in-flight hashes (inflightKey). ARGV: [1] the epoch to start ("2:<now
// ms>") when the key is missing or of the former layout, [2] now (lease units: unix ms × 1024),
// [3] this claim's lease value, [4..6] the three generations' bucket key prefixes, [7] TTL in
// seconds for the new generation's keys, [8] the bucketLoad, [9] one digit per fingerprint: how
// many generations before the claim's may hold it (lookDepth), [10..] the fingerprints.
//
// It answers {epoch, states}: states has one character per fingerprint — 0 new (now claimed by
// this claim), 1 stored (a duplicate), 2 claimed by a claim whose lease still runs (in flight
// elsewhere), 3, 4 or 5 claimed by a claim whose lease ended without commit (abandoned: now
// claimed by this claim, to be checked in ClickHouse), in the generation 0, 1 or 2 before the
// claim's.
//
// A field's value is "1" from the start: whether it is in flight is told by its mark in the
// in-flight hash of the claiming claim's generation (fingerprint → lease), written once per
// script call and deleted by commit once per batch, so neither step touches the buckets again. Only a
// fingerprint already present is looked up in the in-flight hashes. A field holding a lease is
// a claim of the former in-flight format (before marks), read as it was then. A fingerprint is
// looked up in the older generations its depth allows first, then set with HSETNX in the newest
// (one call for a live event's new id). After each new id, buckets are split while the
// generation holds more than bucketLoad ids per bucket; a split re-buckets the fields by their
// own bits.
//
// The fields are written before their marks, in one script: the shebang makes Redis refuse the
// whole script when out of memory instead of failing a write part way (Redis 7).
var claimScript = redis.NewScript("#!lua\n" + luaLayout + luaMarks + `
local e = redis.call('GET', KEYS[1])
if not e or string.sub(e, 1, 2) ~= '2:' then
  redis.call('SET', KEYS[1], ARGV[1])
  e = ARGV[1]
end
local now, lease, ttl, load, depths = tonumber(ARGV[2]), ARGV[3], ARGV[7], tonumber(ARGV[8]), ARGV[9]
local gens = loadGenerations(2, 4)
local g = gens[1]
if g.fresh then
  redis.call('HSET', g.p .. '0', '', '')
  redis.call('EXPIRE', g.p .. '0', ttl)
end
local changed = g.fresh
local function split()
  local from, to = g.p .. g.s, g.p .. (g.s + g.m)
  local all = redis.call('HGETALL', from)
  local moved, gone = {'', ''}, {}
  for j = 1, #all, 2 do
    local f = all[j]
    if #f > 0 and math.floor(word(f) / g.m) % 2 == 1 then
      moved[#moved + 1] = f
      moved[#moved + 1] = all[j + 1]
      gone[#gone + 1] = f
    end
  end
  redis.call('HSET', to, unpack(moved))
  redis.call('EXPIRE', to, ttl)
  if #gone > 0 then redis.call('HDEL', from, unpack(gone)) end
  g.s = g.s + 1
  if g.s == g.m then
    g.l, g.m, g.s = g.l + 1, g.m * 2, 0
  end
end
local claimed = {}
local function state(key, f, v, age)
  if v ~= '1' then
    local t = tonumber(v)
    if not t then return '1' end
    if t > now then return '2' end
    redis.call('HSET', key, f, '1')
    claimed[#claimed + 1] = f
    return tostring(3 + age)
  end
  for a = 0, 2 do
    local m = redis.call('HGET', KEYS[5 + a], f)
    if m then
      if tonumber(m) > now then return '2' end
      if a > 0 then redis.call('HDEL', KEYS[5 + a], f) end
      claimed[#claimed + 1] = f
      return tostring(3 + age)
    end
  end
  return '1'
end
local out = {}
for i = 10, #ARGV do
  local f = ARGV[i]
  local h = word(f)
  local depth = string.byte(depths, i - 9) - 48
  local st
  for k = #gens, 2, -1 do
    if gens[k].age <= depth then
      local key = gens[k].p .. addr(gens[k], h)
      local v = redis.call('HGET', key, f)
      if v then
        st = state(key, f, v, gens[k].age)
        break
      end
    end
  end
  if not st then
    local key = g.p .. addr(g, h)
    if redis.call('HSETNX', key, f, '1') == 1 then
      st = '0'
      claimed[#claimed + 1] = f
      g.n = g.n + 1
      changed = true
      while g.n > load * (g.m + g.s) do split() end
    else
      st = state(key, f, redis.call('HGET', key, f), 0)
    end
  end
  out[#out + 1] = st
end
if #claimed > 0 then
  redis.call('HSETNX', KEYS[5], '', markSentinel)
  setMarks(KEYS[5], claimed, lease)
  redis.call('EXPIRE', KEYS[5], ttl)
end
if changed then
  redis.call('HSET', g.key, 'l', g.l, 's', g.s, 'n', g.n)
  redis.call('EXPIRE', g.key, ttl)
end
return {e, table.concat(out)}
`)

// finishScript ends a claim. Each ARGV fingerprint is prefixed by one digit: the age (0–2
// generations before the claim's) of the generation holding its field, as the claim script
// answered. ARGV[1] is the mode:
//   - "c" commit: the events are durable; the claim's marks are deleted (one HDEL per 1,000
//     ids), so its fields read as stored, and the hour's count of remembered ids (KEYS[4])
//     grows. No lease compare: should the lease have ended and another claim taken an id over,
//     this request's events are stored all the same, so "stored" is true (the other request
//     stores a second copy, counted once, as when a lease ends during a slow write). A field
//     that is gone (released, or Redis lost it) is not re-created.
//   - "m" mark: as commit, nothing counted (ClickHouse already had the ids).
//   - "r" release: the fingerprints still marked with this claim's lease (ARGV[2]) lose their
//     mark and their field, so a retry is not a duplicate; one taken over meanwhile is left
//     alone.
//
// KEYS: [1..3] the meta keys of the claim's generation and the two before, [4] the hour's
// counter, [5] the in-flight hash of the claim's generation. ARGV: [3..5] the generations'
// bucket key prefixes, [6] the counter's TTL in seconds, [7..] the fingerprints. It answers how
// many fingerprints it finished.
var finishScript = redis.NewScript("#!lua\n" + luaLayout + luaMarks + `
local mode, lease = ARGV[1], ARGV[2]
if mode ~= 'r' then
  dropMarks(KEYS[5], ARGV, 7)
  local done = #ARGV - 6
  if mode == 'c' then
    redis.call('INCRBY', KEYS[4], done)
    redis.call('EXPIRE', KEYS[4], ARGV[6])
  end
  return done
end
local gens = {}
for i = 0, 2 do
  local m = redis.call('HMGET', KEYS[1 + i], 'l', 's')
  if m[1] then
    local l = tonumber(m[1])
    gens[i] = {l = l, m = 2 ^ l, s = tonumber(m[2]), p = ARGV[3 + i], key = KEYS[1 + i], gone = 0}
  end
end
local done = 0
for i = 7, #ARGV do
  local f = string.sub(ARGV[i], 2)
  if redis.call('HGET', KEYS[5], f) == lease then
    redis.call('HDEL', KEYS[5], f)
    done = done + 1
    local g = gens[tonumber(string.sub(ARGV[i], 1, 1))]
    if g and redis.call('HDEL', g.p .. addr(g, word(f)), f) == 1 then g.gone = g.gone + 1 end
  end
end
for i = 0, 2 do
  if gens[i] and gens[i].gone > 0 then redis.call('HINCRBY', gens[i].key, 'n', -gens[i].gone) end
end
return done
`)
