#!/usr/bin/python3
"""Parity of nninit with PyTorch's torch.nn.init (written against PyTorch 1.13).

usage: torch_parity.py PARITY_DRIVER [--quiet]

Asks parity_driver (built from parity_driver.cpp next to this file) what nninit computes for a
grid of cases, computes the same with torch, and compares:

  fans         torch.nn.init._calculate_fan_in_and_fan_out == describe()'s fan_in / fan_out
  gains        torch.nn.init.calculate_gain == nninit::calculate_gain, bit for bit
  formulas     std / bound of kaiming_*, xavier_*, torch_default: bit for bit, both against the
               arguments torch really passes to Tensor.uniform_/normal_ (recorded) and against
               init.py's arithmetic copied below
  exact        eye_, dirac_ (groups), constant_, ones_, zeros_: element for element
  moments      the random schemes: sample means and variances of nninit and torch agree with
               each other and with the analytic values, within bounds set by the sample size
  sparse       exactly ceil(sparsity * rows) zeros in every column, in both
  orthogonal   W W^T = gain^2 I (or W^T W), and a Haar test of the sign fix, in both
  modules      nn.Linear / nn.Conv* default weight and bias bounds vs the torch_default plan

Exit status: 0 all checks pass, 1 some check fails (or the driver fails), 77 torch is missing
(ctest reports the test as skipped through SKIP_RETURN_CODE 77).
"""

import json
import math
import subprocess
import sys
import time

from parity_report import Report

SKIP = 77

try:
    import torch
    from torch.nn import init
except Exception as exc:  # ImportError, or a broken install failing while importing
    print(f"torch_parity: SKIPPED: 'import torch' failed under {sys.executable}: {exc}")
    sys.exit(SKIP)

F64 = torch.float64

# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------


def dims(shape):
    return "x".join(str(d) for d in shape)


def num(x):
    """A double as request text: repr is the shortest text that reads back to the same double."""
    return repr(float(x))


def ulp_distance(a, b):
    """Number of doubles between a and b (0 when equal), for reporting near misses."""
    if a == b:
        return 0
    lo, hi = min(a, b), max(a, b)
    steps = 0
    while lo < hi and steps < 1000:
        lo = math.nextafter(lo, hi)
        steps += 1
    return steps


def prod(xs):
    p = 1
    for x in xs:
        p *= x
    return p


# ---------------------------------------------------------------------------------------------
# The driver
# ---------------------------------------------------------------------------------------------


class Driver:
    """Collects requests, runs parity_driver once on all of them, and hands back its answers."""

    def __init__(self, path):
        self.path = path
        self.requests = []
        self.answers = {}

    def ask(self, request):
        self.requests.append(request)
        return request

    def run(self):
        text = "\n".join(self.requests) + "\n"
        proc = subprocess.run([self.path, "-"], input=text, capture_output=True, text=True, timeout=240)
        if proc.returncode != 0:
            raise RuntimeError(f"{self.path} exited with {proc.returncode}: {proc.stderr.strip()}")
        lines = proc.stdout.splitlines()
        if len(lines) != len(self.requests):
            raise RuntimeError(f"{self.path} answered {len(lines)} lines to {len(self.requests)} requests")
        for request, line in zip(self.requests, lines):
            answer = json.loads(line)
            if answer.get("req") != request:
                raise RuntimeError(f"answer out of order: asked {request!r}, got {answer.get('req')!r}")
            self.answers[request] = answer

    def __getitem__(self, request):
        return self.answers[request]


def driver_error(report, name, answer):
    """Fails the check when nninit refused the request; returns True when it did."""
    if "error" in answer:
        report.check(name, False, f"nninit error: {answer['error']}")
        return True
    return False


# ---------------------------------------------------------------------------------------------
# Torch as it really runs: record the arguments torch passes to Tensor.uniform_ / normal_
# ---------------------------------------------------------------------------------------------


class Recorder:
    """Within `with Recorder() as rec:`, every Tensor.uniform_/normal_ call is recorded in
    rec.calls as (kind, shape, args) and then performed as usual. torch.nn.init and the modules'
    reset_parameters call these methods with the bound or std they computed, so this reads the
    exact doubles torch uses without copying any of its code."""

    def __enter__(self):
        self.calls = []
        self._saved = {"uniform_": torch.Tensor.uniform_, "normal_": torch.Tensor.normal_}

        def wrap(kind, original):
            def method(tensor, *args, **kwargs):
                self.calls.append((kind, tuple(tensor.shape), args + tuple(kwargs.values())))
                return original(tensor, *args, **kwargs)

            return method

        torch.Tensor.uniform_ = wrap("uniform", self._saved["uniform_"])
        torch.Tensor.normal_ = wrap("normal", self._saved["normal_"])
        return self

    def __exit__(self, *exc):
        torch.Tensor.uniform_ = self._saved["uniform_"]
        torch.Tensor.normal_ = self._saved["normal_"]
        return False

    def only(self, kind):
        found = [c for c in self.calls if c[0] == kind]
        if len(found) != 1:
            raise RuntimeError(f"expected one {kind}_ call, recorded {self.calls}")
        return found[0][2]


# ---------------------------------------------------------------------------------------------
# torch/nn/init.py's arithmetic, copied operation for operation (PyTorch 1.13), so that a
# difference of one ulp shows. Kept apart from the recorded values on purpose: both must agree.
# ---------------------------------------------------------------------------------------------


def torch_fans(shape):
    return init._calculate_fan_in_and_fan_out(torch.empty(shape))


def torch_kaiming(shape, a, mode, nonlinearity):
    fan_in, fan_out = torch_fans(shape)
    fan = fan_in if mode == "fan_in" else fan_out
    gain = init.calculate_gain(nonlinearity, a)
    std = gain / math.sqrt(fan)
    bound = math.sqrt(3.0) * std  # as kaiming_uniform_
    return gain, std, bound


