#!/usr/bin/env bash
# Fetches the Debian packages whose text the real-corpus scenarios read
# (Sources/Experiments/Data/Corpora/Corpora.swift) and unpacks them, without installing
# anything, into a cache folder: one sub-folder per package.
#
#   bash scripts/corpora.sh [CACHE]
#
# CACHE defaults to ${COMIGS_CORPORA:-$HOME/.cache/comigs/corpora}. Packages
# already unpacked are skipped, so a re-run is fast. Each package is unpacked
# into a temporary folder and renamed into place, so an interrupted run never
# leaves a half-unpacked folder behind.
#
# The KJV text ships compressed in a private format (bible-kjv-text's
# /usr/lib/bible.data); the decoder is the `bible` program from bible-kjv. The
# script runs the unpacked program once to dump the whole text to
# CACHE/kjv/kjv.txt (one verse a line, "Ge1:1 In the beginning ...").
set -euo pipefail

packages=(
  debian-reference-de debian-reference-fr debian-reference-it debian-reference-es debian-reference-en
  libpython3.11-stdlib bible-kjv-text bible-kjv python3.11-doc gnu-standards dict-foldoc
)

# The legal client reads the system's /usr/share/common-licenses (base-files,
# always installed); fetch base-files only where that folder is missing.
[ -d /usr/share/common-licenses ] || packages+=(base-files)

cache="${1:-${COMIGS_CORPORA:-$HOME/.cache/comigs/corpora}}"
mkdir -p "$cache"
cache="$(cd "$cache" && pwd)"

die() { echo "corpora: $*" >&2; exit 1; }
command -v apt-get >/dev/null || die "apt-get not found (this script needs Debian/Ubuntu's apt)"
command -v dpkg-deb >/dev/null || die "dpkg-deb not found"

work="$(mktemp -d)"
partial=""  # the folder or file being written into the cache, removed if the run stops early
trap 'rm -rf "$work" ${partial:+"$partial"}' EXIT
# apt downloads as the unprivileged _apt user when it can: let it write here.
chmod 0777 "$work"

updated=0
# Downloads one .deb into $work (apt-get download writes into the current
# folder). If the first attempt fails, refresh the package lists once (root
# only) and retry.
download() {
  local pkg="$1" log="$work/apt-$1.log"
  if (cd "$work" && apt-get download -q "$pkg") >"$log" 2>&1; then return 0; fi
  if [ "$updated" -eq 0 ] && [ "$(id -u)" -eq 0 ]; then
    updated=1
    echo "corpora: apt-get download $pkg failed; running apt-get update once" >&2
    apt-get update -qq >&2 || die "apt-get update failed"
    if (cd "$work" && apt-get download -q "$pkg") >"$log" 2>&1; then return 0; fi
  fi
  cat "$log" >&2
  die "could not download package '$pkg' (apt-get download failed; see the messages above)"
}

for pkg in "${packages[@]}"; do
  dest="$cache/$pkg"
  if [ -d "$dest" ]; then
    printf '%-24s cached   %s\n' "$pkg" "$dest"
    continue
  fi
  download "$pkg"
  deb=("$work/${pkg}"_*.deb)
  [ -f "${deb[0]}" ] || die "apt-get download $pkg produced no .deb in $work"
  rm -rf "$cache/.$pkg.partial."*  # left by a run that was killed
  partial="$cache/.$pkg.partial.$$"
  dpkg-deb -x "${deb[0]}" "$partial" || die "dpkg-deb -x failed for ${deb[0]}"
  mv "$partial" "$dest"
  partial=""
  printf '%-24s unpacked %s (%s)\n' "$pkg" "$dest" "$(basename "${deb[0]}")"
  rm -f "${deb[@]}"
done

# Decode the KJV text once (about 4.4 MB, 31,102 verses).
kjv="$cache/kjv/kjv.txt"
if [ -s "$kjv" ]; then
  printf '%-24s cached   %s\n' "kjv.txt" "$kjv"
else
  mkdir -p "$cache/kjv"
  partial="$kjv.partial"
  # -f turns pretty-printing off: one "Book C:V text" line per verse.
  "$cache/bible-kjv/usr/bin/bible" -f -p "$cache/bible-kjv-text/usr/lib" "Gen1:1-Rev22:21" \
    </dev/null >"$partial" 2>"$work/bible.log" \
    || { cat "$work/bible.log" >&2; die "decoding the KJV text with bible-kjv's 'bible' program failed (it needs libreadline8)"; }
  lines=$(wc -l <"$partial")
  [ "$lines" -ge 31000 ] || die "bible printed only $lines verses (expected 31,102)"
  mv "$partial" "$kjv"
  partial=""
  printf '%-24s decoded  %s (%s verses)\n' "kjv.txt" "$kjv" "$lines"
fi

echo "$cache"
