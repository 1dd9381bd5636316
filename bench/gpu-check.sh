#!/bin/sh
# siren-onnx GPU check: run it as it is, in the folder that bench/pack-gpu-check.sh built
# (unpacked from siren-gpu-check.tar). It installs nothing and needs no network, Node or npm:
# it brings Node, onnxruntime-node and the Vulkan loader (libvulkan1's .deb, extracted) and
# uses the machine's python3 (for unpacking and, with torch, the PyTorch anchor).
#
#   sh gpu-check.sh [results-folder]          (default ./results)
#
# Writes machine.txt, devices.txt (`siren devices`), node.txt / node.json (onnxruntime on cpu,
# webgpu and cuda where present), torch.json (PyTorch on CUDA and the CPU) and summary.md.
# Environment: GPU_CHECK_PRESET=reference|small (default reference), GPU_CHECK_DEVICES
# (default cpu,webgpu,cuda), VK_ICD_FILENAMES (default: NVIDIA's ICD manifest where it is found),
# GPU_CHECK_{DEVICES,BENCH,TORCH}_LIMIT (seconds per part: 180, 420, 300; each part keeps the
# figures it measured before a limit stops it).
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=${1:-$HERE/results}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
PRESET=${GPU_CHECK_PRESET:-reference}
DEVICES=${GPU_CHECK_DEVICES:-cpu,webgpu,cuda}
log() { echo "[gpu-check] $*" | tee -a "$OUT/log.txt" >&2; }
limited() { # limited SECONDS command...: a stuck GPU must not hold the machine
  if command -v timeout >/dev/null 2>&1; then timeout "$@"; else shift; "$@"; fi
}

# 1. Unpack the xz-compressed binaries (python3's lzma: no xz needed).
for f in $(find "$HERE" -name '*.xz'); do
  [ -s "${f%.xz}" ] && continue
  python3 -c 'import lzma, shutil, sys; shutil.copyfileobj(lzma.open(sys.argv[1]), open(sys.argv[2], "wb"))' "$f" "${f%.xz}" ||
    { log "cannot unpack $f"; exit 1; }
done
chmod +x "$HERE/bin/node"
NODE="$HERE/bin/node"

# 2. The Vulkan loader from libvulkan1's .deb, the NVIDIA driver's libraries and ICD manifest.
VKLIB=$(dirname "$(find "$HERE/vulkan" -name 'libvulkan.so.1' | head -n 1)")
LD_LIBRARY_PATH="$VKLIB${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
for d in /usr/local/nvidia/lib64 /usr/local/nvidia/lib; do [ -d "$d" ] && LD_LIBRARY_PATH="$LD_LIBRARY_PATH:$d"; done
export LD_LIBRARY_PATH
if [ -z "${VK_ICD_FILENAMES:-}${VK_DRIVER_FILES:-}" ]; then
  for f in /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json /etc/vulkan/icd.d/nvidia_icd.json \
    /usr/share/vulkan/icd.d/nvidia_icd.json /usr/share/vulkan/icd.d/nvidia_icd.x86_64.json; do
    if [ -f "$f" ]; then export VK_ICD_FILENAMES="$f"; break; fi
  done
fi
if [ -z "${XDG_RUNTIME_DIR:-}" ] || [ ! -w "${XDG_RUNTIME_DIR:-/nonexistent}" ]; then
  XDG_RUNTIME_DIR=$(mktemp -d)
  export XDG_RUNTIME_DIR
fi

# 3. What machine this is.
{
  echo "date: $(date -u '+%Y-%m-%dT%H:%M:%SZ')"
  uname -a
  nproc 2>/dev/null
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv 2>&1 || echo "nvidia-smi: not available"
  echo "VK_ICD_FILENAMES=${VK_ICD_FILENAMES:-} VK_DRIVER_FILES=${VK_DRIVER_FILES:-}"
  [ -n "${VK_ICD_FILENAMES:-}" ] && cat "${VK_ICD_FILENAMES%%:*}" 2>&1
  echo "LD_LIBRARY_PATH=$LD_LIBRARY_PATH"
  "$NODE" --version
  python3 -c 'import torch; print("torch", torch.__version__, "cuda", torch.cuda.is_available())' 2>&1 | tail -n 1
} > "$OUT/machine.txt" 2>&1
log "machine: $(head -n 5 "$OUT/machine.txt" | tail -n 1)"

# 4. siren devices: providers, adapter, a ten-step smoke run with parity against the CPU.
log "devices (smoke runs) ..."
limited "${GPU_CHECK_DEVICES_LIMIT:-180}" "$NODE" "$HERE/gpu-check.mjs" devices > "$OUT/devices.txt" 2>&1
log "devices: exit $? ($(grep -c '' "$OUT/devices.txt") lines)"
cat "$OUT/devices.txt" >&2

# 5. onnxruntime figures: training steps and renders on each device.
log "onnxruntime bench, preset $PRESET, devices $DEVICES ..."
limited "${GPU_CHECK_BENCH_LIMIT:-420}" "$NODE" "$HERE/gpu-check.mjs" bench --preset "$PRESET" --devices "$DEVICES" --json "$OUT/node.json" \
  > "$OUT/node.txt" 2>&1
log "onnxruntime bench: exit $?"
cat "$OUT/node.txt" >&2

# 6. The PyTorch anchor: the same steps on CUDA and on the CPU.
if python3 -c 'import torch' >/dev/null 2>&1; then
  log "PyTorch anchor ..."
  limited "${GPU_CHECK_TORCH_LIMIT:-300}" python3 "$HERE/gpu_anchor.py" bench cuda,cpu "$OUT/torch.json" 2> "$OUT/torch.log"
  log "PyTorch anchor: exit $?"
else
  log "PyTorch anchor skipped: python3 has no torch"
fi

python3 "$HERE/gpu_anchor.py" summary "$OUT/node.json" "$OUT/torch.json" > "$OUT/summary.md" 2>> "$OUT/log.txt"
cat "$OUT/summary.md"
log "results in $OUT"
