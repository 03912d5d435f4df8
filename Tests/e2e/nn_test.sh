#!/usr/bin/env bash
# The nn library through the real binary: the progress bar of nn.fit on a
# terminal (tmux), completion and help of the registry-made constructors,
# signed checkpoints checked by `opslab model verify`, the digits MLP
# reaching 97% held-out accuracy and the character GPT learning. Run it with
# the release binary (scripts/test does): the trainings are real.
. "$(dirname "$0")/lib.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)

# -- nn.fit draws a progress bar on a terminal, one line per epoch otherwise
start_repl NO_COLOR=1
type_line 'x = tensor.randn{256, 4}; y = x:sum(2):gt(0) + 1; m = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 2))'
type_line 'opt = optim.Adam(m, {lr = 1e-2}); h = nn.fit{model = m, loss = "cross_entropy", optimizer = opt, data = data.loader{x = x, y = y, batch_size = 8}, epochs = 3}'
expect_screen "fit prints the last epoch" "epoch 3/3: loss"
check "the bar's trace: steps per second were drawn" contains "$(tmux -L "$TMUX_SOCKET" capture-pane -p -e -t "s$SESSION" -S -200)" "epoch 3/3"
type_line 'print(h.steps .. "/" .. #h.loss)'
expect_screen "fit returns its history" "96/3"
clear_screen
# The bar rewrites one line: watch it mid-epoch with a slow callback.
type_line 'nn.fit{model = m, loss = "cross_entropy", optimizer = opt, data = data.loader{x = x, y = y, batch_size = 8}, epochs = 1, on_step = function() local t = opslab.now() while opslab.now() - t < 0.02 do end end}'
expect_screen "a progress bar with step count and rate" "steps/s  loss"
expect_screen "the bar shows a fraction of the epoch" "/32"
expect_screen "and ends with the epoch line" "epoch 1/1: loss"

out=$("$OPSLAB" --no-init -e 'nn.fit{model = nn.Linear(2, 1), loss = "mse", optimizer = optim.SGD(nn.Linear(2,1), {lr=0.1}), data = data.loader{x = tensor.ones{4, 2}, y = tensor.ones{4, 1}, batch_size = 2}, epochs = 2}' 2>&1)
check "without a terminal: one line per epoch, no escape codes" [ "$(grep -c '^epoch [12]/2: loss' <<<"$out")" = 2 ]
check "no carriage returns when piped" bash -c "! grep -q $'\r' <<<\"\$1\"" _ "$out"

# -- completion and help of constructors that come from the registry
clear_screen
keys -l 'nn.Swi'; keys Tab
expect_screen "a layer plugin's constructor completes" "nn.SwiGLU"
keys C-u; type_line '?nn.Linear'
expect_screen "built-in constructors have docstrings" "nn.Linear(in: integer, out: integer [, {bias = true}]) -> Module"
type_line '?optim.Lion'
expect_screen "plugin constructors show their description" "Lion: sign of interpolated momentum"
type_line 'nn.Linear(3)'
expect_screen "a missing argument is reported by position" "nn.Linear: argument #2 expected integer, got no value"

# -- signed checkpoints through `opslab model verify`
keys=$("$OPSLAB" --no-init -e 'local p, q = nn.keygen(); print(p); print(q)')
private=$(sed -n 1p <<<"$keys"); public=$(sed -n 2p <<<"$keys")
"$OPSLAB" --no-init -e "tensor.manual_seed(1); nn.save(nn.Sequential(nn.Linear(3, 2)), '$SCRATCH/m.safetensors', {sign_key = '$private'})"
"$OPSLAB" model verify "$SCRATCH/m.safetensors" --key "$public" >"$SCRATCH/out" 2>&1
check "model verify accepts the signed file" [ $? -eq 0 ]
wrong=$("$OPSLAB" --no-init -e 'local _, q = nn.keygen(); print(q)')
"$OPSLAB" model verify "$SCRATCH/m.safetensors" --key "$wrong" >"$SCRATCH/out" 2>&1
check "model verify refuses another key" [ $? -eq 1 ]
python3 - "$SCRATCH/m.safetensors" <<'PY'
import sys
path = sys.argv[1]
data = bytearray(open(path, "rb").read())
data[-1] ^= 1
open(path, "wb").write(bytes(data))
PY
"$OPSLAB" model verify "$SCRATCH/m.safetensors" --key "$public" >"$SCRATCH/out" 2>&1
check "model verify refuses a changed byte" [ $? -eq 1 ]

# -- the digits MLP (a real dataset) reaches 97% held-out accuracy
out=$(cd "$ROOT" && "$OPSLAB" run --no-init scripts/train_digits.lua --epochs 40 2>&1)
check "digits MLP reaches 97%: $(grep 'test accuracy' <<<"$out")" grep -q '^test accuracy: 0\.9[7-9]' <<<"$out"

# -- the character GPT learns: held-out loss well below the unigram entropy
# (what a model ignoring context reaches), and it samples text
out=$(cd "$ROOT" && "$OPSLAB" run --no-init scripts/train_gpt.lua --steps "${GPT_STEPS:-250}" 2>&1); status=$?
check "GPT held-out loss below the unigram entropy - 0.5: $(grep 'held-out loss' <<<"$out")" [ $status -eq 0 ]
check "GPT samples text after its prompt" grep -qE '^sample: And God said.{150,}' <<<"$out"

finish
