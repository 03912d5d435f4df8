-- nn.fit, written in Lua because it calls back into Lua at every step (the
-- model may be a Lua layer, the loss and callbacks are Lua functions).
local nn, optim, opslab, io = nn, optim, opslab, io
local function kind(v)
  local mt = getmetatable(v)
  return type(mt) == "table" and mt.__name or type(v)
end
local known = { model = true, loss = true, optimizer = true, data = true, epochs = true, scheduler = true,
  clip_grad_norm = true, on_step = true, on_epoch = true, progress = true }
function nn.fit(o)
  if type(o) ~= "table" then error("nn.fit: argument #1 expected table, got " .. type(o), 2) end
  for k in pairs(o) do
    if not known[k] then error("nn.fit: unknown option '" .. tostring(k) .. "'", 2) end
  end
  local model, opt, data = o.model, o.optimizer, o.data
  if kind(model) ~= "Module" then error("nn.fit: 'model' must be a Module, got " .. kind(model), 2) end
  if kind(opt) ~= "Optimizer" then error("nn.fit: 'optimizer' must be an Optimizer, got " .. kind(opt), 2) end
  if kind(data) ~= "DataLoader" then error("nn.fit: 'data' must be a DataLoader (data.loader{...}), got " .. kind(data), 2) end
  local lossfn = o.loss
  if type(lossfn) == "string" then
    local name = lossfn
    lossfn = nn[name]
    if type(lossfn) ~= "function" then error("nn.fit: no loss named '" .. name .. "'", 2) end
  elseif type(lossfn) ~= "function" then
    error("nn.fit: 'loss' must be a function or the name of an nn loss, got " .. type(lossfn), 2)
  end
  local epochs = o.epochs or 1
  if math.type(epochs) ~= "integer" or epochs < 1 then error("nn.fit: 'epochs' must be a positive integer", 2) end
  local show = o.progress ~= false
  local tty = show and opslab.isatty()
  local history = { loss = {}, steps = 0 }
  local steps = #data
  local stop = false
  for epoch = 1, epochs do
    model:train()
    local total, count, started, drawn = 0, 0, opslab.now(), 0
    for xb, yb in data:batches() do
      local loss = lossfn(model(xb), yb)
      opt:zero_grad()
      loss:backward()
      if o.clip_grad_norm then optim.clip_grad_norm(opt.params, o.clip_grad_norm) end
      opt:step()
      if o.scheduler then o.scheduler:step() end
      local value = loss:item()
      total, count = total + value, count + 1
      history.steps = history.steps + 1
      if o.on_step and o.on_step{ epoch = epoch, step = count, loss = value, lr = opt.lr } == false then
        stop = true
        break
      end
      local now = opslab.now()
      if tty and (now - drawn > 0.1 or count == steps) then
        drawn = now
        local width = 24
        local filled = math.floor(width * count / steps + 0.5)
        io.write(string.format("\r\27[Kepoch %d/%d [%s%s] %d/%d  %.1f steps/s  loss %.4f",
          epoch, epochs, string.rep("#", filled), string.rep(".", width - filled), count, steps,
          count / math.max(now - started, 1e-9), total / count))
        io.flush()
      end
    end
    local mean = total / math.max(count, 1)
    history.loss[epoch] = mean
    local seconds = opslab.now() - started
    if show then
      io.write(string.format("%sepoch %d/%d: loss %.4f (%d steps, %.1f s)\n", tty and "\r\27[K" or "",
        epoch, epochs, mean, count, seconds))
    end
    if stop then break end
    if o.on_epoch and o.on_epoch{ epoch = epoch, loss = mean, steps = count, seconds = seconds } == false then break end
  end
  return history
end