def torch_xavier(shape, gain):
    fan_in, fan_out = torch_fans(shape)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    bound = math.sqrt(3.0) * std  # as xavier_uniform_ (there named a)
    return std, bound


def truncated_normal_moments(mean, std, a, b):
    """Mean and variance of N(mean, std^2) conditioned on [a, b] (Johnson, Kotz & Balakrishnan,
    Continuous Univariate Distributions vol. 1, 10.1), written independently of nninit's code."""
    alpha, beta = (a - mean) / std, (b - mean) / std

    def pdf(x):
        return 0.0 if math.isinf(x) else math.exp(-0.5 * x * x) / math.sqrt(2.0 * math.pi)

    def cdf(x):
        return 0.5 * math.erfc(-x / math.sqrt(2.0))

    z = cdf(beta) - cdf(alpha)
    pa, pb = pdf(alpha), pdf(beta)
    a_pa = 0.0 if math.isinf(alpha) else alpha * pa
    b_pb = 0.0 if math.isinf(beta) else beta * pb
    m = mean + std * (pa - pb) / z
    v = std * std * (1.0 + (a_pa - b_pb) / z - ((pa - pb) / z) ** 2)
    return m, v


# ---------------------------------------------------------------------------------------------
# Statistics: tolerances from the sample size
#
# X_1..X_n iid with mean mu, variance s2 and fourth central moment m4. The sample mean has
# variance s2/n; the unbiased sample variance V has Var[V] = m4/n - s2^2 (n-3)/(n(n-1)), which is
# (m4 - s2^2)/n up to O(1/n^2) (for a normal m4 = 3 s2^2, so sd(V)/s2 = sqrt(2/(n-1)) to this
# order). With n >= 10^4 both statistics are normal to a very good approximation (CLT), so:
#   one sample vs the analytic value:  |mean - mu| <= K sqrt(s2/n),  |V - s2| <= K sqrt((m4 - s2^2)/n)
#   two independent samples (nninit, torch), sizes n1, n2: the variances of the differences add:
#                                      |mean1 - mean2| <= K sqrt(s2 (1/n1 + 1/n2))
#                                      |V1 - V2|       <= K sqrt((m4_1 - V1^2)/n1 + (m4_2 - V2^2)/n2)
# (for normal data and n1 = n2 = n the last is K s2 sqrt(2/(n-1)) sqrt(2): the sqrt(2) of a
# difference). K = 6 makes a false failure a 2e-9 event per comparison, ~1e-6 over this file's
# few hundred comparisons, while a wrong scale of a few per cent still fails at n = 2.6e5. s2 and
# m4 are the analytic variance where known and otherwise the samples' own estimates (consistent,
# and their error changes the tolerance only at O(n^-1/2)). Every sample here is drawn with a
# fixed seed, so a result, once passing, is reproducible and not flaky.
# ---------------------------------------------------------------------------------------------

K_SIGMA = 6.0


def torch_stats(t):
    t = t.detach().reshape(-1).to(F64)
    n = t.numel()
    mean = t.mean().item()
    d = t - mean
    return {
        "n": n,
        "sample_mean": mean,
        "sample_var": (d * d).sum().item() / (n - 1),
        "sample_m4": (d ** 4).mean().item(),
        "sample_min": t.min().item(),
        "sample_max": t.max().item(),
        "sample_zeros": int((t == 0).sum().item()),
    }


def compare_means(a, b, s2):
    diff = abs(a["sample_mean"] - b["sample_mean"])
    tol = K_SIGMA * math.sqrt(s2 * (1.0 / a["n"] + 1.0 / b["n"]))
    return diff <= tol, diff, tol


def compare_vars(a, b):
    diff = abs(a["sample_var"] - b["sample_var"])
    spread = max(a["sample_m4"] - a["sample_var"] ** 2, 0.0) / a["n"] + max(
        b["sample_m4"] - b["sample_var"] ** 2, 0.0) / b["n"]
    tol = K_SIGMA * math.sqrt(spread)
    return diff <= tol, diff, tol


def mean_vs_analytic(s, mu, s2):
    diff = abs(s["sample_mean"] - mu)
    tol = K_SIGMA * math.sqrt(s2 / s["n"])
    return diff <= tol, diff, tol


def var_vs_analytic(s, s2):
    diff = abs(s["sample_var"] - s2)
    tol = K_SIGMA * math.sqrt(max(s["sample_m4"] - s2 * s2, 0.0) / s["n"])
    return diff <= tol, diff, tol


def g(x):
    return f"{x:.6g}"


# ---------------------------------------------------------------------------------------------
# 1. Fans
# ---------------------------------------------------------------------------------------------

FAN_SHAPES = [(3, 5), (5, 3), (1, 1), (1, 7), (8, 4, 3, 3), (16, 1, 3, 3), (6, 4, 3, 3, 3), (4, 2, 5), (3, 7, 1),
              (64, 3, 7, 7), (10, 20, 2, 3, 4), (2, 2, 1, 1), (128, 64, 1, 1)]


def fans_requests(d):
    return [d.ask(f"plan kaiming_uniform {dims(s)}") for s in FAN_SHAPES]


def fans_checks(r, d):
    r.section("fans: torch.nn.init._calculate_fan_in_and_fan_out vs describe() (groups 1, out_in, not transposed)")
    for s in FAN_SHAPES:
        name = f"fans {dims(s)}"
        ans = d[f"plan kaiming_uniform {dims(s)}"]
        if driver_error(r, name, ans):
            continue
        fan_in, fan_out = torch_fans(s)
        # torch's 2-D view (orthogonal_): rows = size(0), cols = numel // rows.
        rows, cols = s[0], prod(s) // s[0]
        got = (ans["fan_in"], ans["fan_out"], ans["rows"], ans["cols"], tuple(ans["shape"]))
        want = (fan_in, fan_out, rows, cols, tuple(s))
        r.check(name, got == want,
                f"torch fan_in {fan_in} fan_out {fan_out} view {rows}x{cols}; "
                f"nninit fan_in {got[0]} fan_out {got[1]} view {got[2]}x{got[3]}")


