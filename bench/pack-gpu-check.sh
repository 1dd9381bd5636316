#!/usr/bin/env bash
# Builds dist/siren-gpu-check.tar for bench/gpu-check.sh: a GPU machine without Node, npm or
# network runs it as it is. At most 64 MiB may travel, so the big binaries go xz-compressed:
#   gpu-check.mjs        bench/gpu-check.ts and the packages it uses, bundled by esbuild
#   bin/node.xz          this machine's Node binary (linux-x64)
#   node_modules/        onnxruntime-node (JS + linux-x64 natives, .xz) and onnxruntime-common
#   vulkan/              libvulkan1's .deb (apt-get download) and its files, extracted
#   gpu_anchor.py, gpu-check.sh, session-worker.mjs (the data-parallel CPU engine's worker threads)
# usage: bench/pack-gpu-check.sh [out.tar]
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
TAR=${1:-dist/siren-gpu-check.tar}
STAGE=$(mktemp -d)
PKG="$STAGE/siren-gpu-check"
trap 'rm -rf "$STAGE"' EXIT
mkdir -p "$PKG/bin" "$PKG/vulkan" "$PKG/node_modules"

echo "bundling bench/gpu-check.ts ..."
ESBUILD=$(node -e 'const { createRequire } = require("node:module");
  const r = createRequire(require.resolve("tsx/package.json", { paths: [process.cwd()] }));
  console.log(require("node:path").join(require("node:path").dirname(r.resolve("esbuild/package.json")), "bin", "esbuild"))')
"$ESBUILD" bench/gpu-check.ts --bundle --platform=node --format=esm --target=node20 \
  --external:onnxruntime-node '--external:@tensorflow/*' --alias:sharp=./bench/gpu-check/sharp-stub.cjs \
  --banner:js='import { createRequire as __siren_createRequire } from "node:module"; const require = __siren_createRequire(import.meta.url);' \
  --log-level=warning --outfile="$PKG/gpu-check.mjs"

echo "compressing node $(node --version) ..."
xz -T0 -9 -c "$(command -v node)" > "$PKG/bin/node.xz"

echo "copying onnxruntime-node ..."
ORT=$(node -p 'require("node:path").dirname(require.resolve("onnxruntime-node/package.json", { paths: [process.cwd() + "/packages/exporter"] }))')
# onnxruntime-common's exports hide its package.json: go up from dist/cjs/index.js.
COMMON=$(node -p 'const p = require("node:path"); p.resolve(p.dirname(require.resolve("onnxruntime-common", { paths: [process.argv[1]] })), "../..")' "$ORT")
mkdir -p "$PKG/node_modules/onnxruntime-node/bin/napi-v6/linux/x64" "$PKG/node_modules/onnxruntime-common"
cp "$ORT/package.json" "$PKG/node_modules/onnxruntime-node/"
cp -r "$ORT/dist" "$PKG/node_modules/onnxruntime-node/"
for f in "$ORT"/bin/napi-v6/linux/x64/*; do
  xz -T0 -9 -c "$f" > "$PKG/node_modules/onnxruntime-node/bin/napi-v6/linux/x64/$(basename "$f").xz"
done
cp "$COMMON/package.json" "$PKG/node_modules/onnxruntime-common/"
cp -r "$COMMON/dist" "$PKG/node_modules/onnxruntime-common/"
rm -rf "$PKG"/node_modules/*/dist/*.map "$PKG"/node_modules/onnxruntime-common/dist/*/ort*.min.* 2>/dev/null || true

echo "fetching libvulkan1 ..."
(cd "$PKG/vulkan" && apt-get download libvulkan1 >/dev/null)
dpkg-deb -x "$PKG"/vulkan/libvulkan1_*.deb "$PKG/vulkan"

# The CPU engine's worker threads load it from beside the bundle (new URL("./session-worker.mjs", import.meta.url)).
cp bench/gpu-check.sh bench/gpu_anchor.py packages/sessions/src/session-worker.mjs "$PKG/"
mkdir -p "$(dirname "$TAR")"
tar -cf "$TAR" -C "$STAGE" siren-gpu-check
SIZE=$(stat -c %s "$TAR")
echo "wrote $TAR: $((SIZE / 1048576)) MiB ($SIZE bytes)"
if [ "$SIZE" -gt $((64 * 1048576)) ]; then
  echo "error: $TAR is over 64 MiB" >&2
  exit 1
fi
