-- wrk script for scripts/bench: every request is a `custom` end-of-call
-- report with its own callId, padded to a target size and signed with the
-- endpoint's secret (X-Voxfra-Signature: t=<unix s>,v1=<hex HMAC-SHA256(
-- secret, "<t>.<body>")>), as a real sender signs it.
--
-- wrk's LuaJIT has no HMAC, so SHA-256 is written here with the `bit`
-- library. Signing an 8 KB body from scratch in Lua would cost the client
-- more than the server spends on the request, so the body is laid out with
-- everything that varies at its end (the callId is the last member): the
-- HMAC's inner hash over "<ipad key><t>.<constant prefix>" is computed once
-- per thread up to the last whole 64-byte block, and each request hashes
-- only the few blocks that remain, plus the outer hash. The MAC is still the
-- full HMAC of the full body; the server checks it in full.
--
-- The same script drives the stock location, so that both see the same bytes
-- and the client spends the same on each request.
--
-- Environment: BENCH_SECRET (the endpoint's secret), BENCH_BODY_SIZE (bytes),
-- BENCH_RUN (a tag that makes callIds unique across runs), BENCH_DELAY_MS
-- (optional: a pause before each request on a connection, to offer a lower
-- load), BENCH_CALL_IDS ("random": call ids in no order, as real ones are).
-- done() prints one line "bench-counts: k=v ..." that scripts/bench reads.

local bit = require("bit")
local ffi = require("ffi")
local band, bor, bxor, bnot = bit.band, bit.bor, bit.bxor, bit.bnot
local rshift, lshift, ror, tobit, tohex = bit.rshift, bit.lshift, bit.ror, bit.tobit, bit.tohex
local byte, char, format = string.byte, string.char, string.format

-- SHA-256 --------------------------------------------------------------------
-- Words live in int32 FFI arrays (three times faster than Lua tables here);
-- every sum is brought back to 32 bits with tobit before it is stored.

local K = ffi.new("int32_t[64]")
do
  local k = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
  }
  for i = 1, 64 do K[i - 1] = tobit(k[i]) end
end

local function initial_state()
  local h = ffi.new("int32_t[8]")
  local h0 = { 0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19 }
  for i = 1, 8 do h[i - 1] = tobit(h0[i]) end
  return h
end

local W = ffi.new("int32_t[64]")

-- One compression of the block in W[0..15] into the state h (int32_t[8]).
local function compress(h)
  for j = 16, 63 do
    local w15, w2 = W[j - 15], W[j - 2]
    local s0 = bxor(ror(w15, 7), ror(w15, 18), rshift(w15, 3))
    local s1 = bxor(ror(w2, 17), ror(w2, 19), rshift(w2, 10))
    W[j] = tobit(W[j - 16] + s0 + W[j - 7] + s1)
  end
  local a, b, c, d, e, f, g, hh = h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7]
  for j = 0, 63 do
    local S1 = bxor(ror(e, 6), ror(e, 11), ror(e, 25))
    local ch = bxor(band(e, f), band(bnot(e), g))
    local t1 = tobit(hh + S1 + ch + K[j] + W[j])
    local S0 = bxor(ror(a, 2), ror(a, 13), ror(a, 22))
    local maj = bxor(band(a, b), band(a, c), band(b, c))
    hh, g, f, e = g, f, e, tobit(d + t1)
    d, c, b, a = c, b, a, tobit(t1 + S0 + maj)
  end
  h[0], h[1], h[2], h[3] = tobit(h[0] + a), tobit(h[1] + b), tobit(h[2] + c), tobit(h[3] + d)
  h[4], h[5], h[6], h[7] = tobit(h[4] + e), tobit(h[5] + f), tobit(h[6] + g), tobit(h[7] + hh)
end

-- Compresses the `n` 64-byte blocks at p (const uint8_t*) into h.
local function compress_blocks(h, p, n)
  for blk = 0, n - 1 do
    local q = p + blk * 64
    for j = 0, 15 do
      W[j] = bor(lshift(q[0], 24), lshift(q[1], 16), lshift(q[2], 8), q[3])
      q = q + 4
    end
    compress(h)
  end
end

