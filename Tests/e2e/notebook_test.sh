#!/usr/bin/env bash
# Notebooks through the binary: every shipped notebook passes --check; its
# .ipynb export is valid under the real nbformat package; its HTML export
# renders in headless Chromium with the text, outputs and SVG in the page
# and a screenshot that is not blank; and the bad inputs of the format each
# fail cleanly (unclosed fence, erroring cell, looping cell, non-UTF-8,
# foreign ipynb, bad plot data) without touching the file.
. "$(dirname "$0")/lib.sh"
root=$(cd "$(dirname "$0")/../.." && pwd)
python=$root/.venv/bin/python
work=$SCRATCH/notebooks
mkdir -p "$work"
cd "$root"

# --- the shipped notebooks --------------------------------------------------

for notebook in notebooks/*.md; do
  out=$("$OPSLAB" notebook run --check "$notebook" 2>&1)
  if contains "$out" "outputs match"; then pass; else fail "$notebook fails --check"; printf '%s\n' "$out" | head -40 >&2; fi
  check "$notebook has outputs" grep -q '^```output' "$notebook"
done

cp notebooks/mathematics.md "$work/"
cp -r notebooks/mathematics.files "$work/"
# A plot that no longer matches its stored SVG fails --check, naming the file.
sed -i 's/stroke-width="1.5"/stroke-width="2"/' "$work/mathematics.files/cell-2.svg"
out=$("$OPSLAB" notebook run --check "$work/mathematics.md" 2>&1); rc=$?
check "a changed plot fails --check ($rc)" [ $rc -eq 1 ]
check "naming the plot's file ($out)" contains "$out" "mathematics.files/cell-2.svg: differs from the stored file from line"
cp notebooks/mathematics.files/cell-2.svg "$work/mathematics.files/"
"$OPSLAB" notebook export "$work/mathematics.md" --to ipynb
check "ipynb written" test -s "$work/mathematics.ipynb"
out=$("$python" - "$work/mathematics.ipynb" <<'EOF' 2>&1
import sys, nbformat
nb = nbformat.read(sys.argv[1], as_version=4)
nbformat.validate(nb)
kinds = {c.cell_type for c in nb.cells}
outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
svg = [o for o in outputs if o.output_type == "display_data" and "image/svg+xml" in o.data]
assert kinds == {"markdown", "code"}, kinds
assert any(o.output_type == "stream" for o in outputs)
# The cells ending in string.format(...) give values, not printed text.
results = [o for o in outputs if o.output_type == "execute_result"]
assert len(results) >= 5 and all(o.data["text/plain"].startswith('"') for o in results), results
assert len(svg) >= 3, len(svg)
assert nb.metadata.kernelspec.language == "lua"
print("valid", len(nb.cells), "cells")
EOF
)
check "nbformat validates the export ($out)" contains "$out" "valid"

# A deliberately broken export must fail that same validation.
"$python" -c 'import json,sys; d=json.load(open(sys.argv[1])); d["cells"][0]["cell_type"]="nonsense"; json.dump(d, open(sys.argv[2],"w"))' \
  "$work/mathematics.ipynb" "$work/broken.ipynb"
check "nbformat rejects a broken notebook" bash -c "! '$python' -c 'import nbformat,sys; nbformat.validate(nbformat.read(sys.argv[1], as_version=4))' '$work/broken.ipynb' 2>/dev/null"

"$OPSLAB" notebook import "$work/mathematics.ipynb" -o "$work/reimported.md"
check "import of the export keeps every cell" test "$(grep -c '^```lua' "$work/reimported.md")" = "$(grep -c '^```lua' notebooks/mathematics.md)"
check "and every value, marked as one" test "$(grep -c '^```output value=' "$work/reimported.md")" = "$(grep -c '^```output value=' notebooks/mathematics.md)"
check "import refuses to overwrite" bash -c "! '$OPSLAB' notebook import '$work/mathematics.ipynb' -o '$work/reimported.md' 2>/dev/null"

"$OPSLAB" notebook export "$work/mathematics.md" --to html -o "$work/page.html"
check "html written" test -s "$work/page.html"
check "html has no script" bash -c "! grep -qi '<script' '$work/page.html'"
dom=$(timeout 60 chromium --headless --no-sandbox --disable-gpu --dump-dom "file://$work/page.html" 2>/dev/null)
check "chromium renders the text" contains "$dom" "Gradient descent on a quadratic"
check "chromium renders an output" contains "$dom" "hand-written gradients agree with autodiff"
check "chromium renders the svg" contains "$dom" "<svg"
check "chromium renders svg text" contains "$dom" "activations</text>"
timeout 60 chromium --headless --no-sandbox --disable-gpu --window-size=390,2400 --screenshot="$work/shot.png" \
  "file://$work/page.html" >/dev/null 2>&1
check "screenshot taken" test -s "$work/shot.png"
colours=$("$python" - "$work/shot.png" <<'EOF' 2>&1
import sys, zlib, struct
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n"
pos, idat, width, height = 8, b"", 0, 0
while pos < len(data):
    length, kind = struct.unpack(">I4s", data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + length]
    if kind == b"IHDR":
        width, height, depth, colour = struct.unpack(">IIBB", body[:10])
    elif kind == b"IDAT":
        idat += body
    pos += 12 + length
raw = zlib.decompress(idat)
# Distinct byte values across the filtered rows: a blank page has a handful.
print(len(set(raw[::7])))
EOF
)
check "screenshot is not blank ($colours distinct values)" test "${colours:-0}" -gt 20

# --- bad input ----------------------------------------------------------------

printf '# t\n\n```lua\nx = 1\n' > "$work/unclosed.md"
out=$("$OPSLAB" notebook run "$work/unclosed.md" 2>&1); status=$?
check "unclosed fence fails" test $status -eq 1
check "unclosed fence names its line ($out)" contains "$out" "unclosed.md:3: the fence \`\`\`lua is never closed"

printf '```lua\nprint("one")\n```\n\n```lua\nerror("boom")\n```\n\n```lua\nprint("three")\n```\n' > "$work/erroring.md"
cp "$work/erroring.md" "$work/erroring-stop.md"
"$OPSLAB" notebook run "$work/erroring.md" >/dev/null 2>&1; status=$?
check "an erroring cell fails the run" test $status -eq 1
check "the error is in the output with its line" grep -q '^error: erroring.md:10: boom' "$work/erroring.md"
check "which is the cell's line in the written file" test "$(sed -n 10p "$work/erroring.md")" = 'error("boom")'
check "the run went on after the error" grep -q '^three$' "$work/erroring.md"
"$OPSLAB" notebook run --stop-on-error "$work/erroring-stop.md" >/dev/null 2>&1
check "--stop-on-error writes the error" grep -q 'boom' "$work/erroring-stop.md"
check "--stop-on-error runs nothing after it" bash -c "! grep -q '^three$' '$work/erroring-stop.md'"
before=$(cat "$work/erroring.md")
"$OPSLAB" notebook run "$work/erroring.md" >/dev/null 2>&1
check "a second run replaces outputs instead of adding" test "$before" = "$(cat "$work/erroring.md")"

printf '```lua\nprint("before")\n```\n\n```lua\nwhile true do end\n```\n' > "$work/loop.md"
cp "$work/loop.md" "$work/loop.orig"
start=$SECONDS
out=$("$OPSLAB" notebook run --timeout 1 "$work/loop.md" 2>&1); status=$?
check "a looping cell is stopped by --timeout" test $status -eq 1 -a $((SECONDS - start)) -lt 30
check "the timeout is reported ($out)" contains "$out" "cell 2 (line 6)"
check "the file is left intact" cmp -s "$work/loop.md" "$work/loop.orig"

# SIGINT after 2 s, as Ctrl-C sends; SIGKILL 10 s later if that did not stop it (status 137).
timeout -s INT -k 10 2 "$OPSLAB" notebook run "$work/loop.md" >/dev/null 2>&1; status=$?
check "Ctrl-C stops a looping cell (status $status)" test $status -eq 124
check "the file is left intact after Ctrl-C" cmp -s "$work/loop.md" "$work/loop.orig"

printf '```lua\nos.execute("sleep 2")\n```\n' > "$work/edited.md"
"$OPSLAB" notebook run "$work/edited.md" > "$work/edited.out" 2>&1 &
pid=$!
sleep 1
printf '\nAdded while it ran.\n' >> "$work/edited.md"
wait $pid; status=$?
check "a notebook edited while it ran is not overwritten" test $status -eq 1
check "the edit is kept" grep -q 'Added while it ran.' "$work/edited.md"
check "the refusal says why" grep -q 'changed while it ran' "$work/edited.out"
check "no temporary file is left" bash -c "! ls '$work' | grep -q tmp-"

printf '# caf\xe9\n\n```lua\n1\n```\n' > "$work/latin1.md"
out=$("$OPSLAB" notebook run "$work/latin1.md" 2>&1); status=$?
check "non-UTF-8 fails" test $status -eq 1
check "non-UTF-8 is named ($out)" contains "$out" "latin1.md:1: not UTF-8"

printf '{"nbformat": 4, "nbformat_minor": 5, "metadata": {"kernelspec": {"language": "python", "name": "python3"}}, "cells": []}' > "$work/python.ipynb"
out=$("$OPSLAB" notebook import "$work/python.ipynb" 2>&1); status=$?
check "another kernel language is refused ($out)" test $status -eq 1 -a ! -e "$work/python.md"
check "the language is named" contains "$out" "language is python"
printf '{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [{"cell_type": "widget", "source": []}]}' > "$work/widget.ipynb"
out=$("$OPSLAB" notebook import "$work/widget.ipynb" 2>&1)
check "an unknown cell type is refused ($out)" contains "$out" "cell 1 is of type widget"
printf 'not json' > "$work/junk.ipynb"
check "junk is refused" bash -c "! '$OPSLAB' notebook import '$work/junk.ipynb' 2>/dev/null"

cat > "$work/plots.md" <<'EOF'
```lua
plot.line({0/0, 1/0, -1/0}, {title = "nan and inf"})
```

```lua
plot.line({}, {title = "empty"})
```

```lua
plot.scatter({1}, {2}, {title = "one point"})
```

```lua
plot.hist({1, 2}, {bins = 0})
```
EOF
"$OPSLAB" notebook run "$work/plots.md" >/dev/null 2>&1; status=$?
check "bad plot options fail the run" test $status -eq 1
check "NaN/inf plot saved" grep -q '<svg' "$work/plots.files/cell-1.svg"
check "empty plot saved" grep -q 'no data' "$work/plots.files/cell-2.svg"
check "single-point plot saved" grep -q '<circle' "$work/plots.files/cell-3.svg"
check "bins = 0 is a clear error" grep -q "option 'bins' must be an integer in 1...10000, got 0" "$work/plots.md"

printf '```lua\nx = 40\n```\n\n```lua\nx + 2\n```\n' > "$work/state.md"
"$OPSLAB" notebook run "$work/state.md" >/dev/null
"$OPSLAB" notebook run --check "$work/state.md" >/dev/null
check "a fresh run checks clean" test $? -eq 0
sed -i 's/^42$/41/' "$work/state.md"
out=$("$OPSLAB" notebook run --check "$work/state.md" 2>/dev/null); status=$?
check "a changed output fails --check" test $status -eq 1
check "with a unified diff" contains "$out" "@@"
check "showing the change" contains "$out" "+42"

# --- the shell ------------------------------------------------------------------

start_repl NO_COLOR=1
type_line ":notebook $work/state.md"
expect_screen ":notebook runs the cells" "2 cells, 0 failed"
type_line "x * 2"
expect_screen ":notebook leaves its variables in the session" "80"
type_line "plot.line({1, 4, 9})"
expect_screen "a plot prints as a terminal chart" "└"

finish
