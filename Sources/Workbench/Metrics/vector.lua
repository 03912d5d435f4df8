-- The metatable of instant vectors from metrics.query: v:tensor() gives the
-- values as a 1-D tensor, made with the `tensor` constructor as it was at start.
local make = tensor
return { __index = { tensor = function(self)
  local values = {}
  for i, e in ipairs(self) do values[i] = e.value end
  return make(values)
end } }