# ---------------------------------------------------------------------------------------------
# 2. calculate_gain
# ---------------------------------------------------------------------------------------------

TORCH_NONLINEARITIES = ["linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
                        "conv_transpose3d", "sigmoid", "tanh", "relu", "leaky_relu", "selu"]
# (name, param text); the param reaches torch as the int or float Python would read from the text.
GAIN_PARAMS = [("leaky_relu", "0.01"), ("leaky_relu", "0"), ("leaky_relu", "0.2"), ("leaky_relu", num(math.sqrt(5))),
               ("leaky_relu", "-0.3"), ("leaky_relu", "1"), ("leaky_relu", "-1"), ("leaky_relu", "1e-08"),
               ("leaky_relu", "100"), ("relu", "0.2"), ("tanh", "0.5"), ("selu", "3"), ("linear", "-2")]
UNSUPPORTED = ["gelu", "Tanh", "ReLU", "silu"]


def python_number(text):
    return int(text) if text.lstrip("-").isdigit() else float(text)


def gain_requests(d):
    for n in TORCH_NONLINEARITIES + UNSUPPORTED:
        d.ask(f"gain {n}")
    for n, p in GAIN_PARAMS:
        d.ask(f"gain {n} {p}")


def gain_checks(r, d):
    r.section("calculate_gain: every nonlinearity of PyTorch's table, bit for bit")
    cases = [(n, None) for n in TORCH_NONLINEARITIES] + GAIN_PARAMS
    for n, p in cases:
        req = f"gain {n}" if p is None else f"gain {n} {p}"
        name = f"calculate_gain({n!r}" + ("" if p is None else f", {p}") + ")"
        ans = d[req]
        if driver_error(r, name, ans):
            continue
        want = init.calculate_gain(n) if p is None else init.calculate_gain(n, python_number(p))
        r.check(name, float(want) == ans["gain"], f"torch {float(want)!r}, nninit {ans['gain']!r}")
    for n in UNSUPPORTED:
        try:
            init.calculate_gain(n)
            torch_refuses = False
        except ValueError:
            torch_refuses = True
        ans = d[f"gain {n}"]
        r.check(f"calculate_gain({n!r}) is refused by both", torch_refuses and "error" in ans,
                f"torch {'ValueError' if torch_refuses else 'accepts'}, nninit "
                f"{ans.get('error', 'accepts: ' + repr(ans.get('gain')))}")


# ---------------------------------------------------------------------------------------------
# 3. std / bound formulas
# ---------------------------------------------------------------------------------------------

FORMULA_SHAPES = [(64, 32), (3, 5), (8, 4, 3, 3), (16, 1, 3, 3), (6, 4, 3, 3, 3)]
KAIMING_A = ["0", num(math.sqrt(5)), "0.2"]
KAIMING_MODES = ["fan_in", "fan_out"]
KAIMING_NONLINEARITIES = ["relu", "leaky_relu", "tanh", "linear", "selu"]
XAVIER_GAINS = ["1", "2.5", num(5.0 / 3), num(math.sqrt(2.0))]


def kaiming_req(scheme, s, a, mode, nl):
    return f"plan {scheme} {dims(s)} a={a} mode={mode} nonlinearity={nl}"


def formula_requests(d):
    for s in FORMULA_SHAPES:
        for a in KAIMING_A:
            for mode in KAIMING_MODES:
                for nl in KAIMING_NONLINEARITIES:
                    for scheme in ("kaiming_uniform", "kaiming_normal"):
                        d.ask(kaiming_req(scheme, s, a, mode, nl))
        for gain in XAVIER_GAINS:
            for scheme in ("xavier_uniform", "xavier_normal"):
                d.ask(f"plan {scheme} {dims(s)} gain={gain}")
        d.ask(f"plan torch_default {dims(s)}")


def same(x, y):
    return x is not None and y is not None and float(x) == float(y)


