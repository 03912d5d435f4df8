-- tensor.no_grad and `tensor{...}`, written in Lua because they call back into
-- Lua: no_grad must restore the grad mode whatever the function does, which
-- pcall gives for free, and Swift must not call Lua from inside a call from Lua.
local tensor = tensor
local set, pack, unpack = tensor.set_grad_enabled, table.pack, table.unpack
function tensor.no_grad(fn, ...)
  if type(fn) ~= "function" then
    error("tensor.no_grad: argument #1 expected function, got " .. type(fn), 2)
  end
  local previous = set(false)
  local results = pack(pcall(fn, ...))
  set(previous)
  if not results[1] then error(results[2], 0) end
  return unpack(results, 2, results.n)
end
setmetatable(tensor, {__call = function(_, ...) return tensor.tensor(...) end})
