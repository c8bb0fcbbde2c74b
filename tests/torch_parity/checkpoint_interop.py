#!/usr/bin/env python3
"""Seed checkpoints read by real clients (tests/torch_parity/CMakeLists.txt: checkpoint_interop).

1. Python reads nninit's safetensors files with json + numpy alone (Debian has no safetensors
   package): the header length, the 8-byte alignment, names, dtypes, shapes and data_offsets as
   the format specifies, and values equal to `nninit fill` of each tensor on the stream the
   metadata records (bfloat16: the float32 fill rounded to nearest even).
2. PyTorch loads the tensors into a small Llama-style module written here (load_state_dict with
   strict=True) and runs a forward pass; the GPT-2 checkpoint the same way with Conv1D's (in, out)
   layout, and its c_proj std is initializer_range / sqrt(2 n_layer).
3. `nninit verify --scheme` catches PyTorch's packed nn.MultiheadAttention in-projection
   (pytorch #166378): xavier_uniform over the (3E, E) weight is consistent with the packed
   shape's law, and not with that of three separate (E, E) projections (half their variance).

Usage: checkpoint_interop.py NNINIT. Exit 77 (skipped) without numpy or torch.
"""
import json
import os
import struct
import subprocess
import sys
import tempfile

try:
    import numpy as np
    import torch
except ImportError as e:  # pragma: no cover
    print(f"SKIPPED: {e}")
    sys.exit(77)

NNINIT = sys.argv[1]
failures = []


def check(ok, what):
    if not ok:
        failures.append(what)
        print("FAIL:", what)


def run(*args, expect=0):
    r = subprocess.run([NNINIT, *map(str, args)], capture_output=True, text=True)
    if r.returncode != expect:
        raise SystemExit(f"nninit {' '.join(map(str, args))} exited {r.returncode}, expected {expect}:\n{r.stdout}{r.stderr}")
    return r.stdout


def read_safetensors(path):
    """name -> numpy array (bfloat16 widened to float32), and the metadata, as the format specifies."""
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    check((8 + n) % 8 == 0, f"{path}: data starts 8-byte aligned")
    header = json.loads(data[8:8 + n].decode("utf-8"))
    meta = header.pop("__metadata__")
    check(meta["format"] == "pt", "metadata format pt")
    body = data[8 + n:]
    at = 0
    out = {}
    for name, e in sorted(header.items(), key=lambda kv: kv[1]["data_offsets"][0]):
        begin, end = e["data_offsets"]
        check(begin == at, f"{name}: contiguous offsets")
        at = end
        raw = body[begin:end]
        if e["dtype"] == "BF16":
            bits = np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16
            values = bits.view(np.float32)
        else:
            values = np.frombuffer(raw, dtype={"F32": "<f4", "F16": "<f2", "F64": "<f8"}[e["dtype"]])
        check(values.size == int(np.prod(e["shape"])), f"{name}: shape and bytes agree")
        out[name] = (e["dtype"], values.reshape(e["shape"]))
    check(at == len(body), "the tensors cover the data")
    return out, meta


def bf16_round(x):
    """float32 -> bfloat16 -> float32, round to nearest even (finite values)."""
    bits = x.astype(np.float32).view(np.uint32).astype(np.uint64)
    rounded = (bits + 0x7FFF + ((bits >> 16) & 1)) & 0xFFFF0000
    return rounded.astype(np.uint32).view(np.float32)