def formula_checks(r, d):
    r.section("kaiming_uniform_ / kaiming_normal_: gain, std and bound bit for bit")
    for s in FORMULA_SHAPES:
        for a_text in KAIMING_A:
            a = python_number(a_text)
            for mode in KAIMING_MODES:
                for nl in KAIMING_NONLINEARITIES:
                    gain, std, bound = torch_kaiming(s, a, mode, nl)
                    with Recorder() as rec:
                        init.kaiming_uniform_(torch.empty(s, dtype=F64), a=a, mode=mode, nonlinearity=nl)
                    lo_rec, hi_rec = rec.only("uniform")
                    with Recorder() as rec:
                        init.kaiming_normal_(torch.empty(s, dtype=F64), a=a, mode=mode, nonlinearity=nl)
                    mean_rec, std_rec = rec.only("normal")

                    u = d[kaiming_req("kaiming_uniform", s, a_text, mode, nl)]
                    name = f"kaiming_uniform {dims(s)} a={a_text} {mode} {nl}"
                    if not driver_error(r, name, u):
                        ok = (same(u["gain"], gain) and same(u["bound"], bound) and same(u["bound"], hi_rec)
                              and same(u["lo"], lo_rec) and same(u["hi"], hi_rec) and same(u["output_std"], std)
                              and bound == hi_rec)
                        r.check(name, ok, f"torch gain {gain!r} bound {hi_rec!r} (init.py arithmetic {bound!r}); "
                                          f"nninit gain {u['gain']!r} bound {u['bound']!r} lo {u['lo']!r} "
                                          f"hi {u['hi']!r} output_std {u['output_std']!r} vs std {std!r}")
                    n = d[kaiming_req("kaiming_normal", s, a_text, mode, nl)]
                    name = f"kaiming_normal  {dims(s)} a={a_text} {mode} {nl}"
                    if not driver_error(r, name, n):
                        ok = (same(n["gain"], gain) and same(n["std"], std) and same(n["std"], std_rec)
                              and same(n["mean"], mean_rec) and same(n["output_std"], std) and std == std_rec)
                        r.check(name, ok, f"torch mean {mean_rec!r} std {std_rec!r} (init.py arithmetic {std!r}); "
                                          f"nninit mean {n['mean']!r} std {n['std']!r} gain {n['gain']!r}")

    r.section("xavier_uniform_ / xavier_normal_: std and bound bit for bit")
    for s in FORMULA_SHAPES:
        for gain_text in XAVIER_GAINS:
            gain = python_number(gain_text)
            std, bound = torch_xavier(s, gain)
            with Recorder() as rec:
                init.xavier_uniform_(torch.empty(s, dtype=F64), gain=gain)
            lo_rec, hi_rec = rec.only("uniform")
            with Recorder() as rec:
                init.xavier_normal_(torch.empty(s, dtype=F64), gain=gain)
            mean_rec, std_rec = rec.only("normal")
            u = d[f"plan xavier_uniform {dims(s)} gain={gain_text}"]
            name = f"xavier_uniform {dims(s)} gain={gain_text}"
            if not driver_error(r, name, u):
                ok = (same(u["bound"], bound) and same(u["bound"], hi_rec) and same(u["lo"], lo_rec)
                      and same(u["hi"], hi_rec) and same(u["output_std"], std) and same(u["gain"], gain))
                r.check(name, ok, f"torch bound {hi_rec!r} (init.py arithmetic {bound!r}); nninit bound "
                                  f"{u['bound']!r} lo {u['lo']!r} hi {u['hi']!r} output_std {u['output_std']!r}")
            n = d[f"plan xavier_normal {dims(s)} gain={gain_text}"]
            name = f"xavier_normal  {dims(s)} gain={gain_text}"
            if not driver_error(r, name, n):
                ok = same(n["std"], std) and same(n["std"], std_rec) and same(n["mean"], mean_rec)
                r.check(name, ok, f"torch std {std_rec!r} (init.py arithmetic {std!r}); nninit std {n['std']!r}")

    r.section("torch_default: kaiming_uniform_(a=math.sqrt(5)) bound bit for bit")
    for s in FORMULA_SHAPES:
        gain, std, bound = torch_kaiming(s, math.sqrt(5), "fan_in", "leaky_relu")
        with Recorder() as rec:
            init.kaiming_uniform_(torch.empty(s, dtype=F64), a=math.sqrt(5))
        lo_rec, hi_rec = rec.only("uniform")
        p = d[f"plan torch_default {dims(s)}"]
        name = f"torch_default {dims(s)}"
        if not driver_error(r, name, p):
            ok = same(p["bound"], hi_rec) and same(p["lo"], lo_rec) and same(p["bound"], bound) and same(
                p["gain"], gain)
            r.check(name, ok, f"torch bound {hi_rec!r}, nninit bound {p['bound']!r} gain {p['gain']!r}")


# ---------------------------------------------------------------------------------------------
# 4. Exact tensors
# ---------------------------------------------------------------------------------------------

# (label, request, torch filler)
def exact_cases():
    cases = []
    for s in [(3, 5), (5, 3), (4, 4), (1, 6), (7, 1)]:
        cases.append((f"eye_ {s}", f"fill eye {dims(s)}", s, lambda t: init.eye_(t)))
    dirac = [((6, 4, 3, 3), 1, ""), ((6, 4, 3, 3), 2, ""), ((6, 4, 3, 3), 2, "@groups"), ((4, 2, 5), 1, ""),
             ((8, 4, 3, 3, 3), 4, ""), ((4, 4, 4), 1, ""), ((4, 4, 2, 4), 1, ""), ((3, 6, 4, 4), 1, ""),
             ((8, 2, 3, 3), 4, ""), ((2, 3, 2, 2, 2), 1, ""), ((6, 3, 5), 3, ""), ((12, 2, 3), 2, "")]
    for s, groups, how in dirac:
        if how == "@groups":
            req = f"fill dirac {dims(s)} @groups={groups}"
            label = f"dirac_ {s} groups={groups} (from the shape's groups)"
        else:
            req = f"fill dirac {dims(s)}" + (f" groups={groups}" if groups != 1 else "")
            label = f"dirac_ {s} groups={groups}"
        cases.append((label, req, s, lambda t, g=groups: init.dirac_(t, groups=g)))
    for s, val in [((3, 5), "0.3"), ((8, 4, 3, 3), "-1.5"), ((2, 3, 4), "0.001"), ((5,), "2.75"),
                   ((4, 4), num(1.0 / 3))]:
        cases.append((f"constant_ {s} val={val}", f"fill constant {dims(s)} val={val}", s,
                      lambda t, v=float(val): init.constant_(t, v)))
    for s in [(4, 6), (2, 3, 5)]:
        cases.append((f"ones_ {s}", f"fill ones {dims(s)}", s, lambda t: init.ones_(t)))
    for s in [(2, 3, 4), (5,), (3, 3, 1, 2)]:
        cases.append((f"zeros_ {s}", f"fill zeros {dims(s)}", s, lambda t: init.zeros_(t)))
    return cases


def unravel(i, shape):
    out = []
    for d in reversed(shape):
        out.append(i % d)
        i //= d
    return tuple(reversed(out))


def exact_requests(d):
    for _, req, _, _ in exact_cases():
        d.ask(req)


