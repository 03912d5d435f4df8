-- Training-step speed and memory of the nn library, printed as
-- KEY VALUE UNIT lines; scripts/bench/nn_torch.py prints the same keys for
-- PyTorch and scripts/bench/nn.sh compares them.
local bench = dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "lib.lua")
local per_step = bench.per_step

local function report(key, value, unit) print(string.format("%-22s %12.3f %s", key, value, unit)) end

local function rss_mb()
  for line in io.lines("/proc/self/status") do
    local kb = line:match("^VmRSS:%s+(%d+)")
    if kb then return tonumber(kb) / 1024 end
  end
end

tensor.manual_seed(0)

-- One Adam step of a 784-256-256-10 MLP at batch 64.
local mlp = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 10))
local adam = optim.Adam(mlp:parameters(), { lr = 1e-3 })
local x = tensor.randn{ 64, 784 }
local y = tensor.randint(1, 11, { 64 })
local function mlp_step()
  local loss = nn.cross_entropy(mlp(x), y)
  adam:zero_grad()
  loss:backward()
  adam:step()
end
report("mlp_adam_step", per_step(50, 5, mlp_step) * 1e3, "ms")

-- One AdamW step of the character GPT of scripts/train_gpt.lua.
local vocab, context = 62, 64
local gpt = nn.GPT(vocab, { dim = 64, heads = 4, layers = 2, context = context })
local adamw = optim.AdamW(gpt:parameters(), { lr = 3e-3 })
local idx = tensor.randint(1, vocab + 1, { 16, context })
local targets = tensor.randint(1, vocab + 1, { 16 * context })
local function gpt_step()
  local loss = nn.cross_entropy(gpt(idx):reshape{ -1, vocab }, targets)
  adamw:zero_grad()
  loss:backward()
  optim.clip_grad_norm(gpt, 1.0)
  adamw:step()
end
report("gpt_step", per_step(5, 3, gpt_step) * 1e3, "ms")

-- Memory over 10,000 MLP steps: resident size after 1,000 and after 10,000.
if os.getenv("NN_BENCH_MEMORY") ~= "0" then
  for _ = 1, 1000 do mlp_step() end
  report("rss_after_1k_steps", rss_mb(), "MB")
  for _ = 1, 9000 do mlp_step() end
  report("rss_after_10k_steps", rss_mb(), "MB")
end
