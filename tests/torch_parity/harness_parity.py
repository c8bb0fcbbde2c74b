#!/usr/bin/python3
"""Parity of the nninit harness's normalization layers, optimizers and transformer with PyTorch
(written against PyTorch 1.13), in double precision.

usage: harness_parity.py HARNESS_PARITY_DRIVER [--quiet]

Runs harness_parity_driver (built from harness_parity_driver.cpp next to this file), which prints
its inputs and what the harness computed from them, rebuilds the same tensors in torch and compares:

  batch_norm   layers::batch_norm vs nn.BatchNorm1d on (batch, channels) = our (channels, batch)
               transposed, and nn.BatchNorm2d on (batch, C, H, W) = our feature maps (C, H*W*batch),
               column n*H*W + y*W + x = pixel (y, x) of example n: forward, d input, d gamma,
               d beta (autograd) in train mode over several batches and then in eval mode, and
               running_mean / running_var after every training forward (and unchanged by eval);
               PyTorch's default momentum and eps, and others; random gamma and beta
  layer_norm   layers::layer_norm vs nn.LayerNorm over the features of each example: forward,
               d input, d gamma, d beta; default eps (== nn.LayerNorm's) and others
  rms_norm     layers::rms_norm vs PyTorch >= 2.4's nn.RMSNorm written in torch ops (1.13 has
               none): y = x * rsqrt(mean(x^2, -1) + eps) * weight, autograd for d input and d gamma;
               default eps == torch.finfo(float64).eps, and others
  optimizer    harness::optimizer vs torch.optim.AdamW (two param groups, weight decay on the
               weight only; one group with decay_all; defaults and other betas/eps/lr/wd, a
               per-step learning rate) and torch.optim.SGD(momentum) with L2 weight decay, over 5
               steps of loss = 0.5 ||W X + b - Y||^2: the gradients and W, b after every step
  clip         harness::clip_gradients vs torch.nn.utils.clip_grad_norm_: returned total norm and
               gradients after clipping, below, above and just above (within 1e-6 of) the norm
  transformer, transformer_plan
               the ViT and causal LM in every block form, and the torch_default rule's plans
               against nn.TransformerEncoderLayer: see transformer_parity.py

Tolerances: layer values and gradients, and the clipping, within 1e-10 absolute on O(1) values
(relative to the reference's largest magnitude where that exceeds 1: the small-input cases have
d input ~ 30); optimizer parameters within 1e-12 absolute (unscaled) after each of the 5 steps (the gradients
feeding them within 1e-10). Defaults (momentum, eps, betas) must be equal bit for bit.

Exit status: 0 all checks pass, 1 some check fails (or the driver fails), 77 torch is missing
(ctest reports the test as skipped through SKIP_RETURN_CODE 77).
"""

import json
import math
import subprocess
import sys
import time

import parity_report

SKIP = 77

try:
    import torch
except Exception as exc:  # ImportError, or a broken install failing while importing
    print(f"harness_parity: SKIPPED: 'import torch' failed under {sys.executable}: {exc}")
    sys.exit(SKIP)

import transformer_parity  # noqa: E402 (needs torch, imported above)

F64 = torch.float64
TOL_LAYER = 1e-10  # forward values and gradients (double: differences are ~1e-15 in practice)
TOL_PARAM = 1e-12  # optimizer parameters after each step


class Report(parity_report.Report):
    """Also keeps, per group, the largest difference seen (for the summary)."""

    def __init__(self, quiet=False):
        super().__init__(quiet)
        self.worst = {}  # group -> (max |difference|, tolerance)

    def close(self, group, name, ours, ref, tol, relative_above_one=True):
        """Checks max |ours - ref| <= tol * max(1, max |ref|) (tol itself, absolute, when not
        relative_above_one); ours and ref are tensors."""
        ref = ref.detach().to(F64)
        if tuple(ours.shape) != tuple(ref.shape):
            return self.check(f"{name}", False, f"shape {tuple(ours.shape)} vs torch {tuple(ref.shape)}")
        diff = (ours - ref).abs().max().item() if ours.numel() else 0.0
        scale = max(1.0, ref.abs().max().item()) if ref.numel() and relative_above_one else 1.0
        if math.isnan(diff):
            diff = math.inf  # a NaN on either side must fail and must show in the summary
        worst, _ = self.worst.get(group, (0.0, tol))
        self.worst[group] = (max(worst, diff), tol)
        return self.check(name, diff <= tol * scale, f"max |d| {diff:.3g}, tol {tol * scale:.3g}")


