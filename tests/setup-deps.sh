#!/usr/bin/env bash
# Installs what the tests need on a fresh Debian machine: redis-server (tests
# start their own on a free port), protoc (the generated-code check) and
# chromium (the gateway's browser tests); and fetches axe-core from the npm
# registry into a cache directory (nothing from npm is committed).
set -euo pipefail
missing=()
command -v redis-server >/dev/null || missing+=(redis-server)
command -v protoc >/dev/null || missing+=(protobuf-compiler)
[ -x /usr/bin/chromium ] || missing+=(chromium)
# Chinese glyphs for the browser tests' screenshots (zh-Hant is the default UI language)
[ -d /usr/share/fonts/opentype/noto ] && ls /usr/share/fonts/opentype/noto/NotoSansCJK* >/dev/null 2>&1 || missing+=(fonts-noto-cjk)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing ${missing[*]} from Debian's packages"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "kept's tests need: ${missing[*]}" >&2
    echo "install them with: sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
fi

# axe-core for the gateway's accessibility checks: KEPT_AXE_DIR (default
# $HOME/.cache/kept/axe) ends up holding axe.min.js of the pinned version.
AXE_VERSION=4.10.3
axe_dir="${KEPT_AXE_DIR:-$HOME/.cache/kept/axe}"
if [ ! -s "$axe_dir/axe-core-$AXE_VERSION/axe.min.js" ]; then
  if command -v npm >/dev/null; then
    mkdir -p "$axe_dir/axe-core-$AXE_VERSION"
    tmp=$(mktemp -d)
    (cd "$tmp" && npm pack --silent "axe-core@$AXE_VERSION" >/dev/null)
    tar -xzf "$tmp"/axe-core-*.tgz -C "$tmp"
    cp "$tmp/package/axe.min.js" "$axe_dir/axe-core-$AXE_VERSION/axe.min.js"
    rm -rf "$tmp"
    echo "axe-core $AXE_VERSION in $axe_dir/axe-core-$AXE_VERSION"
  else
    echo "npm is missing: the gateway's accessibility checks need axe-core (apt-get install npm)" >&2
  fi
fi
[ -s "$axe_dir/axe-core-$AXE_VERSION/axe.min.js" ] && ln -sfn "axe-core-$AXE_VERSION/axe.min.js" "$axe_dir/axe.min.js"
exit 0
