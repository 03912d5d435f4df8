// What `opslab plugin new KIND NAME` writes: a short plugin of each kind
// that works as written, and a test beside it that `opslab plugin test`
// runs. NAME stands for the plugin's name.

enum PluginTemplates {
    /// The plugin and its test for `kind`; nil for a kind without a
    /// template of its own (the generic one is used).
    static func files(kind: String, name: String, requiredFunctions: [String]) -> (plugin: String, test: String) {
        let (plugin, test) = templates[kind] ?? runbookTemplates[kind] ?? generic(kind: kind, functions: requiredFunctions)
        return (plugin.replacingOccurrences(of: "NAME", with: name), test.replacingOccurrences(of: "NAME", with: name))
    }

    private static let templates: [String: (String, String)] = [
        "collector": ("""
            -- NAME: a collector. collect(ctx) runs every `interval` (in opslab serve and on
            -- metrics.collect()) and returns samples {name =, value =, labels =}. ctx.now is the
            -- time (Unix seconds); ctx.options is what metrics.configure("NAME", {...}) set.
            return {
              kind = "collector", name = "NAME", version = "0.1.0",
              description = "What NAME measures",
              permissions = {},  -- add "fs.read", "exec" or "env" when the code needs them
              interval = "30s",

              collect = function(ctx)
                local scale = ctx.options.scale or 1
                return {
                  { name = "NAME_up", value = 1 },
                  { name = "NAME_load_ratio", value = 0.25 * scale, labels = { source = "template" } },
                }
              end,
            }

            """, """
            -- Tests for NAME.lua; run them with `opslab plugin test` in this folder.
            plugins.load("NAME.lua")

            describe("NAME", function()
              it("returns samples with Prometheus names and finite values", function()
                local samples = plugins.call("NAME", "collect", { now = testing.clock().now(), options = {} })
                expect(#samples > 0):to_be(true)
                for _, s in ipairs(samples) do
                  expect(s.name:match("^[a-zA-Z_:][a-zA-Z0-9_:]*$") ~= nil):to_be(true)
                  expect(s.value == s.value and math.abs(s.value) ~= math.huge):to_be(true)
                end
              end)

              it("reads its options", function()
                local samples = plugins.call("NAME", "collect", { now = 0, options = { scale = 4 } })
                expect(samples[2].value):to_be_near(1.0)
              end)
            end)

            """),
        "sink": ("""
            -- NAME: an alert sink. send(ctx, notification) gets Alertmanager's webhook payload
            -- (version 4) as a table and ctx.options from the alertmanager.yml entry
            --   opslab_configs: [{sink: NAME, options: {path: /var/log/NAME.log}}]
            -- Returning delivers; an error is retried with backoff; `return false, reason`
            -- refuses the notification for good (a dead letter).
            return {
              kind = "sink", name = "NAME", version = "0.1.0",
              description = "Where NAME delivers notifications",
              permissions = { "fs.write" },

              send = function(ctx, notification)
                if not ctx.options.path then return false, "options.path is not set" end
                local file = assert(io.open(ctx.options.path, "a"))
                file:write(json.encode({ status = notification.status, group = notification.groupKey,
                                         alerts = #notification.alerts }), "\\n")
                file:close()
              end,
            }

            """, """
            -- Tests for NAME.lua; run them with `opslab plugin test` in this folder.
            plugins.load("NAME.lua")

            describe("NAME", function()
              it("writes one line per notification", function()
                local dir = testing.tmpdir()
                local ctx = { options = { path = dir .. "/out.log" } }
                plugins.call("NAME", "send", ctx, testing.notification())
                plugins.call("NAME", "send", ctx, testing.notification{ status = "resolved" })
                local lines = {}
                for line in io.lines(ctx.options.path) do lines[#lines + 1] = json.decode(line) end
                testing.rmtree(dir)
                expect(#lines):to_be(2)
                expect(lines[2].status):to_be("resolved")
              end)

              it("refuses without a path", function()
                local ok, reason = plugins.call("NAME", "send", { options = {} }, testing.notification())
                expect(ok):to_be(false)
                expect(reason):to_contain("path")
              end)
            end)

            """),
        "optimizer": ("""
            -- NAME: an optimizer. init(self, options) runs once; step(self) updates
            -- self.params (tensors) from their .grad, with self.lr and a self.state table
            -- that persists between steps. Use it as optim.NAME(model:parameters(), {lr = 0.01}).
            return {
              kind = "optimizer", name = "NAME", version = "0.1.0",
              description = "Gradient descent with momentum",

              init = function(self, options)
                if self.options.lr == nil then self.lr = 0.01 end
                self.momentum = options.momentum or 0.9
              end,

              step = function(self)
                for i, p in ipairs(self.params) do
                  if p.grad then
                    local velocity = self.state[i] or tensor.zeros_like(p)
                    velocity:mul_(self.momentum):add_(p.grad)
                    self.state[i] = velocity
                    p:sub_(velocity, self.lr)        -- p = p - lr * velocity, in one pass
                  end
                end
              end,
            }

            """, """
            -- Tests for NAME.lua; run them with `opslab plugin test` in this folder.
            plugins.load("NAME.lua")

            describe("NAME", function()
              it("minimises a quadratic", function()
                local w = tensor.zeros(2):requires_grad()
                local target = tensor.tensor({ 3, -1 })
                local opt = optim.NAME({ w }, { lr = 0.05 })
                for _ = 1, 300 do
                  opt:zero_grad()
                  local loss = ((w - target) ^ 2):sum()
                  loss:backward()
                  opt:step()
                end
                expect(w[1]:item()):to_be_near(3, 1e-3)
                expect(w[2]:item()):to_be_near(-1, 1e-3)
              end)
            end)

            """),
        "layer": ("""
            -- NAME: a layer. init(self, ...) gets the constructor's arguments and creates
            -- the parameters (child modules or tensors that require grad); forward(self, x)
            -- computes the output with tensor ops, so autodiff gives the backward pass.
            -- Use it as nn.NAME(16).
            return {
              kind = "layer", name = "NAME", version = "0.1.0",
              description = "A residual block: x + relu(linear(x))",

              init = function(self, dim)
                if math.type(dim) ~= "integer" or dim < 1 then error("nn.NAME: dim must be a positive integer", 0) end
                self.linear = nn.Linear(dim, dim)
              end,

              forward = function(self, x)
                return x + self.linear(x):relu()
              end,
            }

            """, """
            -- Tests for NAME.lua; run them with `opslab plugin test` in this folder.
            plugins.load("NAME.lua")

            describe("NAME", function()
              it("keeps the input's shape", function()
                local y = nn.NAME(4)(tensor.randn(3, 4))
                expect(y.shape):to_equal({ 3, 4 })
              end)

              it("passes gradients to its parameters", function()
                local layer = nn.NAME(4)
                layer(tensor.randn(3, 4)):sum():backward()
                for _, p in ipairs(layer:parameters()) do
                  expect(p.grad ~= nil):to_be(true)
                end
              end)

              it("refuses a bad size", function()
                expect(function() nn.NAME(0) end):to_fail("dim must be a positive integer")
              end)
            end)

            """),
    ]

