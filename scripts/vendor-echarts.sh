#!/usr/bin/env bash
# Vendor Apache ECharts into the package at build time: the npm tarball of a pinned version is
# fetched through the npm client (a package registry, as CI allows), its sha512 checked against
# the registry's integrity field, and dist/echarts.min.js + LICENSE/NOTICE copied into
# src/consumption_monitor/web/static/vendor/. Nothing is fetched when the page runs.
# Usage: scripts/vendor-echarts.sh   (idempotent: does nothing when the pinned file is there)
set -euo pipefail
VERSION="6.1.0"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dest="$here/src/consumption_monitor/web/static/vendor"
stamp="$dest/echarts.version"
if [[ -f "$dest/echarts.min.js" && -f "$stamp" && "$(cat "$stamp")" == "$VERSION" ]]; then
  exit 0
fi
command -v npm >/dev/null || { echo "npm is needed to vendor ECharts (apt-get install npm)" >&2; exit 1; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack "echarts@$VERSION" --silent >/dev/null)
tarball="$work/echarts-$VERSION.tgz"
want="$(npm view "echarts@$VERSION" dist.integrity)"
got="sha512-$(openssl dgst -sha512 -binary "$tarball" | base64 -w0)"
if [[ "$want" != "$got" ]]; then
  echo "echarts-$VERSION.tgz integrity mismatch: registry $want, file $got" >&2
  exit 1
fi
tar -xzf "$tarball" -C "$work" package/dist/echarts.min.js package/LICENSE package/NOTICE
mkdir -p "$dest"
cp "$work/package/dist/echarts.min.js" "$dest/echarts.min.js"
cp "$work/package/LICENSE" "$dest/ECHARTS-LICENSE"
cp "$work/package/NOTICE" "$dest/ECHARTS-NOTICE"
echo "$VERSION" >"$stamp"
echo "vendored echarts $VERSION into $dest"
