"""The harness's transformer against PyTorch, for harness_parity.py (which imports it and runs its
checks on the driver's "transformer" and "transformer_plan" cases).

transformer       the ViT / causal LM rebuilt from the printed parameters with torch's own attention
                  (F.multi_head_attention_forward), F.layer_norm (RMSNorm in torch ops, 1.13 has
                  none), F.linear, F.gelu, F.unfold (the patches), F.embedding and F.cross_entropy:
                  logits, loss and the gradient of every parameter by autograd, in double, within
                  1e-9 (relative above 1); the post- and pre-LN stacks also through
                  nn.TransformerEncoderLayer itself (its weights loaded from ours)
transformer_plan  the torch_default rule's plan of every weight against the modules' own init:
                  nn.TransformerEncoderLayer's in_proj_weight (xavier_uniform_ over (3d, d)),
                  out_proj, linear1, linear2 (nn.Linear's kaiming_uniform_(a = sqrt(5))), nn.Linear
                  for the patch projection and the classifier: the same bound, to 4e-16 relative;
                  position N(0, 0.02^2) and class token zeros (torchvision's VisionTransformer;
                  torch itself has no such module); the attention biases zero and the others
                  nn.Linear's default
"""

import math

import torch
import torch.nn.functional as F

F64 = torch.float64
TOL_MODEL = 1e-9


def tensor(rows):
    return torch.tensor(rows, dtype=F64)


def rms_norm(x, weight, eps):
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * weight


class Transformer:
    """The harness's model in torch, reading the parameters by our names."""

    def __init__(self, case, params, activation):
        self.c = case
        self.p = params
        self.d, self.h = case["width"], case["heads"]
        self.act = F.relu if activation == "relu" else F.gelu

    def norm(self, name, x):
        if self.c["norm"] == "rms":
            return rms_norm(x, self.p[f"{name}.weight"].reshape(-1), self.c["rms_eps"])
        return F.layer_norm(x, (self.d,), self.p[f"{name}.weight"].reshape(-1), self.p[f"{name}.bias"].reshape(-1),
                            self.c["ln_eps"])

    def bias(self, name):
        b = self.p.get(f"{name}.bias")
        return None if b is None else b.reshape(-1)

    def linear(self, name, x):
        return F.linear(x, self.p[f"{name}.weight"], self.bias(name))

    def in_proj(self, blk):
        if self.c["packed"]:
            return self.p[f"{blk}.attn.in_proj.weight"], self.bias(f"{blk}.attn.in_proj")
        w = torch.cat([self.p[f"{blk}.attn.{n}.weight"] for n in "qkv"])
        if not self.c["bias"]:
            return w, None
        return w, torch.cat([self.bias(f"{blk}.attn.{n}") for n in "qkv"])

    def attention(self, blk, x, mask):
        w, b = self.in_proj(blk)
        t = x.transpose(0, 1)  # (tokens, batch, d)
        out, _ = F.multi_head_attention_forward(t, t, t, self.d, self.h, w, b, None, None, False, 0.0,
                                                self.p[f"{blk}.attn.o.weight"], self.bias(f"{blk}.attn.o"),
                                                training=True, need_weights=False, attn_mask=mask)
        return out.transpose(0, 1)

    def blocks(self, x, mask):
        form = self.c["form"]
        for i in range(self.c["blocks"]):
            blk = f"block{i}"
            alpha = self.c["alpha"][i] if self.c["alpha"] else 1.0
            s = self.c["s"][i] if self.c["s"] else 1.0
            if form == "attention_only":
                x = self.attention(blk, x, mask)
                continue
            a = self.attention(blk, self.norm(f"{blk}.norm1", x) if form == "pre" else x, mask)
            x = alpha * x + s * a
            if form == "post":
                x = self.norm(f"{blk}.norm1", x)
            h = self.norm(f"{blk}.norm2", x) if form == "pre" else x
            x = alpha * x + s * self.linear(f"{blk}.ffn_out", self.act(self.linear(f"{blk}.ffn_in", h)))
            if form == "post":
                x = self.norm(f"{blk}.norm2", x)
        if form == "pre":
            x = self.norm("final_norm", x)
        return x

    def module_blocks(self, x, mask):
        """The same stack through nn.TransformerEncoderLayer (post or pre, LayerNorm, gelu, alpha = s = 1)."""
        for i in range(self.c["blocks"]):
            blk = f"block{i}"
            layer = torch.nn.TransformerEncoderLayer(self.d, self.h, self.p[f"{blk}.ffn_in.weight"].shape[0],
                                                     dropout=0.0, activation="gelu", batch_first=True,
                                                     norm_first=self.c["form"] == "pre", dtype=F64)
            w, b = self.in_proj(blk)
            with torch.no_grad():
                layer.self_attn.in_proj_weight.copy_(w)
                layer.self_attn.in_proj_bias.copy_(b)
                layer.self_attn.out_proj.weight.copy_(self.p[f"{blk}.attn.o.weight"])
                layer.self_attn.out_proj.bias.copy_(self.bias(f"{blk}.attn.o"))
                for ours, theirs in (("ffn_in", layer.linear1), ("ffn_out", layer.linear2)):
                    theirs.weight.copy_(self.p[f"{blk}.{ours}.weight"])
                    theirs.bias.copy_(self.bias(f"{blk}.{ours}"))
                for ours, theirs in (("norm1", layer.norm1), ("norm2", layer.norm2)):
                    theirs.weight.copy_(self.p[f"{blk}.{ours}.weight"].reshape(-1))
                    theirs.bias.copy_(self.bias(f"{blk}.{ours}"))
            layer.train()  # dropout is 0; train mode keeps the eval-only fast path out
            x = layer(x, src_mask=mask)
        if self.c["form"] == "pre":
            x = self.norm("final_norm", x)
        return x

    def logits(self, x_rows, use_module=False):
        """Our layout: (classes, batch) for the ViT, (vocabulary, tokens) for the LM."""
        c = self.c
        if c["task"] == "vit":
            x = tensor(x_rows).T.reshape(-1, 1, 8, 8)
            patches = F.unfold(x, kernel_size=4, stride=4).transpose(1, 2)  # (B, 4, 16): (c, ky, kx) per patch
            t = self.linear("embed", patches)
            cls = self.p["tokens.cls"].reshape(1, 1, -1).expand(t.shape[0], 1, -1)
            t = torch.cat([cls, t], 1) + self.p["tokens.position"]
            mask = None
        else:
            n = c["context"]
            ids = tensor(x_rows).reshape(-1, n).long()
            t = F.embedding(ids, self.p["embed.weight"]) + self.p["tokens.position"]
            mask = torch.triu(torch.full((n, n), float("-inf"), dtype=F64), diagonal=1)
        t = self.module_blocks(t, mask) if use_module else self.blocks(t, mask)
        if c["task"] == "vit":
            return self.linear("classifier", t[:, 0]).T
        table = self.p["embed.weight"] if c["tied"] else self.p["classifier.weight"]
        return F.linear(t.reshape(-1, self.d), table).T


