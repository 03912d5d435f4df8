-- Tensor engine speed from Lua, for scripts/bench/tensor.sh (which runs the
-- PyTorch peer, tensor_torch.py, in the same run and prints ratios).
-- Each line: KEY VALUE UNIT, the best of several repeats. Run alone with
--   scripts/opslab run scripts/bench/tensor.lua
local now = opslab.now

-- Seconds per call of fn: the best of `repeats` timings of `n` calls.
-- Garbage left by the previous benchmark is collected first, untimed, so
-- that its cost is not charged to this one (Python frees it at once).
local function per_call(n, repeats, fn)
  collectgarbage()
  fn()  -- warm up: first-touch page faults, BLAS thread start
  local best = math.huge
  for _ = 1, repeats do
    local start = now()
    for _ = 1, n do fn() end
    best = math.min(best, (now() - start) / n)
  end
  return best
end

local function report(key, value, unit) print(string.format("%-22s %12.3f %s", key, value, unit)) end

tensor.manual_seed(0)
tensor.no_grad(function()
  local a, b = tensor.randn(1024, 1024), tensor.randn(1024, 1024)
  local s = per_call(3, 5, function() return a:matmul(b) end)
  report("matmul_1024_gflops", 2 * 1024 ^ 3 / s / 1e9, "GFLOP/s")

  local x, y = tensor.randn(2 ^ 20), tensor.randn(2 ^ 20)
  report("add_2p20_us", per_call(50, 5, function() return x + y end) * 1e6, "us")

  local p, q = tensor.randn(16), tensor.randn(16)
  report("add_16_from_script_ns", per_call(100000, 5, function() return p + q end) * 1e9, "ns")

  local logits = tensor.randn(64, 1000)
  report("softmax_64x1000_us", per_call(200, 5, function() return logits:softmax(2) end) * 1e6, "us")
  report("log_softmax_64x1000_us", per_call(200, 5, function() return logits:log_softmax(2) end) * 1e6, "us")

  report("sum_dim1_1024sq_us", per_call(50, 5, function() return a:sum(1) end) * 1e6, "us")
  report("sum_dim2_1024sq_us", per_call(50, 5, function() return a:sum(2) end) * 1e6, "us")
end)

-- Memory over a long training loop: forward, backward and an SGD step of a
-- small MLP, 10,000 times. Resident memory after 1,000 steps and after
-- 10,000 should be the same (no leak, garbage collected as it goes); the
-- peak is the high-water mark of the whole run so far.
local function status_mb(field)
  local f = io.open("/proc/self/status")
  if not f then return nil end
  local text = f:read("a")
  f:close()
  local kb = text:match(field .. ":%s+(%d+)")
  return kb and tonumber(kb) / 1024
end

local x, target = tensor.randn(32, 64), tensor.randn(32, 10)
local w1 = (tensor.randn(64, 128) * 0.1):requires_grad()
local w2 = (tensor.randn(128, 10) * 0.1):requires_grad()
local function step()
  local d = x:matmul(w1):relu():matmul(w2) - target
  local loss = (d * d):mean()
  loss:backward()
  tensor.no_grad(function()
    w1:sub_(w1.grad * 0.01)
    w2:sub_(w2.grad * 0.01)
  end)
  w1:zero_grad()
  w2:zero_grad()
end
for _ = 1, 1000 do step() end
local rss_1k = status_mb("VmRSS")
for _ = 1001, 10000 do step() end
if rss_1k then
  report("train_rss_1k_steps_mb", rss_1k, "MiB")
  report("train_rss_10k_steps_mb", status_mb("VmRSS"), "MiB")
  report("peak_rss_mb", status_mb("VmHWM"), "MiB")
end