with tempfile.TemporaryDirectory() as tmp:
    # --- 1. json + numpy, values equal to nninit fill -------------------------------------
    llama = {"model_type": "llama", "vocab_size": 128, "hidden_size": 64, "num_hidden_layers": 2,
             "num_attention_heads": 4, "num_key_value_heads": 2, "intermediate_size": 96,
             "tie_word_embeddings": False, "initializer_range": 0.02, "rms_norm_eps": 1e-6}
    config = os.path.join(tmp, "llama.json")
    with open(config, "w") as f:
        json.dump(llama, f)
    for dtype in ("float32", "bfloat16"):
        out = os.path.join(tmp, dtype)
        os.mkdir(out)
        run("init-model", "--model", config, "--seed", 3, "--dtype", dtype, "--out", out)
        tensors, meta = read_safetensors(os.path.join(out, "model.safetensors"))
        plans = json.loads(meta["nninit"])
        check(plans["seed"] == "3", "the seed recorded")
        check(len(tensors) == 1 + 2 * 9 + 2, f"{dtype}: 21 tensors")
        for name, (stored, values) in tensors.items():
            check(stored == {"float32": "F32", "bfloat16": "BF16"}[dtype], f"{name}: dtype")
            plan = plans["tensors"][name]
            if plan["scheme"] != "normal":
                check(np.all(values == (1.0 if plan["scheme"] == "ones" else 0.0)), f"{name}: {plan['scheme']}")
                continue
            npy = os.path.join(tmp, "fill.npy")
            run("fill", "normal", "--shape", ",".join(map(str, values.shape)), "--set", "std=0.02", "--seed", 3,
                "--stream", plan["stream"], "--out", npy)
            filled = np.load(npy)
            expected = filled if dtype == "float32" else bf16_round(filled)
            check(np.array_equal(values, expected), f"{dtype} {name}: equal to nninit fill")

    # --- 2. PyTorch: a Llama-style module, strict load, forward --------------------------
    class RMSNorm(torch.nn.Module):
        def __init__(self, d):
            super().__init__()
            self.weight = torch.nn.Parameter(torch.empty(d))

        def forward(self, x):
            return self.weight * x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + 1e-6)

    class Attention(torch.nn.Module):
        def __init__(self, d, heads, kv):
            super().__init__()
            self.heads, self.kv, self.hd = heads, kv, d // heads
            self.q_proj = torch.nn.Linear(d, heads * self.hd, bias=False)
            self.k_proj = torch.nn.Linear(d, kv * self.hd, bias=False)
            self.v_proj = torch.nn.Linear(d, kv * self.hd, bias=False)
            self.o_proj = torch.nn.Linear(heads * self.hd, d, bias=False)

        def forward(self, x):
            b, t, _ = x.shape
            q = self.q_proj(x).view(b, t, self.heads, self.hd).transpose(1, 2)
            k = self.k_proj(x).view(b, t, self.kv, self.hd).transpose(1, 2).repeat_interleave(self.heads // self.kv, 1)
            v = self.v_proj(x).view(b, t, self.kv, self.hd).transpose(1, 2).repeat_interleave(self.heads // self.kv, 1)
            mask = torch.full((t, t), float("-inf")).triu(1)
            a = torch.softmax(q @ k.transpose(-1, -2) / self.hd ** 0.5 + mask, -1)
            return self.o_proj((a @ v).transpose(1, 2).reshape(b, t, -1))

    class MLP(torch.nn.Module):
        def __init__(self, d, ffn):
            super().__init__()
            self.gate_proj = torch.nn.Linear(d, ffn, bias=False)
            self.up_proj = torch.nn.Linear(d, ffn, bias=False)
            self.down_proj = torch.nn.Linear(ffn, d, bias=False)

        def forward(self, x):
            return self.down_proj(torch.nn.functional.silu(self.gate_proj(x)) * self.up_proj(x))

    class Layer(torch.nn.Module):
        def __init__(self, c):
            super().__init__()
            d = c["hidden_size"]
            self.input_layernorm = RMSNorm(d)
            self.self_attn = Attention(d, c["num_attention_heads"], c["num_key_value_heads"])
            self.post_attention_layernorm = RMSNorm(d)
            self.mlp = MLP(d, c["intermediate_size"])

        def forward(self, x):
            x = x + self.self_attn(self.input_layernorm(x))
            return x + self.mlp(self.post_attention_layernorm(x))

    class Body(torch.nn.Module):
        def __init__(self, c):
            super().__init__()
            self.embed_tokens = torch.nn.Embedding(c["vocab_size"], c["hidden_size"])
            self.layers = torch.nn.ModuleList(Layer(c) for _ in range(c["num_hidden_layers"]))
            self.norm = RMSNorm(c["hidden_size"])

    class LlamaForCausalLM(torch.nn.Module):
        def __init__(self, c):
            super().__init__()
            self.model = Body(c)
            self.lm_head = torch.nn.Linear(c["hidden_size"], c["vocab_size"], bias=False)

        def forward(self, tokens):
            x = self.model.embed_tokens(tokens)
            for layer in self.model.layers:
                x = layer(x)
            return self.lm_head(self.model.norm(x))

    tensors, _ = read_safetensors(os.path.join(tmp, "float32", "model.safetensors"))
    net = LlamaForCausalLM(llama)
    net.load_state_dict({k: torch.from_numpy(v.copy()) for k, (_, v) in tensors.items()}, strict=True)
    logits = net(torch.randint(0, 128, (2, 16)))
    check(tuple(logits.shape) == (2, 16, 128) and bool(torch.isfinite(logits).all()), "llama forward")
    # RMS-normed features times N(0, 0.02^2) rows: logits std 0.02 sqrt(64) = 0.16.
    check(abs(float(logits.std()) / 0.16 - 1) < 0.2, f"llama logits std {float(logits.std()):.3f}, expected 0.16")

    # GPT-2: Conv1D stores (in, out), y = x W + b.
    gpt2 = {"model_type": "gpt2", "vocab_size": 128, "n_embd": 64, "n_layer": 3, "n_head": 4, "n_positions": 32,
            "initializer_range": 0.02}
    config = os.path.join(tmp, "gpt2.json")
    with open(config, "w") as f:
        json.dump(gpt2, f)
    out = os.path.join(tmp, "gpt2")
    os.mkdir(out)
    run("init-model", "--model", config, "--seed", 4, "--out", out)
    tensors, _ = read_safetensors(os.path.join(out, "model.safetensors"))
    t = {k: torch.from_numpy(v.copy()) for k, (_, v) in tensors.items()}
    check("lm_head.weight" not in t, "gpt2 ties the readout by default")
    check(tuple(t["transformer.h.0.attn.c_attn.weight"].shape) == (64, 192), "c_attn is (in, 3 out)")
    cproj = np.concatenate([tensors[f"transformer.h.{i}.{m}.c_proj.weight"][1].ravel() for i in range(3) for m in ("attn", "mlp")])
    expected = 0.02 / np.sqrt(2 * 3)
    check(abs(cproj.std() / expected - 1) < 5 * np.sqrt(2 / cproj.size), f"c_proj std {cproj.std():.5f} = 0.02/sqrt(6)")

    def conv1d(x, name):
        return x @ t[name + ".weight"] + t[name + ".bias"]

    def ln(x, name):
        return torch.nn.functional.layer_norm(x, (64,), t[name + ".weight"], t[name + ".bias"])

    tokens = torch.randint(0, 128, (2, 16))
    x = t["transformer.wte.weight"][tokens] + t["transformer.wpe.weight"][:16]
    for i in range(3):
        h = f"transformer.h.{i}."
        q, k, v = conv1d(ln(x, h + "ln_1"), h + "attn.c_attn").split(64, -1)
        q, k, v = (z.view(2, 16, 4, 16).transpose(1, 2) for z in (q, k, v))
        a = torch.softmax(q @ k.transpose(-1, -2) / 4 + torch.full((16, 16), float("-inf")).triu(1), -1)
        x = x + conv1d((a @ v).transpose(1, 2).reshape(2, 16, 64), h + "attn.c_proj")
        x = x + conv1d(torch.nn.functional.gelu(conv1d(ln(x, h + "ln_2"), h + "mlp.c_fc")), h + "mlp.c_proj")
    logits = ln(x, "transformer.ln_f") @ t["transformer.wte.weight"].T
    check(tuple(logits.shape) == (2, 16, 128) and bool(torch.isfinite(logits).all()), "gpt2 forward, Conv1D layout")

    # --- 3. verify catches the packed in-projection ----------------------------------------
    torch.manual_seed(0)
    mha = torch.nn.MultiheadAttention(256, 8)
    packed = os.path.join(tmp, "in_proj.npy")
    np.save(packed, mha.in_proj_weight.detach().numpy())
    claim = run("verify", packed, "--scheme", "xavier_uniform")
    check("consistent with the law" in claim and "fan_in 256, fan_out 768" in claim, "packed: consistent with its own shape")
    three = run("verify", packed, "--scheme", "xavier_uniform", "--shape", "256,256", expect=1)
    ratio = float(next(line.split()[3] for line in three.splitlines() if line.startswith("variance / law's")))
    check("not consistent with the law" in three and abs(ratio - 0.5) < 0.02,
          f"three separate projections: variance ratio {ratio} (expected 0.5)")
    separate = torch.empty(256, 256)
    torch.nn.init.xavier_uniform_(separate)
    np.save(packed, separate.numpy())
    check("consistent with the law" in run("verify", packed, "--scheme", "xavier_uniform"), "a separate projection passes")

if failures:
    print(f"{len(failures)} failure(s)")
    sys.exit(1)
print("checkpoint interop: all checks passed")