def exact_checks(r, d):
    r.section("eye_, dirac_, constant_, ones_, zeros_: element for element (C order)")
    for label, req, s, fill in exact_cases():
        ans = d[req]
        if driver_error(r, label, ans):
            continue
        t = torch.full(s, float("nan"), dtype=F64)
        fill(t)
        want = t.reshape(-1).tolist()
        got = ans["values"]
        if len(got) != len(want):
            r.check(label, False, f"torch has {len(want)} elements, nninit {len(got)}")
            continue
        bad = [i for i, (x, y) in enumerate(zip(want, got)) if not (y is not None and x == y)]
        if bad:
            i = bad[0]
            r.check(label, False, f"{len(bad)} of {len(want)} elements differ; first at {unravel(i, s)}: "
                                  f"torch {want[i]!r}, nninit {got[i]!r}; torch nonzeros at "
                                  f"{[unravel(j, s) for j, x in enumerate(want) if x != 0][:8]}, nninit at "
                                  f"{[unravel(j, s) for j, x in enumerate(got) if x != 0][:8]}")
        else:
            nonzero = sum(1 for x in want if x != 0)
            r.check(label, True, f"{len(want)} elements equal, {nonzero} non-zero")


# ---------------------------------------------------------------------------------------------
# 5. Moments of the random schemes
# ---------------------------------------------------------------------------------------------

DENSE = (256, 1024)  # n = 262144
CONV = (256, 128, 3, 3)  # n = 294912, view 256x1152, fan_in 1152, fan_out 2304


def moment_cases():
    """(label, nninit request, shape, torch draw, analytic mean, analytic variance, support) with
    support = (lo, hi, hi_excluded) or None; analytic values come from torch's formulas."""
    cases = []

    def add(label, scheme_and_options, shape, draw, mu, var, support):
        scheme, _, options = scheme_and_options.partition(" ")
        req = f"moments {scheme} {dims(shape)}" + (f" {options}" if options else "")
        cases.append((label, req, shape, draw, mu, var, support))

    for a, b in [(0.0, 1.0), (-0.3, 0.7), (-2.0, 5.0)]:
        add(f"uniform_(a={a}, b={b})", f"uniform a={num(a)} b={num(b)}", DENSE,
            lambda t, a=a, b=b: init.uniform_(t, a, b), (a + b) / 2, (b - a) ** 2 / 12, (a, b, True))
    for m, sd in [(0.0, 1.0), (0.5, 0.02), (-3.0, 2.0)]:
        add(f"normal_(mean={m}, std={sd})", f"normal mean={num(m)} std={num(sd)}", DENSE,
            lambda t, m=m, sd=sd: init.normal_(t, m, sd), m, sd * sd, None)
    for m, sd, a, b in [(0.0, 1.0, -2.0, 2.0), (0.0, 0.02, -2.0, 2.0), (0.5, 1.0, -1.0, 3.0), (0.0, 1.0, 0.5, 2.5),
                        (1.0, 0.5, -0.25, 1.5)]:
        mu, var = truncated_normal_moments(m, sd, a, b)
        add(f"trunc_normal_(mean={m}, std={sd}, a={a}, b={b})",
            f"trunc_normal mean={num(m)} std={num(sd)} a={num(a)} b={num(b)}", DENSE,
            lambda t, m=m, sd=sd, a=a, b=b: init.trunc_normal_(t, m, sd, a, b), mu, var, (a, b, False))
    # trunc_normal with the default bounds a = -2, b = 2 given implicitly (PyTorch's std = 0.02 trap).
    mu, var = truncated_normal_moments(0.0, 0.02, -2.0, 2.0)
    add("trunc_normal_(std=0.02) default bounds", "trunc_normal std=0.02", DENSE,
        lambda t: init.trunc_normal_(t, std=0.02), mu, var, (-2.0, 2.0, False))
    # JAX's std units read the same distribution as torch's absolute a = mean + a' std, b = mean + b' std.
    mu, var = truncated_normal_moments(0.0, 0.5, -1.0, 1.0)
    add("trunc_normal bounds=std_units a=-2 b=2 std=0.5 vs trunc_normal_(std=0.5, a=-1, b=1)",
        "trunc_normal std=0.5 a=-2 b=2 bounds=std_units", DENSE,
        lambda t: init.trunc_normal_(t, 0.0, 0.5, -1.0, 1.0), mu, var, (-1.0, 1.0, False))

    for shape, a_text, mode, nl in [(DENSE, "0", "fan_in", "leaky_relu"), (CONV, num(math.sqrt(5)), "fan_in", "leaky_relu"),
                                    (CONV, "0", "fan_out", "relu"), (DENSE, "0.2", "fan_out", "tanh")]:
        a = python_number(a_text)
        _, std, bound = torch_kaiming(shape, a, mode, nl)
        add(f"kaiming_uniform_ {dims(shape)} a={a_text} {mode} {nl}",
            f"kaiming_uniform a={a_text} mode={mode} nonlinearity={nl}", shape,
            lambda t, a=a, mode=mode, nl=nl: init.kaiming_uniform_(t, a=a, mode=mode, nonlinearity=nl),
            0.0, bound * bound / 3, (-bound, bound, True))
        add(f"kaiming_normal_ {dims(shape)} a={a_text} {mode} {nl}",
            f"kaiming_normal a={a_text} mode={mode} nonlinearity={nl}", shape,
            lambda t, a=a, mode=mode, nl=nl: init.kaiming_normal_(t, a=a, mode=mode, nonlinearity=nl),
            0.0, std * std, None)
    for shape, gain_text in [(DENSE, "1"), (CONV, "2.5")]:
        gain = python_number(gain_text)
        std, bound = torch_xavier(shape, gain)
        add(f"xavier_uniform_ {dims(shape)} gain={gain_text}", f"xavier_uniform gain={gain_text}", shape,
            lambda t, gain=gain: init.xavier_uniform_(t, gain=gain), 0.0, bound * bound / 3, (-bound, bound, True))
        add(f"xavier_normal_ {dims(shape)} gain={gain_text}", f"xavier_normal gain={gain_text}", shape,
            lambda t, gain=gain: init.xavier_normal_(t, gain=gain), 0.0, std * std, None)
    _, _, bound = torch_kaiming(DENSE, math.sqrt(5), "fan_in", "leaky_relu")
    add("torch_default 256x1024 vs nn.Linear(1024, 256).weight", "torch_default", DENSE,
        lambda t: t.copy_(torch.nn.Linear(DENSE[1], DENSE[0], dtype=F64).weight.detach()), 0.0, bound * bound / 3,
        (-bound, bound, True))
    return cases