def tensor(rows):
    return torch.tensor(rows, dtype=F64)


def run_driver(path):
    proc = subprocess.run([path], capture_output=True, text=True, timeout=120)
    if proc.returncode != 0:
        raise RuntimeError(f"{path} exited with {proc.returncode}: {proc.stderr.strip()}")
    return [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]


# ---------------------------------------------------------------------------------------------
# batch_norm
# ---------------------------------------------------------------------------------------------


class Layout:
    """Our (C, positions * batch) matrix <-> torch's (N, C) or (N, C, H, W) tensor."""

    def __init__(self, case):
        self.spatial = case["spatial"]
        self.c, self.h, self.w, self.n = case["channels"], case["height"], case["width"], case["batch"]

    def to_torch(self, rows):
        t = tensor(rows)
        if not self.spatial:
            return t.T.contiguous()
        # column n*H*W + y*W + x of channel c is t[c, n, y, x] after the reshape
        return t.reshape(self.c, self.n, self.h, self.w).permute(1, 0, 2, 3).contiguous()

    def from_torch(self, t):
        t = t.detach()
        if not self.spatial:
            return t.T
        return t.permute(1, 0, 2, 3).reshape(self.c, self.n * self.h * self.w)


def column(t):
    return t.detach().reshape(-1, 1)  # torch's (C,) parameters and statistics as our (C, 1)


def batch_norm_checks(r, case):
    name = case["case"]
    lay = Layout(case)
    module = torch.nn.BatchNorm2d if lay.spatial else torch.nn.BatchNorm1d
    ref_default = module(lay.c, dtype=F64)
    r.check(f"{name}: default momentum, eps == {module.__name__}'s",
            case["default_momentum"] == ref_default.momentum and case["default_eps"] == ref_default.eps,
            f"nninit {case['default_momentum']!r}, {case['default_eps']!r}; torch {ref_default.momentum!r}, "
            f"{ref_default.eps!r}")
    bn = module(lay.c, eps=case["eps"], momentum=case["momentum"], dtype=F64)
    with torch.no_grad():
        bn.weight.copy_(tensor(case["gamma"]).reshape(-1))
        bn.bias.copy_(tensor(case["beta"]).reshape(-1))

    def one(p, label):
        x = lay.to_torch(p["x"]).requires_grad_(True)
        bn.zero_grad(set_to_none=True)
        y = bn(x)
        y.backward(lay.to_torch(p["dy"]))
        r.close("batch_norm forward", f"{name} {label}: y", tensor(p["y"]), lay.from_torch(y), TOL_LAYER)
        r.close("batch_norm d input", f"{name} {label}: dx", tensor(p["dx"]), lay.from_torch(x.grad), TOL_LAYER)
        r.close("batch_norm d gamma, d beta", f"{name} {label}: dgamma", tensor(p["dgamma"]),
                column(bn.weight.grad), TOL_LAYER)
        r.close("batch_norm d gamma, d beta", f"{name} {label}: dbeta", tensor(p["dbeta"]), column(bn.bias.grad),
                TOL_LAYER)
        r.close("batch_norm running stats", f"{name} {label}: running_mean", tensor(p["running_mean"]),
                column(bn.running_mean), TOL_LAYER)
        r.close("batch_norm running stats", f"{name} {label}: running_var", tensor(p["running_var"]),
                column(bn.running_var), TOL_LAYER)

    bn.train()
    for k, p in enumerate(case["train"]):
        one(p, f"train batch {k + 1}")
    bn.eval()
    one(case["eval"], "eval")


# ---------------------------------------------------------------------------------------------
# layer_norm, rms_norm
# ---------------------------------------------------------------------------------------------


