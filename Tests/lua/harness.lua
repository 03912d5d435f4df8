-- opslab's own Lua tests use the public test library, `testing`, the one
-- `opslab plugin test` runs plugin tests with: each file does
-- `local t = dofile("Tests/lua/harness.lua")`, calls t.test(...) (or
-- describe/it/expect) and ends with t.finish(), which prints
-- "N passed, N failed" and exits 1 on failure.
return testing