def moment_requests(d):
    for _, req, *_ in moment_cases():
        d.ask(req)


def moment_checks(r, d):
    r.section("moments: nninit vs torch vs analytic (tolerance 6 sigma of the sample size; torch in float64)")
    start = time.time()
    for label, req, shape, draw, mu, var, support in moment_cases():
        ans = d[req]
        if driver_error(r, label, ans):
            continue
        torch.manual_seed(0)
        t = torch.empty(shape, dtype=F64)
        with torch.no_grad():
            draw(t)
        ts = torch_stats(t)
        ns = ans
        ok1, dm, tol_m = compare_means(ns, ts, var)
        ok2, dn, tol_n = mean_vs_analytic(ns, mu, var)
        ok3, dt, tol_t = mean_vs_analytic(ts, mu, var)
        r.check(f"{label}: means", ok1 and ok2 and ok3,
                f"analytic {g(mu)}, nninit {g(ns['sample_mean'])}, torch {g(ts['sample_mean'])}; "
                f"|nninit-torch| {g(dm)} <= {g(tol_m)}, |nninit-analytic| {g(dn)} <= {g(tol_n)}, "
                f"|torch-analytic| {g(dt)} <= {g(tol_t)}; n {ns['n']}")
        ok1, dv, tol_v = compare_vars(ns, ts)
        ok2, dn, tol_n = var_vs_analytic(ns, var)
        ok3, dt, tol_t = var_vs_analytic(ts, var)
        r.check(f"{label}: variances", ok1 and ok2 and ok3,
                f"analytic {g(var)}, nninit {g(ns['sample_var'])}, torch {g(ts['sample_var'])}; "
                f"|nninit-torch| {g(dv)} <= {g(tol_v)}, |nninit-analytic| {g(dn)} <= {g(tol_n)}, "
                f"|torch-analytic| {g(dt)} <= {g(tol_t)}")
        # The plan's own claim about the values it writes, against torch's analytic variance.
        out_std = ans.get("output_std")
        ok = out_std is not None and math.isclose(out_std, math.sqrt(var), rel_tol=1e-12)
        r.check(f"{label}: plan output_std", ok, f"plan {out_std!r}, analytic {math.sqrt(var)!r}")
        if support is not None:
            lo, hi, hi_excluded = support
            # nninit documents U[lo, hi) as never hi; torch's float64 uniform_ may round to hi in
            # principle, so torch is held to [lo, hi] only.
            n_ok = ns["sample_min"] >= lo and (ns["sample_max"] < hi if hi_excluded else ns["sample_max"] <= hi)
            t_ok = ts["sample_min"] >= lo and ts["sample_max"] <= hi
            plan_ok = same(ans.get("lo"), lo) and same(ans.get("hi"), hi)
            r.check(f"{label}: support [{g(lo)}, {g(hi)}{')' if hi_excluded else ']'}", n_ok and t_ok and plan_ok,
                    f"plan lo {ans.get('lo')!r} hi {ans.get('hi')!r}; nninit min {g(ns['sample_min'])} "
                    f"max {g(ns['sample_max'])}; torch min {g(ts['sample_min'])} max {g(ts['sample_max'])}")
    print(f"  (moments took {time.time() - start:.1f} s)")


# ---------------------------------------------------------------------------------------------
# 6. sparse
# ---------------------------------------------------------------------------------------------

# (rows, cols, sparsity text, std text); 0.55 * 100 = 55.00000000000001 rounds up to 56 in both.
SPARSE_CASES = [(400, 300, "0.3", "0.01"), (100, 40, "0.55", "0.05"), (10, 200, "0.7", "0.01"),
                (64, 50, "0.1", "1"), (33, 40, "0.5", "0.01"), (20, 10, "0", "0.01"), (7, 64, "0.99", "2")]


def sparse_requests(d):
    for rows, cols, sp, sd in SPARSE_CASES:
        d.ask(f"fill sparse {rows}x{cols} sparsity={sp} std={sd}")


def column_zeros(values, rows, cols):
    return [sum(1 for i in range(rows) if values[i * cols + c] == 0) for c in range(cols)]