def torch_rms_norm(x, weight, eps):
    """nn.RMSNorm of PyTorch >= 2.4 (torch/nn/functional.py rms_norm's reference), in torch ops."""
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * weight


def norm_checks(r, case):
    name, kind, h = case["case"], case["kind"], case["features"]
    if kind == "layer_norm":
        default_eps = torch.nn.LayerNorm(h, dtype=F64).eps
        what = "nn.LayerNorm's"
    else:
        default_eps = torch.finfo(F64).eps
        what = "torch.finfo(float64).eps (nn.RMSNorm's eps=None)"
    r.check(f"{name}: default eps == {what}", case["default_eps"] == default_eps,
            f"nninit {case['default_eps']!r}, torch {default_eps!r}")

    x = tensor(case["x"]).T.contiguous().requires_grad_(True)  # (batch, features)
    weight = tensor(case["gamma"]).reshape(-1).requires_grad_(True)
    if kind == "layer_norm":
        bias = tensor(case["beta"]).reshape(-1).requires_grad_(True)
        y = torch.nn.functional.layer_norm(x, (h,), weight, bias, case["eps"])
    else:
        y = torch_rms_norm(x, weight, case["eps"])
    y.backward(tensor(case["dy"]).T)
    r.close(f"{kind} forward", f"{name}: y", tensor(case["y"]), y.detach().T, TOL_LAYER)
    r.close(f"{kind} d input", f"{name}: dx", tensor(case["dx"]), x.grad.T, TOL_LAYER)
    r.close(f"{kind} d gamma" + (", d beta" if kind == "layer_norm" else ""), f"{name}: dgamma",
            tensor(case["dgamma"]), column(weight.grad), TOL_LAYER)
    if kind == "layer_norm":
        r.close("layer_norm d gamma, d beta", f"{name}: dbeta", tensor(case["dbeta"]), column(bias.grad), TOL_LAYER)


# ---------------------------------------------------------------------------------------------
# Optimizers
# ---------------------------------------------------------------------------------------------


def optimizer_checks(r, case):
    name, algo = case["case"], case["algorithm"]
    X, Y = tensor(case["X"]), tensor(case["Y"])
    w = tensor(case["w0"]).requires_grad_(True)
    b = tensor(case["b0"]).requires_grad_(True)  # (out, 1): broadcasts over the samples as b 1^T
    wd = case["weight_decay"]
    if case["decay_all"]:
        groups = [{"params": [w, b], "weight_decay": wd}]  # PyTorch's own default: one group
    else:
        groups = [{"params": [w], "weight_decay": wd}, {"params": [b], "weight_decay": 0.0}]
    lr0 = case["steps"][0]["lr"]
    if algo == "adamw":
        opt = torch.optim.AdamW(groups, lr=lr0, betas=(case["beta1"], case["beta2"]), eps=case["eps"])
        if name.startswith("adamw defaults"):
            d = torch.optim.AdamW([torch.zeros(1, dtype=F64)]).defaults
            r.check(f"{name}: default betas, eps == torch.optim.AdamW's",
                    (case["beta1"], case["beta2"]) == tuple(d["betas"]) and case["eps"] == d["eps"]
                    and case["weight_decay"] == d["weight_decay"],
                    f"nninit ({case['beta1']!r}, {case['beta2']!r}), {case['eps']!r}, wd {case['weight_decay']!r}; "
                    f"torch {d['betas']}, {d['eps']!r}, wd {d['weight_decay']!r}")
    else:
        opt = torch.optim.SGD(groups, lr=lr0, momentum=case["momentum"])
    for t, s in enumerate(case["steps"], start=1):
        for g in opt.param_groups:
            g["lr"] = s["lr"]  # as an LR scheduler does
        opt.zero_grad(set_to_none=True)
        residual = w @ X + b - Y
        loss = 0.5 * residual.pow(2).sum()
        loss.backward()
        r.close("optimizer gradients", f"{name} step {t}: dW, db",
                torch.cat([tensor(s["w_grad"]).reshape(-1), tensor(s["b_grad"]).reshape(-1)]),
                torch.cat([w.grad.reshape(-1), b.grad.reshape(-1)]), TOL_LAYER)
        opt.step()
        r.close(f"{algo} parameters", f"{name} step {t}: W", tensor(s["w"]), w.detach(), TOL_PARAM, False)
        r.close(f"{algo} parameters", f"{name} step {t}: b", tensor(s["b"]), b.detach(), TOL_PARAM, False)


