#!/usr/bin/env bash
# Seed-checkpoint write speed: a Llama-7B-shaped checkpoint (6.74 G parameters) in bfloat16
# (13.5 GB) written by `nninit init-model` with 2 threads, against the disk's sequential write
# rate measured in the same run, twice: dd from /dev/zero with O_DIRECT (the disk itself, no page
# cache), and the same writer with every tensor a zeros fill (no generator). Each writes the same
# bytes and ends with fsync.
#   bash bench/checkpoint_bench.sh [NNINIT] [DIR]
# NNINIT: the tool (default build/tool/tools/nninit/nninit); DIR: a scratch directory on the disk
# to measure (default: a new one under the repository's build/), removed afterwards. Needs about
# 14 GB free there.
set -euo pipefail
cd "$(dirname "$0")/.."
nninit=${1:-build/tool/tools/nninit/nninit}
dir=${2:-build/checkpoint_bench}
mkdir -p "$dir"
trap 'rm -rf "$dir"/out "$dir"/zeros "$dir"/dd.bin' EXIT
cat > "$dir/llama7b.json" <<'JSON'
{"model_type": "llama", "vocab_size": 32000, "hidden_size": 4096, "num_hidden_layers": 32,
 "num_attention_heads": 32, "num_key_value_heads": 32, "intermediate_size": 11008,
 "tie_word_embeddings": false, "initializer_range": 0.02}
JSON
# The same tensors as zeros: names and shapes from a one-layer-per-line list.
python3 - "$dir" <<'PY'
import json, sys
d, f, v, L = 4096, 11008, 32000, 32
t = [{"name": "model.embed_tokens.weight", "shape": [v, d], "scheme": "zeros", "dtype": "bfloat16"}]
for i in range(L):
    p = f"model.layers.{i}."
    for n, s in [("input_layernorm.weight", [d]), ("self_attn.q_proj.weight", [d, d]), ("self_attn.k_proj.weight", [d, d]),
                 ("self_attn.v_proj.weight", [d, d]), ("self_attn.o_proj.weight", [d, d]), ("post_attention_layernorm.weight", [d]),
                 ("mlp.gate_proj.weight", [f, d]), ("mlp.up_proj.weight", [f, d]), ("mlp.down_proj.weight", [d, f])]:
        t.append({"name": p + n, "shape": s, "scheme": "zeros", "dtype": "bfloat16"})
t += [{"name": "model.norm.weight", "shape": [d], "scheme": "zeros", "dtype": "bfloat16"},
      {"name": "lm_head.weight", "shape": [v, d], "scheme": "zeros", "dtype": "bfloat16"}]
json.dump({"tensors": t}, open(sys.argv[1] + "/zeros.json", "w"))
PY
seconds() { local t0 t1; t0=$(date +%s%N); "$@" > "$dir/last.txt"; t1=$(date +%s%N); awk -v ns=$((t1 - t0)) 'BEGIN { print ns / 1e9 }'; }
rm -rf "$dir/out" "$dir/zeros"; mkdir -p "$dir/out" "$dir/zeros"
sync
t_model=$(seconds "$nninit" init-model --model "$dir/llama7b.json" --seed 0 --dtype bfloat16 --threads 2 --out "$dir/out")
model_line=$(tail -1 "$dir/last.txt")
bytes=$(du -cb "$dir"/out/*.safetensors | tail -1 | cut -f1)
rm -rf "$dir/out"; sync
t_zeros=$(seconds "$nninit" init-model --model "$dir/zeros.json" --threads 2 --out "$dir/zeros")
rm -rf "$dir/zeros"; sync
blocks=$(( (bytes + 67108863) / 67108864 ))
t_dd=$(seconds dd if=/dev/zero of="$dir/dd.bin" bs=64M count="$blocks" oflag=direct conv=fsync status=none)
dd_bytes=$(( blocks * 67108864 ))
rm -f "$dir/dd.bin"
# Memory: a Llama-13B-shaped checkpoint (13.0 G parameters, 26 GB in bfloat16, more than this
# machine's memory) under a 2 GB address-space limit; the tool reports its peak resident memory.
cat > "$dir/llama13b.json" <<'JSON'
{"model_type": "llama", "vocab_size": 32000, "hidden_size": 5120, "num_hidden_layers": 40,
 "num_attention_heads": 40, "num_key_value_heads": 40, "intermediate_size": 13824,
 "tie_word_embeddings": false, "initializer_range": 0.02}
JSON
rm -rf "$dir/out"; mkdir -p "$dir/out"
big_line=$( (ulimit -v 2000000; "$nninit" init-model --model "$dir/llama13b.json" --dtype bfloat16 --threads 2 --out "$dir/out") | tail -1)
rm -rf "$dir/out"
echo "under ulimit -v 2000000 (2 GB): $big_line"
awk -v b="$bytes" -v tm="$t_model" -v tz="$t_zeros" -v td="$t_dd" -v db="$dd_bytes" -v line="$model_line" 'BEGIN {
  m = b / tm / 1e9; z = b / tz / 1e9; d = db / td / 1e9;
  printf "nninit init-model: %s\n", line;
  printf "Llama-7B bf16, 2 threads: %.1f GB in %.1f s = %.2f GB/s\n", b / 1e9, tm, m;
  printf "same writer, zeros:       %.1f s = %.2f GB/s (ratio %.2f)\n", tz, z, m / z;
  printf "dd, 64 MB direct, fsync: %.1f s = %.2f GB/s (ratio %.2f)\n", td, d, m / d;
}'
