#!/usr/bin/env bash
# Smoke check of the stand-alone bundle that `make dist` builds (run by `make dist-check`).
#
#   bash packaging/smoke_check.sh [BUNDLE_DIR]      (default: dist/netloom)
#
# Runs the bundle's `netloom` executable the way a user would, from an empty
# folder and with no Python environment around it:
#   - `netloom --help`, `netloom examples`: the program starts and finds its examples;
#   - `netloom plugins`: the built-in plugins (layers, examples, exporters, blocks) load,
#     and so do the example plugins of the checkout's plugins/ folder, when there is one
#     (they run their own Python against the bundled numpy, Keras and standard library);
#   - `netloom check` on the bundled default example;
#   - `netloom new` and `netloom summary`: Keras and TensorFlow load inside the bundle;
#   - `netloom --screenshot OUT.png` (offscreen Qt): the window renders the default
#     example with its summary, and the PNG is 1600x1000 and not blank.
# Then it prints the bundle's size and how long each command took (wall clock).
# Set NETLOOM_SMOKE_SCREENSHOT=FILE.png to keep the screenshot.
# Exits non-zero at the first failure. Slow (a minute or more): not part of `make test`.

set -euo pipefail

BUNDLE="${1:-dist/netloom}"
PLUGINS_DIR="$(cd "$(dirname "$0")/.." && pwd)/plugins"   # the checkout's example plugins
EXE="$BUNDLE/netloom"
DEFAULT_EXAMPLE="digits-cnn"
MIN_SCREENSHOT_BYTES=20000   # a blank 1600x1000 PNG is about 7 KB; the default example's, 90 KB

fail() { echo "smoke check FAILED: $*" >&2; exit 1; }

[ -x "$EXE" ] || fail "no executable at $EXE; build the bundle first with \`make dist\`"
BUNDLE="$(cd "$BUNDLE" && pwd)"
EXE="$BUNDLE/netloom"

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"

# Nothing from a developer's environment or settings may help the bundle along, or get in its way.
unset NETLOOM_RESOURCES PYTHONPATH PYTHONHOME VIRTUAL_ENV
export QT_QPA_PLATFORM=offscreen
export NETLOOM_CONFIG_DIR="$WORK/config"   # no plugin folders chosen in Preferences

declare -a TIMINGS=()

# run_timed LABEL COMMAND...: run COMMAND, keep its output in $WORK/out.txt,
# record its wall-clock time under LABEL, fail (showing the output) when it fails.
run_timed() {
    local label="$1"; shift
    local start end status=0
    start=$(date +%s.%N)
    "$@" >"$WORK/out.txt" 2>&1 || status=$?
    end=$(date +%s.%N)
    TIMINGS+=("$(awk -v l="$label" -v s="$start" -v e="$end" 'BEGIN { printf "%-36s %6.1f s", l, e - s }')")
    if [ "$status" -ne 0 ]; then
        cat "$WORK/out.txt" >&2
        fail "$label exited with status $status"
    fi
}

expect_output() {
    grep -q -- "$1" "$WORK/out.txt" || { cat "$WORK/out.txt" >&2; fail "expected '$1' in the output of $2"; }
}

echo "Checking the bundle in $BUNDLE"

run_timed "netloom --help" "$EXE" --help
expect_output "usage: netloom" "netloom --help"

run_timed "netloom examples" "$EXE" examples
expect_output "$DEFAULT_EXAMPLE.*(default)" "netloom examples"

run_timed "netloom plugins" "$EXE" plugins
expect_output " 0 failed" "netloom plugins"
if [ -d "$PLUGINS_DIR" ]; then
    run_timed "netloom --plugins plugins/ plugins" "$EXE" --plugins "$PLUGINS_DIR" plugins
    expect_output " 0 failed" "netloom --plugins $PLUGINS_DIR plugins"
fi

example="$(find "$BUNDLE" -path "*/resources/examples/$DEFAULT_EXAMPLE.netloom" -print -quit)"
[ -n "$example" ] || fail "the bundle holds no resources/examples/$DEFAULT_EXAMPLE.netloom"
run_timed "netloom check (default example)" "$EXE" check "$example"
expect_output "valid" "netloom check"
if grep -q "warning" "$WORK/out.txt"; then cat "$WORK/out.txt" >&2; fail "netloom check printed warnings"; fi

run_timed "netloom new --example" "$EXE" new --example "$DEFAULT_EXAMPLE" -o "$WORK/copy.netloom"
[ -s "$WORK/copy.netloom" ] || fail "netloom new wrote no project"

run_timed "netloom summary (loads Keras)" "$EXE" summary "$WORK/copy.netloom"
expect_output "Conv2D" "netloom summary"

# Exit status 0 means the window showed the model summary, so Keras loaded in the GUI too.
run_timed "netloom --screenshot (default)" "$EXE" --screenshot "$WORK/shot.png"
[ -f "$WORK/shot.png" ] || fail "no screenshot was written"
header="$(od -An -tx1 -N24 "$WORK/shot.png" | tr -d ' \n')"
[ "${header:0:16}" = "89504e470d0a1a0a" ] || fail "the screenshot is not a PNG"
width=$((16#${header:32:8})); height=$((16#${header:40:8}))
if [ "$width" -ne 1600 ] || [ "$height" -ne 1000 ]; then
    fail "the screenshot is ${width}x${height}, not 1600x1000"
fi
bytes=$(stat -c %s "$WORK/shot.png")
[ "$bytes" -ge "$MIN_SCREENSHOT_BYTES" ] || fail "the screenshot is only $bytes bytes: blank?"
if [ -n "${NETLOOM_SMOKE_SCREENSHOT:-}" ]; then
    cp "$WORK/shot.png" "$NETLOOM_SMOKE_SCREENSHOT"   # keep it to look at
fi

echo
echo "Bundle: $(du -sh "$BUNDLE" | cut -f1) in $(find "$BUNDLE" -type f | wc -l) files ($BUNDLE)"
echo "Screenshot: ${width}x${height}, $bytes bytes"
echo "Wall-clock times (the first run after a build also reads the files from disk):"
printf '  %s\n' "${TIMINGS[@]}"
echo "smoke check passed"