# ---------------------------------------------------------------------------------------------
# Gradient clipping
# ---------------------------------------------------------------------------------------------


def clip_checks(r, case):
    name, max_norm = case["case"], case["max_norm"]
    w = torch.zeros(3, 4, dtype=F64, requires_grad=True)
    b = torch.zeros(3, 1, dtype=F64, requires_grad=True)
    w.grad, b.grad = tensor(case["w_grad"]), tensor(case["b_grad"])
    norm = torch.nn.utils.clip_grad_norm_([w, b], max_norm).item()
    r.close("clip_gradients", f"{name}: total norm", torch.tensor([case["norm"]], dtype=F64),
            torch.tensor([norm], dtype=F64), TOL_LAYER)
    r.close("clip_gradients", f"{name}: gradients after",
            torch.cat([tensor(case["w_clipped"]).reshape(-1), tensor(case["b_clipped"]).reshape(-1)]),
            torch.cat([w.grad.reshape(-1), b.grad.reshape(-1)]), TOL_LAYER)
    # The case must exercise the side of the threshold it is named for.
    scaled = case["w_clipped"] != case["w_grad"]
    if "below" in name:
        r.check(f"{name}: norm < max_norm, gradients untouched", norm < max_norm and not scaled,
                f"norm {norm:.6g}, max_norm {max_norm:g}")
    else:
        r.check(f"{name}: max_norm < norm + 1e-6, gradients scaled", max_norm < norm + 1e-6 and scaled,
                f"norm {norm!r}, max_norm {max_norm!r}")


# ---------------------------------------------------------------------------------------------


def main(argv):
    args = [a for a in argv[1:] if not a.startswith("--")]
    quiet = "--quiet" in argv
    if len(args) != 1:
        print(__doc__.strip().splitlines()[3])
        return 2
    start = time.time()
    torch.set_num_threads(1)  # tiny tensors; the machine is shared
    print(f"harness_parity: torch {torch.__version__} from {torch.__file__}, python {sys.version.split()[0]}, "
          f"driver {args[0]}")
    try:
        cases = run_driver(args[0])
    except (OSError, RuntimeError, subprocess.TimeoutExpired, json.JSONDecodeError) as exc:
        print(f"harness_parity: FAILED: the driver did not answer: {exc}")
        return 1

    r = Report(quiet)
    handlers = {"batch_norm": batch_norm_checks, "layer_norm": norm_checks, "rms_norm": norm_checks,
                "optimizer": optimizer_checks, "clip": clip_checks,
                "transformer": transformer_parity.transformer_checks,
                "transformer_plan": transformer_parity.transformer_plan_checks}
    seen = set()
    for case in cases:
        kind = case.get("kind")
        if kind not in handlers:
            r.check(f"case {case.get('case')!r}", False, f"unknown kind {kind!r}")
            continue
        if kind not in seen:
            r.section(kind)
            seen.add(kind)
        handlers[kind](r, case)
    # A driver that stopped printing one kind of case must not pass by checking less.
    r.check("every kind of case present", seen == set(handlers), f"got {sorted(seen)}")

    print("\nlargest |nninit - torch| per group (tolerance; layers and clipping scale it by max(1, |torch|)):")
    for group, (worst, tol) in r.worst.items():
        print(f"  {group:<28} {worst:.3g}  (tol {tol:g})")
    total = r.passed + len(r.failures)
    print(f"\nharness_parity: {total} checks, {r.passed} passed, {len(r.failures)} failed "
          f"({time.time() - start:.1f} s)")
    for f in r.failures:
        print(f"  FAILED {f}")
    return 0 if not r.failures else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