-- Feeds the whole 64-byte blocks of s into h; returns the bytes left over.
local function absorb(h, s)
  local n = (#s - #s % 64) / 64
  compress_blocks(h, ffi.cast("const uint8_t*", s), n)
  return s:sub(n * 64 + 1)
end

-- The padding that ends a message of `total` bytes whose last partial block
-- holds `partial` bytes: 0x80, zeros, the length in bits (big-endian).
local function padding(partial, total)
  local zeros = (55 - partial) % 64
  local bits = total * 8  -- messages here are far below 2^29 bytes
  return "\128" .. string.rep("\0", zeros) .. "\0\0\0\0"
      .. char(band(rshift(bits, 24), 255), band(rshift(bits, 16), 255), band(rshift(bits, 8), 255), band(bits, 255))
end

local function state_hex(h)
  return tohex(h[0]) .. tohex(h[1]) .. tohex(h[2]) .. tohex(h[3])
      .. tohex(h[4]) .. tohex(h[5]) .. tohex(h[6]) .. tohex(h[7])
end

local function sha256_hex(s)
  local h = initial_state()
  local rest = absorb(h, s)
  local tail = rest .. padding(#rest, #s)
  compress_blocks(h, ffi.cast("const uint8_t*", tail), #tail / 64)
  return state_hex(h)
end

-- HMAC-SHA256 over prefix .. suffix with the prefix's blocks hashed once.
-- Returns a function suffix -> hex MAC. Each call copies the saved inner
-- state, hashes the prefix's leftover bytes and the suffix (laid out once in
-- a buffer with the padding, for suffixes of one length), then the outer block.
local function hmac_sha256_prefixed(key, prefix)
  if #key > 64 then
    key = sha256_hex(key):gsub("..", function(x) return char(tonumber(x, 16)) end)
  end
  key = key .. string.rep("\0", 64 - #key)
  local ipad = key:gsub(".", function(c) return char(bxor(byte(c), 0x36)) end)
  local opad = key:gsub(".", function(c) return char(bxor(byte(c), 0x5c)) end)
  local inner = initial_state()
  absorb(inner, ipad)
  local rest = absorb(inner, prefix)
  local outer = initial_state()
  absorb(outer, opad)
  local st = ffi.new("int32_t[8]")
  local buf, buf_len, blocks, suffix_len  -- the layout for the current suffix length
  return function(suffix)
    if #suffix ~= suffix_len then
      suffix_len = #suffix
      local tail = rest .. suffix .. padding((#rest + #suffix) % 64, 64 + #prefix + #suffix)
      buf_len = #tail
      blocks = buf_len / 64
      buf = ffi.new("uint8_t[?]", buf_len)
      ffi.copy(buf, tail, buf_len)
    end
    ffi.copy(buf + #rest, suffix, suffix_len)
    ffi.copy(st, inner, 32)
    compress_blocks(st, buf, blocks)
    -- The outer hash: the opad block (saved), then the 32-byte inner digest
    -- and its padding, one block.
    for i = 0, 7 do W[i] = st[i] end
    W[8] = tobit(0x80000000)
    for i = 9, 14 do W[i] = 0 end
    W[15] = (64 + 32) * 8
    ffi.copy(st, outer, 32)
    compress(st)
    return state_hex(st)
  end
end

-- Self-checks against RFC 4231 test case 2 and other vectors, so that a
-- broken port fails loudly instead of measuring 401s.
do
  local mac = hmac_sha256_prefixed("Jefe", "what do ya want ")("for nothing?")
  assert(mac == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
         "bench_wrk.lua: HMAC-SHA256 self-test failed: " .. mac)
  -- Computed with Python's hmac module: a key longer than a block, a split
  -- message that crosses blocks.
  mac = hmac_sha256_prefixed(string.rep("k", 100), string.rep("x", 300))(string.rep("y", 77))
  assert(mac == "fa48c26ceb161c8330907801bbf151b69b8cb30700d8a01259eb986af94882d4",
         "bench_wrk.lua: HMAC-SHA256 self-test (long key) failed: " .. mac)
  local long = string.rep("a", 200)
  local split = hmac_sha256_prefixed(string.rep("k", 100), long:sub(1, 130))(long:sub(131))
  local whole = hmac_sha256_prefixed(string.rep("k", 100), "")(long)
  assert(split == whole, "bench_wrk.lua: split HMAC differs")
end

-- The requests -----------------------------------------------------------------

local secret = os.getenv("BENCH_SECRET") or ""
local body_size = tonumber(os.getenv("BENCH_BODY_SIZE") or "2048")
local run_tag = os.getenv("BENCH_RUN") or "run"
local delay_ms = tonumber(os.getenv("BENCH_DELAY_MS") or "")

local threads = {}
local next_id = 0

function setup(thread)
  next_id = next_id + 1
  thread:set("id", next_id)
  table.insert(threads, thread)
end

local sign, prefix, t_text, head, tail_len
local counter = 0
ok2xx, accepted, duplicate, other2xx, non2xx, statuses = 0, 0, 0, 0, 0, ""
local by_status = {}

function init(args)
  local tid = tonumber(id) or 1
  t_text = tostring(os.time())
  -- Everything constant first; the transcript pads the body to its size.
  local start = '{"event":"call.ended","startedAt":"2026-11-23T10:00:00Z","endedAt":"2026-11-23T10:03:20Z",'
      .. '"direction":"outbound","fromNumber":"+14155550100","toNumber":"+14155550123",'
      .. '"agentId":"bench-agent","status":"completed","outcome":"booked","summary":"A benchmark call.",'
      .. '"transcript":"'
  local id_prefix = string.format('%s-%02d-', run_tag, tid)
  tail_len = #'","callId":"' + #id_prefix + 10 + #'"}'
  local unit = "Agent: Thanks for calling, how can I help you today?\\n"
      .. "User: I would like to move my appointment to Friday morning, please.\\n"
  local filler_len = body_size - #start - tail_len
  if filler_len < 0 then filler_len = 0 end
  local filler = string.rep(unit, math.ceil(filler_len / #unit) + 1):sub(1, filler_len)
  -- Never end on half an escape: a lone backslash would eat the quote.
  local trailing = #filler:match("\\*$")
  if trailing % 2 == 1 then filler = filler:sub(1, -2) .. " " end
  prefix = start .. filler .. '","callId":"' .. id_prefix
  sign = hmac_sha256_prefixed(secret, t_text .. "." .. prefix)
  local host = wrk.headers["Host"] or (wrk.host .. ":" .. tostring(wrk.port))
  head = "POST " .. wrk.path .. " HTTP/1.1\r\nHost: " .. host
      .. "\r\nContent-Type: application/json\r\nContent-Length: " .. tostring(#prefix + 10 + #'"}')
      .. "\r\nX-Voxfra-Signature: t=" .. t_text .. ",v1="
end

-- Sequential call ids land in the call index one after another; real ones
-- (UUIDs) land anywhere in it. "random" spreads them with a bijection of the
-- counter onto 10 digits (times an odd multiplier prime to 10, mod 10^10;
-- exact in a double up to 2.3e7 requests a thread).
local random_ids = os.getenv("BENCH_CALL_IDS") == "random"

function request()
  counter = counter + 1
  local n = random_ids and (counter * 387420489) % 10000000000 or counter
  local suffix = format("%010d", n) .. '"}'
  return head .. sign(suffix) .. "\r\n\r\n" .. prefix .. suffix
end

if delay_ms then
  function delay() return delay_ms end
end

function response(status, headers, body)
  if status >= 200 and status < 300 then
    ok2xx = ok2xx + 1
    if body:find('"status":"accepted"', 1, true) then
      accepted = accepted + 1
    elseif body:find('"status":"duplicate"', 1, true) then
      duplicate = duplicate + 1
    else
      other2xx = other2xx + 1
    end
  else
    non2xx = non2xx + 1
    by_status[status] = (by_status[status] or 0) + 1
    local parts = {}
    for s, n in pairs(by_status) do parts[#parts + 1] = s .. "x" .. n end
    statuses = table.concat(parts, ",")
  end
end

function done(summary, latency, requests)
  local t = { ok2xx = 0, accepted = 0, duplicate = 0, other2xx = 0, non2xx = 0 }
  local st = {}
  for _, thread in ipairs(threads) do
    for k in pairs(t) do t[k] = t[k] + (tonumber(thread:get(k)) or 0) end
    local s = thread:get("statuses")
    if s and s ~= "" then st[#st + 1] = s end
  end
  io.write(string.format("bench-counts: ok2xx=%d accepted=%d duplicate=%d other2xx=%d non2xx=%d statuses=%s\n",
                         t.ok2xx, t.accepted, t.duplicate, t.other2xx, t.non2xx,
                         #st > 0 and table.concat(st, ";") or "-"))
end
