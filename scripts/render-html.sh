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

# A file:// URL of an absolute path: every byte but letters, digits, '/' and "-._~"
# percent-encoded (RFC 3986), so '#', '?', '%', spaces and UTF-8 name the file, not a fragment or query.
file_url() {
  local LC_ALL=C path="$1" url="file://" c i
  for ((i = 0; i < ${#path}; i++)); do
    c="${path:i:1}"
    case "$c" in
      [A-Za-z0-9/._~-]) url+="$c" ;;
      *) printf -v c '%%%02X' "'$c"; url+="$c" ;;
    esac
  done
  printf '%s' "$url"
}

rm -f -- "$out"
# Absolute paths: the screenshot path is taken relative to Chromium's own working folder.
# Its log (D-Bus complaints on a machine without a session bus) is shown only when no PNG came out.
log="$("$chrome" --headless --no-sandbox --disable-gpu --hide-scrollbars --force-device-scale-factor=1 \
  --window-size="$size" --screenshot="$(realpath -m -- "$out")" "$(file_url "$(realpath -- "$in")")" 2>&1)" || true
[ -s "$out" ] || { echo "render-html: chromium wrote no $out:" >&2; echo "$log" >&2; exit 1; }