    private static let runbookTemplates: [String: (String, String)] = [
        "runbook": ("""
            -- NAME: a runbook. Steps run in order; a failing step stops the run and the
            -- completed steps' undo run in reverse. ctx.sh{argv...} runs a command without a
            -- shell (raising on a non-zero exit unless check = false); in a dry run it only
            -- prints, except commands marked readonly, which run so later steps can plan.
            -- Run it: opslab runbook run NAME.lua --param path=/var/tmp [--dry-run]
            return {
              kind = "runbook", name = "NAME", version = "0.1.0",
              description = "Report a directory's size and the free space of its filesystem",
              permissions = { "exec" },
              mutates = false,
              params = {
                path = { type = "string", required = true, doc = "the directory to look at" },
              },
              steps = {
                { name = "size", readonly = true, run = function(ctx)
                    local out = ctx.sh{ "du", "-sk", ctx.params.path, readonly = true, quiet = true }.stdout
                    ctx.state.kib = tonumber(out:match("^(%d+)"))
                    ctx.log(string.format("%s holds %d KiB", ctx.params.path, ctx.state.kib))
                  end },
                { name = "free", readonly = true, run = function(ctx)
                    local out = ctx.sh{ "df", "-P", "-k", ctx.params.path, readonly = true, quiet = true }.stdout
                    local avail = tonumber(out:match("\\n%S+%s+%d+%s+%d+%s+(%d+)"))
                    ctx.log(string.format("%d KiB free beside it", avail))
                  end },
              },
            }

            """, """
            -- Tests for NAME.lua; run them with `opslab plugin test` in this folder.
            describe("NAME", function()
              it("measures a directory", function()
                local dir = testing.tmpdir()
                local file = assert(io.open(dir .. "/data", "w"))
                file:write(string.rep("x", 8192))
                file:close()
                local result = runbook.run("NAME.lua", { path = dir })
                testing.rmtree(dir)
                expect(result.ok):to_be(true)
                expect(#result.steps):to_be(2)
              end)

              it("refuses a missing path before any step runs", function()
                local result = runbook.run("NAME.lua", {})
                expect(result.ok):to_be(false)
              end)
            end)

            """),
    ]

    private static func generic(kind: String, functions: [String]) -> (String, String) {
        let stubs = functions.map { "  \($0) = function(...)\n    -- what a \(kind) does in \($0)\n  end," }.joined(separator: "\n\n")
        return ("""
            -- NAME: a plugin of kind \(kind) (see plugins.kinds() for what it must define).
            return {
              kind = "\(kind)", name = "NAME", version = "0.1.0",
              description = "What NAME does",

            \(stubs)
            }

            """, """
            -- Tests for NAME.lua; run them with `opslab plugin test` in this folder.
            describe("NAME", function()
              it("loads", function()
                expect(plugins.load("NAME.lua")):to_be("NAME")
              end)
            end)

            """)
    }
}