def sparse_checks(r, d):
    r.section("sparse_: zeros per column exactly ceil(sparsity * rows); non-zero values N(0, std^2)")
    for rows, cols, sp, sd in SPARSE_CASES:
        label = f"sparse_ {rows}x{cols} sparsity={sp} std={sd}"
        ans = d[f"fill sparse {rows}x{cols} sparsity={sp} std={sd}"]
        if driver_error(r, label, ans):
            continue
        num_zeros = int(math.ceil(float(sp) * rows))  # torch's arithmetic
        torch.manual_seed(0)
        t = torch.empty(rows, cols, dtype=F64)
        init.sparse_(t, float(sp), float(sd))
        tv = t.reshape(-1).tolist()
        nv = ans["values"]
        nz, tz = column_zeros(nv, rows, cols), column_zeros(tv, rows, cols)
        r.check(f"{label}: zeros per column", ans["zeros_per_column"] == num_zeros and set(nz) == {num_zeros}
                and set(tz) == {num_zeros},
                f"torch ceil({sp}*{rows}) = {num_zeros}; plan {ans['zeros_per_column']}; nninit columns "
                f"{min(nz)}..{max(nz)}; torch columns {min(tz)}..{max(tz)}")
        if rows * cols - num_zeros * cols < 1000:
            continue  # too few non-zero values for a moment test
        std = float(sd)
        ns = torch_stats(torch.tensor([x for x in nv if x != 0], dtype=F64))
        ts = torch_stats(torch.tensor([x for x in tv if x != 0], dtype=F64))
        ok1, dm, tol_m = compare_means(ns, ts, std * std)
        ok2, dv, tol_v = compare_vars(ns, ts)
        ok3, dn, tol_n = var_vs_analytic(ns, std * std)
        ok4, dt, tol_t = var_vs_analytic(ts, std * std)
        r.check(f"{label}: non-zero moments", ok1 and ok2 and ok3 and ok4 and same(ans["std"], std),
                f"n {ns['n']}; means nninit {g(ns['sample_mean'])} torch {g(ts['sample_mean'])} (|d| {g(dm)} <= "
                f"{g(tol_m)}); variances analytic {g(std * std)} nninit {g(ns['sample_var'])} torch "
                f"{g(ts['sample_var'])} (|d| {g(dv)} <= {g(tol_v)}; vs analytic {g(dn)} <= {g(tol_n)}, "
                f"{g(dt)} <= {g(tol_t)})")


# ---------------------------------------------------------------------------------------------
# 7. orthogonal
# ---------------------------------------------------------------------------------------------

ORTHO_CASES = [((64, 128), "2"), ((128, 64), "2"), ((32, 16, 3, 3), "2"), ((100, 100), "2"), ((50, 50, 1), "0.5")]
ORTHO_TOL = 1e-10  # on |W W^T - gain^2 I| / gain^2; double QR reaches ~1e-14 at these sizes


def ortho_requests(d):
    for s, gain in ORTHO_CASES:
        d.ask(f"fill orthogonal {dims(s)} gain={gain}")


def gram_error(w, gain):
    rows, cols = w.shape
    gram = w @ w.T if rows <= cols else w.T @ w
    eye = torch.eye(gram.shape[0], dtype=F64) * gain * gain
    return ((gram - eye).abs().max() / (gain * gain)).item()


def ortho_checks(r, d):
    r.section("orthogonal_: W W^T = gain^2 I (W^T W for tall views), Haar sign fix")
    for s, gain_text in ORTHO_CASES:
        gain = float(gain_text)
        label = f"orthogonal_ {s} gain={gain_text}"
        ans = d[f"fill orthogonal {dims(s)} gain={gain_text}"]
        if driver_error(r, label, ans):
            continue
        rows, cols = s[0], prod(s) // s[0]
        w_n = torch.tensor(ans["values"], dtype=F64).reshape(rows, cols)
        torch.manual_seed(0)
        t = torch.empty(s, dtype=F64)
        init.orthogonal_(t, gain=gain)
        w_t = t.reshape(rows, cols)
        e_n, e_t = gram_error(w_n, gain), gram_error(w_t, gain)
        r.check(f"{label}: {'W W^T' if rows <= cols else 'W^T W'} = gain^2 I",
                e_n <= ORTHO_TOL and e_t <= ORTHO_TOL and ans["rows"] == rows and ans["cols"] == cols
                and same(ans["value"], gain),
                f"view {rows}x{cols} (nninit {ans['rows']}x{ans['cols']}); max relative deviation nninit "
                f"{e_n:.3g}, torch {e_t:.3g} (<= {ORTHO_TOL:g})")
        if rows == cols:
            # The trace of a Haar-distributed orthogonal matrix is asymptotically N(0, 1)
            # (Diaconis & Shahshahani 1994), so |tr(W)/gain| <= 6. Without Mezzadri's sign fix
            # Householder QR gives Q_jj < 0 mostly and tr ~ -2 sqrt(2n/pi) (about -16 for n = 100).
            tr_n, tr_t = (w_n.trace() / gain).item(), (w_t.trace() / gain).item()
            r.check(f"{label}: Haar trace test", abs(tr_n) <= K_SIGMA and abs(tr_t) <= K_SIGMA,
                    f"tr(W)/gain nninit {tr_n:.3f}, torch {tr_t:.3f} (|.| <= {K_SIGMA:g})")


# ---------------------------------------------------------------------------------------------
# 8. Module defaults
# ---------------------------------------------------------------------------------------------

# (label, constructor, nninit shape settings that torch_default must ignore)
MODULES = [
    ("nn.Linear(20, 30)", lambda: torch.nn.Linear(20, 30, dtype=F64), ""),
    ("nn.Linear(784, 256)", lambda: torch.nn.Linear(784, 256, dtype=F64), ""),
    ("nn.Linear(1000, 10)", lambda: torch.nn.Linear(1000, 10, dtype=F64), ""),
    ("nn.Linear(3, 1)", lambda: torch.nn.Linear(3, 1, dtype=F64), ""),
    ("nn.Linear(1, 5)", lambda: torch.nn.Linear(1, 5, dtype=F64), ""),
    ("nn.Linear(1024, 4096)", lambda: torch.nn.Linear(1024, 4096, dtype=F64), ""),
    ("nn.Conv2d(3, 16, 3)", lambda: torch.nn.Conv2d(3, 16, 3, dtype=F64), ""),
    ("nn.Conv2d(3, 64, 7)", lambda: torch.nn.Conv2d(3, 64, 7, dtype=F64), ""),
    ("nn.Conv2d(8, 16, 5, groups=2)", lambda: torch.nn.Conv2d(8, 16, 5, groups=2, dtype=F64), "@groups=2"),
    ("nn.Conv2d(16, 16, 3, groups=16)", lambda: torch.nn.Conv2d(16, 16, 3, groups=16, dtype=F64), "@groups=16"),
    ("nn.Conv2d(64, 128, (3, 1))", lambda: torch.nn.Conv2d(64, 128, (3, 1), dtype=F64), ""),
    ("nn.Conv1d(4, 6, 5)", lambda: torch.nn.Conv1d(4, 6, 5, dtype=F64), ""),
    ("nn.Conv3d(2, 4, 3)", lambda: torch.nn.Conv3d(2, 4, 3, dtype=F64), ""),
    ("nn.ConvTranspose2d(8, 6, 3, groups=2)", lambda: torch.nn.ConvTranspose2d(8, 6, 3, groups=2, dtype=F64),
     "@groups=2 @transposed=true"),
]


