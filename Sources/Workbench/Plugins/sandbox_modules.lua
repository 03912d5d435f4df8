-- What every plugin sandbox sees: the computational modules, read through to
-- the host's so that constructors added later show up, and without the
-- functions that touch files.
local function view(module, hidden)
  return setmetatable({}, {
    __index = function(_, key) if not hidden[key] then return module[key] end end,
    __call = getmetatable(module) and getmetatable(module).__call or nil,
    __newindex = function(_, key) error("cannot set '" .. tostring(key) .. "': this module is shared and read-only", 2) end,
    __metatable = false,
  })
end
return {
  tensor = view(tensor, {load_csv = true}),
  nn = view(nn, {save = true, load = true, load_tensors = true, metadata = true, verify = true, define = true}),
  optim = view(optim, {}),
  json = view(json, {}),
}