def transformer_checks(r, case):
    name = case["case"]
    params = {k: tensor(v).requires_grad_(True) for k, v in case["params"].items()}
    model = Transformer(case, params, case["activation"])
    logits = model.logits(case["x"])
    loss = F.cross_entropy(logits.T, torch.tensor(case["labels"], dtype=torch.long))
    loss.backward()
    r.close("transformer logits", f"{name}: logits", tensor(case["logits"]), logits, TOL_MODEL)
    r.close("transformer loss", f"{name}: loss", tensor([case["loss"]]), loss.reshape(1), TOL_MODEL)
    missing = [k for k, p in params.items() if p.grad is None]
    r.check(f"{name}: every parameter reaches the loss in torch", not missing, f"no gradient for {missing}")
    for k, p in params.items():
        if p.grad is not None:
            r.close("transformer gradients", f"{name}: d loss / d {k}", tensor(case["grads"][k]), p.grad, TOL_MODEL)
    if case["form"] in ("post", "pre") and case["norm"] == "layer" and case["bias"] and not case["alpha"] \
            and not case["s"] and case["activation"] == "gelu":
        with torch.no_grad():
            module_logits = model.logits(case["x"], use_module=True)
        r.close("nn.TransformerEncoderLayer", f"{name}: logits through nn.TransformerEncoderLayer",
                tensor(case["logits"]), module_logits, TOL_MODEL)


def transformer_plan_checks(r, case):
    name = case["case"]
    d, h, dff = case["width"], case["heads"], case["ffn_width"]
    torch.manual_seed(0)
    layer = torch.nn.TransformerEncoderLayer(d, h, dff, dtype=F64)

    def xavier_bound(w):
        fan_in, fan_out = torch.nn.init._calculate_fan_in_and_fan_out(w)
        return math.sqrt(6.0 / (fan_in + fan_out))

    def linear_bound(w):  # kaiming_uniform_(a = sqrt(5)): gain * sqrt(3 / fan_in)
        fan_in, _ = torch.nn.init._calculate_fan_in_and_fan_out(w)
        return torch.nn.init.calculate_gain("leaky_relu", math.sqrt(5)) * math.sqrt(3.0 / fan_in)

    in_proj = xavier_bound(layer.self_attn.in_proj_weight)
    expected = {"query": in_proj, "key": in_proj, "value": in_proj,
                "attention_out": linear_bound(layer.self_attn.out_proj.weight),
                "ffn_in": linear_bound(layer.linear1.weight), "ffn_out": linear_bound(layer.linear2.weight),
                "input": linear_bound(torch.nn.Linear(case["patch_inputs"], d).weight),
                "classifier": linear_bound(torch.nn.Linear(d, 10).weight)}
    r.check(f"{name}: torch's own in_proj_weight lies within that xavier bound and fills it",
            0.9 * in_proj < layer.self_attn.in_proj_weight.abs().max().item() <= in_proj)
    for p in case["plans"]:
        role = p["role"]
        if role in expected:
            ours, theirs = p["bound"], expected[role]
            r.check(f"{name}: {p['name']} ({role}) uniform with torch's bound",
                    p["dist"] == "uniform" and abs(ours - theirs) <= 4e-16 * theirs,
                    f"nninit {p['dist']} {ours!r}, torch {theirs!r}")
        elif role == "position":  # torchvision's VisionTransformer: pos_embedding.normal_(std=0.02)
            r.check(f"{name}: {p['name']} ({role}) N(0, 0.02^2), as torchvision's ViT",
                    p["dist"] == "normal" and p["std"] == 0.02, f"{p['dist']} std {p['std']}")
        else:  # torchvision's class_token: zeros
            r.check(f"{name}: {p['name']} ({role}) zeros, as torchvision's ViT", p["scheme"] == "zeros", p["scheme"])
    r.check(f"{name}: torch zeroes in_proj_bias and out_proj.bias",
            layer.self_attn.in_proj_bias.abs().max().item() == 0 and layer.self_attn.out_proj.bias.abs().max().item() == 0)
    for b in case["biases"]:
        attention = ".attn." in b["name"]
        ok = (not b["torch_default"] and b["value"] == 0) if attention else b["torch_default"]
        r.check(f"{name}: {b['name']} {'zero' if attention else 'nn.Linear default'}", ok, str(b))
