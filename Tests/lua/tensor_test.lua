-- The tensor module from Lua: every function and method, the 1-based
-- conventions, operators, autograd, docs and error messages.
local t = dofile("Tests/lua/harness.lua")

local function close(got, want, what, tol)
  tol = tol or 1e-5
  if type(want) == "table" then
    t.eq(type(got), "table", what)
    t.eq(#got, #want, (what or "value") .. " length")
    for i = 1, #want do close(got[i], want[i], (what or "value") .. "[" .. i .. "]", tol) end
    return
  end
  if math.abs(got - want) > tol * (1 + math.abs(want)) then
    error(string.format("%s: expected %.7g, got %.7g", what or "value", want, got), 2)
  end
end

local function list(x) return x:tolist() end

t.test("install left no error", function() t.eq(tensor_install_error, nil) end)

t.test("creation from tables and factories", function()
  local a = tensor{{1, 2, 3}, {4, 5, 6}}
  t.eq(inspect(a.shape), "{ 2, 3 }")
  t.eq(a:dim(), 2); t.eq(a:numel(), 6); t.eq(#a, 2); t.eq(a:size(2), 3); t.eq(a:size(-1), 3)
  t.eq(inspect(a:size()), "{ 2, 3 }")
  close(list(tensor.tensor({1, 2})), {1, 2})
  t.eq(tensor(3):item(), 3); t.eq(tensor(3):dim(), 0)
  t.eq(tensor{true, false}:tolist()[1], 1)
  close(list(tensor.zeros(2, 2)), {{0, 0}, {0, 0}})
  close(list(tensor.ones{3}), {1, 1, 1})
  close(list(tensor.full({2}, 7)), {7, 7})
  close(list(tensor.eye(2)), {{1, 0}, {0, 1}})
  t.eq(inspect(tensor.eye(2, 3).shape), "{ 2, 3 }")
  close(list(tensor.arange(4)), {0, 1, 2, 3})
  close(list(tensor.arange(1, 2, 0.5)), {1, 1.5})
  close(list(tensor.linspace(0, 1, 3)), {0, 0.5, 1})
  close(list(tensor.zeros_like(a)), {{0, 0, 0}, {0, 0, 0}})
  close(list(tensor.ones_like(a))[2], {1, 1, 1})
  close(list(tensor.full_like(a, 2))[1], {2, 2, 2})
  t.eq(inspect(tensor.zeros(0, 3).shape), "{ 0, 3 }")
  t.eq(inspect(tensor{}.shape), "{ 0 }")
  t.truthy(tensor.is_tensor(a)); t.eq(tensor.is_tensor({}), false)
end)

t.test("random tensors follow manual_seed", function()
  tensor.manual_seed(7)
  local a = tensor.rand(3):tolist()
  tensor.manual_seed(7)
  close(tensor.rand(3):tolist(), a)
  local r = tensor.randn(1000)
  t.truthy(math.abs(r:mean():item()) < 0.2, "randn mean near 0")
  local i = tensor.randint(1, 4, {200})
  t.eq(i:min():item(), 1); t.eq(i:max():item(), 3)
  t.eq(inspect(tensor.rand_like(r).shape), "{ 1000 }")
  t.eq(inspect(tensor.randn_like(r).shape), "{ 1000 }")
  t.truthy(tensor.randint_like(r, 0, 2):max():item() <= 1)
end)

t.test("elementwise ops", function()
  local x = tensor{-1, 0, 2}
  close(list(x:neg()), {1, 0, -2}); close(list(-x), {1, 0, -2})
  close(list(x:abs()), {1, 0, 2})
  close(list(x:exp()), {math.exp(-1), 1, math.exp(2)})
  close(list(tensor{1, 4}:log()), {0, math.log(4)})
  close(list(tensor{1, 4}:sqrt()), {1, 2})
  close(list(x:sin()), {math.sin(-1), 0, math.sin(2)})
  close(list(x:cos()), {math.cos(-1), 1, math.cos(2)})
  close(list(tensor{0}:tanh()), {0})
  close(list(tensor{0}:sigmoid()), {0.5})
  close(list(x:relu()), {0, 0, 2})
  close(list(tensor{1}:gelu()), {0.8413447})
  close(list(tensor{1}:gelu("tanh")), {0.8411920})
  close(list(tensor{1}:silu()), {0.7310586})
  close(list(x:pow(2)), {1, 0, 4}); close(list(x ^ 2), {1, 0, 4}); close(list(2 ^ tensor{3}), {8})
  close(list(x:clamp(0, 1)), {0, 0, 1}); close(list(x:clamp(nil, 0)), {-1, 0, 0})
  close(list(tensor{0.5}:log1p()), {math.log(1.5)})
  close(list(tensor{4}:rsqrt()), {0.5}); close(list(tensor{3}:square()), {9})
  close(list(tensor{4}:reciprocal()), {0.25}); close(list(x:sign()), {-1, 0, 1})
  close(list(tensor{1.5}:floor()), {1}); close(list(tensor{2.5}:round()), {2})
  for _, name in ipairs{"exp", "relu", "gelu", "neg", "abs"} do
    close(list(tensor[name](x)), list(x[name](x)), "tensor." .. name)
  end
end)

t.test("binary ops, broadcasting and operators", function()
  local a, b = tensor{{1, 2}, {3, 4}}, tensor{10, 20}
  close(list(a + b), {{11, 22}, {13, 24}}); close(list(a:add(b)), {{11, 22}, {13, 24}})
  close(list(a - 1), {{0, 1}, {2, 3}}); close(list(1 - a), {{0, -1}, {-2, -3}})
  close(list(a * 2), {{2, 4}, {6, 8}}); close(list(2 * a), {{2, 4}, {6, 8}})
  close(list(a / 2), {{0.5, 1}, {1.5, 2}}); close(list(12 / a), {{12, 6}, {4, 3}})
  close(list(a:sub(b)), {{-9, -18}, {-7, -16}}); close(list(a:mul(b)), {{10, 40}, {30, 80}})
  close(list(a:div(b)), {{0.1, 0.1}, {0.3, 0.2}})
  close(list(a:pow(tensor{1, 2})), {{1, 4}, {3, 16}})
  close(list(a:maximum(2.5)), {{2.5, 2.5}, {3, 4}}); close(list(a:minimum(tensor{2, 3})), {{1, 2}, {2, 3}})
  close(list(a:lt(2)), {{1, 0}, {0, 0}}); close(list(a:gt(2)), {{0, 0}, {1, 1}})
  close(list(a:le(2)), {{1, 1}, {0, 0}}); close(list(a:ge(2)), {{0, 1}, {1, 1}})
  close(list(a:eq(tensor{1, 4})), {{1, 0}, {0, 1}}); close(list(a:ne(1)), {{0, 1}, {1, 1}})
  close(list(tensor.where(a:gt(2), a, 0)), {{0, 0}, {3, 4}})
  close(list(tensor.where(a:gt(2), 1, tensor{-1, -2})), {{-1, -2}, {1, 1}})
  close(list(tensor.add(1, a)), {{2, 3}, {4, 5}})
end)

t.test("reductions over dims, lists of dims and keepdim", function()
  local a = tensor{{1, 2, 3}, {4, 5, 6}}
  t.eq(a:sum():item(), 21); close(list(a:sum(1)), {5, 7, 9}); close(list(a:sum(-1)), {6, 15})
  t.eq(inspect(a:sum(2, true).shape), "{ 2, 1 }"); t.eq(a:sum({1, 2}):item(), 21)
  close(list(a:mean(2)), {2, 5})
  local v, i = a:max(2)
  close(list(v), {3, 6}); close(list(i), {3, 3})
  local v2, i2 = a:min(1)
  close(list(v2), {1, 2, 3}); close(list(i2), {1, 1, 1})
  t.eq(a:max():item(), 6); t.eq(a:min({1, 2}):item(), 1)
  t.eq(a:argmax():item(), 6); close(list(a:argmax(1)), {2, 2, 2}); close(list(a:argmin(2, true)), {{1}, {1}})
  close(list(a:var(2)), {1, 1}); close(list(a:std(2)), {1, 1}); close(list(a:var(2, false, false)), {2 / 3, 2 / 3})
  close(list(a:logsumexp(2)), {3.4076059, 6.4076059})
  close(list(tensor{{1, 2}}:softmax(2)), {{0.2689414, 0.7310586}})
  close(list(tensor{{1, 2}}:log_softmax()), {{-1.3132616, -0.3132616}})
end)

t.test("matmul", function()
  local a, b = tensor{{1, 2}, {3, 4}}, tensor{{5}, {6}}
  close(list(a:matmul(b)), {{17}, {39}}); close(list(tensor.matmul(a, b)), {{17}, {39}})
  t.eq(tensor{1, 2}:matmul(tensor{3, 4}):item(), 11)
  t.eq(inspect(tensor.ones(5, 2, 3):matmul(tensor.ones(3, 4)).shape), "{ 5, 2, 4 }")
  local err = t.raises(function() tensor.zeros(64, 784):matmul(tensor.zeros(128, 10)) end,
    "shapes [64, 784] and [128, 10] cannot be multiplied (784 != 128)")
  t.truthy(err:find("matmul", 1, true))
end)

t.test("shape ops", function()
  local a = tensor.arange(6)
  t.eq(inspect(a:reshape(2, 3).shape), "{ 2, 3 }"); t.eq(inspect(a:view{3, -1}.shape), "{ 3, 2 }")
  local m = a:reshape(2, 3)
  close(list(m:transpose(1, 2)), {{0, 3}, {1, 4}, {2, 5}}); close(list(m:t()), list(m:transpose(1, 2)))
  t.eq(m:t():is_contiguous(), false); t.eq(m:t():contiguous():is_contiguous(), true)
  t.eq(inspect(tensor.zeros(2, 3, 4):permute(3, 1, 2).shape), "{ 4, 2, 3 }")
  t.eq(inspect(tensor.zeros(2, 3, 4):permute{-1, 1, 2}.shape), "{ 4, 2, 3 }")
  t.eq(inspect(tensor.zeros(2, 3, 4):flatten().shape), "{ 24 }")
  t.eq(inspect(tensor.zeros(2, 3, 4):flatten(2).shape), "{ 2, 12 }")
  t.eq(inspect(tensor.zeros(2, 1, 3):squeeze().shape), "{ 2, 3 }")
  t.eq(inspect(tensor.zeros(2, 1, 3):squeeze(2).shape), "{ 2, 3 }")
  t.eq(inspect(tensor.zeros(2, 3):unsqueeze(1).shape), "{ 1, 2, 3 }")
  t.eq(inspect(tensor.zeros(2, 3):unsqueeze(-1).shape), "{ 2, 3, 1 }")
  t.eq(inspect(tensor.zeros(2, 3):unsqueeze(3).shape), "{ 2, 3, 1 }")
  close(list(tensor{{1}, {2}}:expand(2, 3)), {{1, 1, 1}, {2, 2, 2}})
  t.eq(inspect(tensor{{1}, {2}}:expand(-1, 4).shape), "{ 2, 4 }")
  t.eq(inspect(tensor{1}:expand_as(m).shape), "{ 2, 3 }")
  local c = m:clone(); c:fill_(1); t.eq(m:sum():item(), 15)
end)

t.test("indexing is 1-based with inclusive ranges", function()
  local m = tensor{{1, 2, 3}, {4, 5, 6}, {7, 8, 9}}
  close(list(m[1]), {1, 2, 3}); close(list(m[-1]), {7, 8, 9}); t.eq(m[2][3]:item(), 6)
  close(list(m:select(2, 1)), {1, 4, 7})
  close(list(m:slice(1, 2, 3)), {{4, 5, 6}, {7, 8, 9}})
  close(list(m:slice(2, 1, -1, 2)), {{1, 3}, {4, 6}, {7, 9}})
  close(list(m:slice(1, -2)), {{4, 5, 6}, {7, 8, 9}})
  t.eq(inspect(m:slice(1, 3, 2).shape), "{ 0, 3 }")
  close(list(m:narrow(2, 2, 2)), {{2, 3}, {5, 6}, {8, 9}})
  close(list(m:index_select(1, {3, 1})), {{7, 8, 9}, {1, 2, 3}})
  close(list(m:index_select(2, tensor{-1})), {{3}, {6}, {9}})
  close(list(m:gather(2, tensor{{1}, {2}, {3}})), {{1}, {5}, {9}})
  close(list(m:masked_select(m:gt(7))), {8, 9})
  close(list(m:masked_fill(m:lt(8), 0))[3], {0, 8, 9})
  m[1] = 0; close(list(m[1]), {0, 0, 0}); m[1] = tensor{1, 2, 3}; close(list(m[1]), {1, 2, 3})
  close(list(m:tril()), {{1, 0, 0}, {4, 5, 0}, {7, 8, 9}}); close(list(m:triu(1)), {{0, 2, 3}, {0, 0, 6}, {0, 0, 0}})
  close(list(tensor{2, 1}:one_hot(3)), {{0, 1, 0}, {1, 0, 0}}); close(list(tensor.one_hot(tensor{3})), {{0, 0, 1}})
  t.raises(function() return m[4] end, "index 4 is out of range for dim 1 of size 3")
  t.raises(function() return m[0] end, "indices are 1-based")
end)

t.test("joining and splitting", function()
  local a, b = tensor{{1, 2}}, tensor{{3, 4}}
  close(list(tensor.cat({a, b})), {{1, 2}, {3, 4}}); close(list(tensor.cat({a, b}, 2)), {{1, 2, 3, 4}})
  t.eq(inspect(tensor.stack({a, b}).shape), "{ 2, 1, 2 }"); t.eq(inspect(tensor.stack({a, b}, -1).shape), "{ 1, 2, 2 }")
  local parts = tensor.arange(5):split(2)
  t.eq(#parts, 3); close(list(parts[3]), {4})
  local sized = tensor.arange(5):split({1, 4})
  close(list(sized[2]), {1, 2, 3, 4})
  t.eq(inspect(tensor.zeros(2, 3):split({1, 2}, 2)[2].shape), "{ 2, 2 }")
  t.raises(function() tensor.cat({tensor.zeros(2, 3), tensor.zeros(2, 4)}) end,
    "tensor 2 has shape [2, 4], which does not match [2, 3] outside dim 1")
  t.raises(function() tensor.zeros(2, 3):expand(3, 3) end, "dim 1 has size 2, not 1")
  t.raises(function() tensor.zeros(2, 3):narrow(2, 2, 5) end, "start 2 and length 5 exceed dim 2 of size 3")
  local chunks = tensor.zeros(4, 6):chunk(3, 2)
  t.eq(#chunks, 3); t.eq(inspect(chunks[1].shape), "{ 4, 2 }")
end)

t.test("in-place ops and their autograd guard", function()
  local x = tensor{1, 2}
  x:add_(1); x:sub_(tensor{1, 1}); x:mul_(3); x:div_(3)
  close(list(x), {1, 2})
  x:clamp_(1.5, nil); close(list(x), {1.5, 2})
  x:copy_(tensor{5, 6}); close(list(x), {5, 6})
  x:fill_(4); close(list(x), {4, 4}); x:zero_(); close(list(x), {0, 0})
  local w = tensor{1, 2}:requires_grad()
  t.raises(function() w:add_(1) end, "tensor.no_grad(fn)")
  tensor.no_grad(function() w:add_(1) end)
  close(list(w), {2, 3})
end)

t.test("in-place ops an optimizer needs: alpha, addcmul_, addcdiv_, sqrt_", function()
  local p = tensor{1, 2}
  p:add_(tensor{1, 1}, 0.5); close(list(p), {1.5, 2.5})
  p:sub_(tensor{1, 2}, 0.5); close(list(p), {1, 1.5})
  p:add_(2, 3); close(list(p), {7, 7.5})                 -- a number is scaled too
  p:addcmul_(tensor{1, 2}, tensor{3, 4}, 0.5); close(list(p), {8.5, 11.5})
  p:addcdiv_(tensor{1, 2}, tensor{4, 4}, -2); close(list(p), {8, 10.5})
  p:addcmul_(tensor{1, 1}, tensor{1, 1}); close(list(p), {9, 11.5})
  tensor{4, 9}:sqrt_():add_(0) -- chains
  close(list(tensor{4, 9}:sqrt_()), {2, 3})
  -- An Adam step written with them matches optim.Adam's.
  local a, b = tensor{0.5, -1, 2}:requires_grad(), tensor{0.5, -1, 2}:requires_grad()
  local g = tensor{0.1, -0.2, 0.3}
  ;(a * g):sum():backward()
  optim.Adam({a}, {lr = 0.01}):step()
  local m, v = g * 0.1, (g * g) * 0.001
  tensor.no_grad(function() b:addcdiv_(m, v:sqrt():div_(math.sqrt(0.001)):add_(1e-8), -0.01 / 0.1) end)
  close(list(a), list(b))
  -- Odd numbers are arithmetic, not crashes; non-tensors are refused.
  for _, alpha in ipairs({0 / 0, 1 / 0, -1 / 0, 1e300, 2 ^ 63}) do
    local x = tensor{1}
    x:add_(tensor{1}, alpha)
    t.eq(#list(x), 1)
  end
  t.raises(function() tensor{1}:addcmul_(tensor{1}) end, "addcmul_")
  t.raises(function() tensor{1}:add_(tensor{1}, "x") end, "add_")
  t.raises(function() tensor{1, 2}:addcdiv_(tensor{1, 2, 3}, tensor{1}) end, "addcdiv_")
end)

t.test("autograd: backward, grads, detach, no_grad", function()
  local w = tensor{{1, 2}, {3, 4}}:requires_grad()
  t.eq(w.needs_grad, true); t.eq(w.is_leaf, true); t.eq(w.grad, nil)
  local y = (w * w):sum()
  t.truthy(y.grad_fn)
  y:backward()
  close(list(w.grad), {{2, 4}, {6, 8}})
  local z = w:sum(); z:backward(); close(list(w.grad), {{3, 5}, {7, 9}})
  w:zero_grad(false); close(list(w.grad), {{0, 0}, {0, 0}})
  w:zero_grad(); t.eq(w.grad, nil)
  local twice = (w * 3):sum()
  twice:backward(nil, true); twice:backward()
  close(list(w.grad), {{6, 6}, {6, 6}}); w:zero_grad()
  local out = w:matmul(tensor{1, 1}); out:backward(tensor{1, 2}); close(list(w.grad), {{1, 1}, {2, 2}})
  t.eq(w:detach().needs_grad, false)
  t.eq(tensor{1}:requires_grad_().needs_grad, true); t.eq(tensor{1}:requires_grad(true):requires_grad(false).needs_grad, false)
  local r = tensor.no_grad(function(a) return a * 2 end, w)
  t.eq(r.needs_grad, false); t.eq(tensor.is_grad_enabled(), true)
  t.raises(function() tensor.no_grad(function() error("inner") end) end, "inner")
  t.eq(tensor.is_grad_enabled(), true)
  t.raises(function() tensor{1, 2}:requires_grad():sum():backward(); (w * 2):backward() end,
    "grad can be implicitly created only for one-element tensors")
end)

t.test("grad mode switch and view", function()
  t.eq(tensor.set_grad_enabled(false), true)
  local g = tensor{1}:requires_grad()
  t.eq((g * 2).needs_grad, false)
  t.eq(tensor.set_grad_enabled(true), false)
  t.eq((g * 2).needs_grad, true)
  t.raises(function() tensor.zeros(2, 3):t():view(6) end, "use reshape() (copies) instead")
  t.eq(inspect(tensor.zeros(2, 3):t():reshape(6).shape), "{ 6 }")
end)

t.test("big temporaries are collected without waiting for the Lua heap", function()
  local function rss_mb()
    local f = io.open("/proc/self/status")
    if not f then return 0 end
    local kb = f:read("a"):match("VmRSS:%s*(%d+)")
    f:close()
    return tonumber(kb) / 1024
  end
  local x = tensor.ones(2 ^ 20)
  local before = rss_mb()
  for _ = 1, 400 do local y = x + 1 end   -- 1.6 GB if nothing were freed
  t.truthy(rss_mb() - before < 800, string.format("RSS grew by %.0f MB", rss_mb() - before))
  t.raises(function() tensor.ones(1):expand(2 ^ 23):tolist() end, "at most 4194304 fit in a Lua table")
  -- Tensors that outlive a few ops are old to the generational collector,
  -- which frees them only in a full collection; those must come often enough.
  local ring = {}
  before = rss_mb()
  for i = 1, 300 do                       -- 1.2 GB if only young tensors were freed
    ring[i % 4 + 1] = x + i
    for _ = 1, 3 do local _ = x * 2 end
  end
  t.truthy(rss_mb() - before < 400, string.format("RSS grew by %.0f MB with long-lived tensors", rss_mb() - before))
end)

t.test("tostring matches PyTorch", function()
  t.eq(tostring(tensor{{1, 2}, {3, 4}}), "tensor([[1., 2.],\n        [3., 4.]])")
  t.truthy(tostring(tensor{1}:requires_grad()):find("requires_grad=True", 1, true))
end)

t.test("functions and methods are all there", function()
  local names = 0
  for _, fn in pairs(tensor) do if type(fn) == "function" then names = names + 1 end end
  t.truthy(names > 80, "many functions, got " .. names)
  for name in pairs(getmetatable(tensor.zeros(1)).__methods) do
    t.eq(type(tensor.zeros(1)[name]), "function", "method " .. name)
  end
end)

t.test("errors name the op, the shapes and 1-based dims", function()
  local a = tensor.zeros(2, 3)
  t.raises(function() return a + tensor.zeros(4) end, "[2, 3]")
  t.raises(function() a:sum(3) end, "Tensor:sum: argument #2 dim 3 is out of range for a tensor of shape [2, 3] (expected 1..2 or -2..-1)")
  t.raises(function() a:sum(0) end, "dims are 1-based")
  t.raises(function() a:transpose(1, 5) end, "dim 5 is out of range")
  t.raises(function() tensor.zeros(-1) end, "tensor.zeros")
  t.raises(function() tensor{{1, 2}, {3}} end, "ragged")
  t.raises(function() tensor{"x"} end, "expected a number")
  t.raises(function() a:exp(1) end, "at most 1 argument")
  t.raises(function() a.exp() end, "expected Tensor")
  t.raises(function() tensor.cat({}) end, "non-empty")
  t.raises(function() a:index_select(1, {3}) end, "index 3 is out of range for dim 1 of size 2")
  t.raises(function() a:item() end, "item")
  t.raises(function() return 1 + {} end, "arithmetic")
  t.raises(function() tensor.no_grad(5) end, "expected function")
end)

t.finish()
