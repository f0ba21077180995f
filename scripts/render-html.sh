#!/usr/bin/env bash
# Renders an HTML page (e.g. `comigs report RUN_DIR --html FILE`) to a PNG with headless Chromium
# (Debian package `chromium`, installed by scripts/test-tools.sh):
#   bash scripts/render-html.sh IN.html OUT.png [WIDTH,HEIGHT]     # default 1200,3000 CSS pixels
# The PNG is exactly WIDTH × HEIGHT (device scale 1): a longer page is cut at HEIGHT.
set -euo pipefail
[ $# -ge 2 ] || { echo "usage: scripts/render-html.sh IN.html OUT.png [WIDTH,HEIGHT]" >&2; exit 2; }
in="$1" out="$2" size="${3:-1200,3000}"
[ -f "$in" ] || { echo "render-html: $in: no such file" >&2; exit 2; }
chrome="$(command -v chromium || command -v chromium-browser)" || { echo "render-html: chromium missing: bash scripts/test-tools.sh" >&2; exit 2; }
rm -f "$out"
# Absolute paths: the screenshot path is taken relative to Chromium's own working folder.
# Its log (D-Bus complaints on a machine without a session bus) is shown only when no PNG came out.
log="$("$chrome" --headless --no-sandbox --disable-gpu --hide-scrollbars --force-device-scale-factor=1 \
  --window-size="$size" --screenshot="$(realpath -m "$out")" "file://$(realpath "$in")" 2>&1)" || true
[ -s "$out" ] || { echo "render-html: chromium wrote no $out:" >&2; echo "$log" >&2; exit 1; }