def module_weight_shape(make):
    torch.manual_seed(0)
    m = make()
    return tuple(m.weight.shape), m.bias.shape[0]


def module_requests(d):
    for _, make, extra in MODULES:
        s, out = module_weight_shape(make)
        d.ask(f"plan torch_default {dims(s)}")
        if extra:
            d.ask(f"plan torch_default {dims(s)} {extra}")
        d.ask(f"bias {dims(s)} {out}")


def module_checks(r, d):
    r.section("nn.Linear / nn.Conv* reset_parameters vs torch_default (float64 modules)")
    for label, make, extra in MODULES:
        torch.manual_seed(0)
        with Recorder() as rec:
            m = make()
        w, b = m.weight.detach(), m.bias.detach()
        s, out = tuple(w.shape), b.shape[0]
        calls = {c[1]: c[2] for c in rec.calls if c[0] == "uniform"}
        w_lo, w_hi = calls[s]
        b_lo, b_hi = calls[(out,)]
        fan_in, _ = torch_fans(s)
        p = d[f"plan torch_default {dims(s)}"]
        if driver_error(r, label, p):
            continue
        r.check(f"{label}: weight bound == plan bound", same(p["bound"], w_hi) and same(p["lo"], w_lo)
                and p["fan_in"] == fan_in,
                f"weight {dims(s)}, fan_in torch {fan_in} nninit {p['fan_in']}; torch U({w_lo!r}, {w_hi!r}), "
                f"plan bound {p['bound']!r}")
        # The bias bound is computed by reset_parameters as 1 / math.sqrt(fan_in), the weight's by
        # kaiming_uniform_ as sqrt(3) * sqrt(2 / (1 + 5)) / sqrt(fan_in): equal in real numbers,
        # a few ulp apart in doubles (1 ulp for fan_in 20: 0.22360679774997894 vs ...896).
        ulps = ulp_distance(p["bound"], b_hi)
        r.check(f"{label}: bias bound 1/sqrt(fan_in) vs plan bound", b_hi == 1 / math.sqrt(fan_in) and b_lo == -b_hi
                and ulps <= 4,
                f"torch bias U({b_lo!r}, {b_hi!r}), plan bound {p['bound']!r}: "
                + ("bit-equal" if ulps == 0 else f"{ulps} ulp apart (weight and bias bounds differ in torch too)"))
        r.check(f"{label}: torch's sampled values inside the plan bound",
                w.min().item() >= -p["bound"] and w.max().item() < p["bound"] and b.min().item() >= b_lo
                and b.max().item() <= b_hi,
                f"weight [{g(w.min().item())}, {g(w.max().item())}] in [-{g(p['bound'])}, {g(p['bound'])}); "
                f"bias [{g(b.min().item())}, {g(b.max().item())}]")
        nb = d[f"bias {dims(s)} {out}"]
        if not driver_error(r, f"{label}: nninit torch_default_bias", nb):
            r.check(f"{label}: nninit torch_default_bias inside torch's bias bound",
                    nb["n"] == out and nb["sample_min"] >= b_lo and nb["sample_max"] < b_hi,
                    f"{nb['n']} values in [{g(nb['sample_min'])}, {g(nb['sample_max'])}], torch bound {b_hi!r}")
        if extra:
            v = d[f"plan torch_default {dims(s)} {extra}"]
            if not driver_error(r, f"{label}: {extra}", v):
                r.check(f"{label}: torch_default ignores {extra}", same(v["bound"], w_hi) and v["fan_in"] == fan_in,
                        f"plan with {extra}: bound {v['bound']!r} fan_in {v['fan_in']}")


# ---------------------------------------------------------------------------------------------


def main(argv):
    args = [a for a in argv[1:] if not a.startswith("--")]
    quiet = "--quiet" in argv
    if len(args) != 1:
        print(__doc__.strip().splitlines()[2])
        return 2
    start = time.time()
    torch.set_num_threads(2)
    print(f"torch_parity: torch {torch.__version__} from {torch.__file__}, python {sys.version.split()[0]}, "
          f"driver {args[0]}")

    d = Driver(args[0])
    sections = [(fans_requests, fans_checks), (gain_requests, gain_checks), (formula_requests, formula_checks),
                (exact_requests, exact_checks), (moment_requests, moment_checks), (sparse_requests, sparse_checks),
                (ortho_requests, ortho_checks), (module_requests, module_checks)]
    for ask, _ in sections:
        ask(d)
    try:
        d.run()
    except (OSError, RuntimeError, subprocess.TimeoutExpired, json.JSONDecodeError) as exc:
        print(f"torch_parity: FAILED: the driver did not answer: {exc}")
        return 1
    print(f"torch_parity: driver answered {len(d.requests)} requests in {time.time() - start:.1f} s")

    r = Report(quiet)
    for _, checks in sections:
        checks(r, d)

    total = r.passed + len(r.failures)
    print(f"\ntorch_parity: {total} checks, {r.passed} passed, {len(r.failures)} failed "
          f"({time.time() - start:.1f} s)")
    for f in r.failures:
        print(f"  FAILED {f}")
    return 0 if not r.failures else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
