-- Trains a small MLP on the 8x8 handwritten digits (data/digits, see
-- data/README.md) and reports its accuracy on a held-out fifth.
--
--   scripts/opslab run scripts/train_digits.lua [--epochs N] [--seed N] [--save PATH]
--
-- Prints one line per epoch, then "test accuracy: 0.9xxx (N/M)". Exits 1 if
-- the accuracy is below --min (default 0.97), so CI keeps it honest.

local options = { epochs = 40, seed = 1, min = 0.97 }
local i = 1
while arg[i] do
  local name = arg[i]:match("^%-%-(.+)$")
  if not name or options[name] == nil and name ~= "save" then error("unknown argument " .. arg[i], 0) end
  options[name] = name == "save" and arg[i + 1] or tonumber(arg[i + 1])
  if options[name] == nil then error("--" .. name .. " needs a value", 0) end
  i = i + 2
end

local here = arg[0]:match("^(.*)/scripts/[^/]*$") or "."
local all = data.csv(here .. "/data/digits/digits.csv")
local rows = all:size(1)

-- A seeded shuffle, then 80% for training and 20% for testing.
tensor.manual_seed(options.seed)
local order = {}
for r = 1, rows do order[r] = r end
local keys = tensor.rand{rows}:tolist()
table.sort(order, function(a, b) return keys[a] < keys[b] end)
local cut = math.floor(rows * 0.8)
local train_rows, test_rows = {}, {}
for k = 1, rows do
  if k <= cut then train_rows[#train_rows + 1] = order[k] else test_rows[#test_rows + 1] = order[k] end
end

local function split(which)
  local part = all:index_select(1, which)
  -- 64 pixel counts in 0..16, then the digit 0..9 (classes are 1-based in Lua).
  return part:slice(2, 1, 64) / 16, part:select(2, 65) + 1
end
local x_train, y_train = split(train_rows)
local x_test, y_test = split(test_rows)

local model = nn.Sequential(nn.Linear(64, 256), nn.ReLU(), nn.Dropout(0.2), nn.Linear(256, 128), nn.ReLU(), nn.Dropout(0.2), nn.Linear(128, 10))
local opt = optim.AdamW(model:parameters(), { lr = 2e-3, weight_decay = 0.01 })
local loader = data.loader{ x = x_train, y = y_train, batch_size = 32, shuffle = true, seed = options.seed }
local schedule = optim.CosineLR(opt, { total = options.epochs * #loader, warmup = #loader })
print(model)
print(("training on %d digits, testing on %d"):format(x_train:size(1), x_test:size(1)))
nn.fit{ model = model, loss = "cross_entropy", optimizer = opt, scheduler = schedule,
        data = loader, epochs = options.epochs }

model:eval()
local predicted = tensor.no_grad(function() return model(x_test):argmax(2) end)
local correct = predicted:eq(y_test):sum():item()
local accuracy = correct / x_test:size(1)
print(("test accuracy: %.4f (%d/%d)"):format(accuracy, correct, x_test:size(1)))
if options.save then
  print("saved " .. options.save .. " sha256 " .. nn.save(model, options.save, { metadata = { dataset = "digits" } }))
end
if accuracy < options.min then
  io.stderr:write(("accuracy %.4f is below %.2f\n"):format(accuracy, options.min))
  os.exit(1)
end
