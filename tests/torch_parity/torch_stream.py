#!/usr/bin/python3
"""Bit parity of nninit::torch_generator with PyTorch's CPU generator (written against 1.13).

usage: torch_stream.py PARITY_DRIVER [NNINIT_CLI]

For each seed, runs one long sequence of fills twice, once in PyTorch after torch.manual_seed(seed)
and once through parity_driver's `torch` requests on one nninit::torch_generator(seed), and
compares the bytes of every tensor. The sequence crosses PyTorch's paths: uniform_ (float32:
24 bits of one draw; float64: 53 bits of two), normal_ below 16 elements (the scalar Box-Muller
in double, whose second value waits in the generator for the next call, even across tensors)
and from 16 on (blocks of 16, AVX2 log/sincos, the last block redrawn), the init functions that
call them (kaiming_*, xavier_*), nn.Linear / nn.Conv2d construction (weight then bias), eye_
(which draws nothing), in float32 and float64, into row- and column-major targets. With the
nninit CLI, `nninit fill ... --engine torch` must write PyTorch's bytes too.

Exit status: 0 every tensor is bit-identical, 1 some differs, 77 torch is missing.
"""

import json
import math
import os
import subprocess
import sys
import tempfile

try:
    import numpy
    import torch
    from torch import nn
    from torch.nn import init
except Exception as exc:  # ImportError, or a broken install failing while importing
    print(f"torch_stream: SKIPPED: 'import torch' failed under {sys.executable}: {exc}")
    sys.exit(77)

SQRT5 = math.sqrt(5)
SEEDS = [0, 5, 2**32 + 11]  # the last: torch.manual_seed keeps the low 32 bits
# Element counts below, at and above 16 (PyTorch's vectorised normal_ threshold), multiples of
# 16 and not, 1-D, 2-D and conv shapes.
SHAPES = [(1,), (5,), (1, 1), (3, 5), (4, 4), (1, 17), (2, 9), (8, 8), (33, 7), (64, 128),
          (3, 4, 3, 3), (16, 8, 5, 5), (257, 129)]

# (driver scheme and options, what PyTorch runs on the tensor, needs >= 2-D)
FILLS = [
    ("uniform a=-0.5 b=2", lambda t: t.uniform_(-0.5, 2), False),
    ("normal mean=0.1 std=2", lambda t: t.normal_(0.1, 2), False),
    ("uniform", lambda t: t.uniform_(), False),
    ("normal", lambda t: t.normal_(), False),
    ("kaiming_uniform", lambda t: init.kaiming_uniform_(t), True),
    (f"kaiming_uniform a={SQRT5!r}", lambda t: init.kaiming_uniform_(t, a=SQRT5), True),
    ("kaiming_normal mode=fan_out nonlinearity=relu",
     lambda t: init.kaiming_normal_(t, mode="fan_out", nonlinearity="relu"), True),
    ("kaiming_normal a=0.2", lambda t: init.kaiming_normal_(t, a=0.2), True),
    ("xavier_uniform gain=1.3", lambda t: init.xavier_uniform_(t, gain=1.3), True),
    ("xavier_normal gain=0.7", lambda t: init.xavier_normal_(t, gain=0.7), True),
    ("eye", lambda t: init.eye_(t), True),
    ("torch_default", lambda t: init.kaiming_uniform_(t, a=SQRT5), True),
]


def sequence():
    """[(driver request, torch function returning the tensors' bytes)] for one seed."""
    steps = []
    for shape in SHAPES:
        dims = "x".join(map(str, shape))
        for i, (scheme, fn, needs_2d) in enumerate(FILLS):
            if needs_2d and len(shape) < 2 or scheme == "eye" and len(shape) != 2:
                continue
            dtype = "f64" if i % 3 == 2 else "f32"
            storage = " @storage=col" if i % 4 == 1 else ""
            tdtype = torch.float64 if dtype == "f64" else torch.float32

            def run(shape=shape, fn=fn, tdtype=tdtype):
                t = torch.empty(shape, dtype=tdtype)
                fn(t)
                return [t.numpy().tobytes()]

            name, *options = scheme.split()
            steps.append((" ".join(["torch", dtype, name, dims, *options]) + storage, run))
        if len(shape) in (2, 4):
            def module(shape=shape):
                m = nn.Linear(shape[1], shape[0]) if len(shape) == 2 else nn.Conv2d(shape[1], shape[0], shape[2:])
                return [m.weight.detach().numpy().tobytes(), m.bias.detach().numpy().tobytes()]

            steps.append((f"torch_module {dims}", module))
    return steps


def driver_answers(driver, requests):
    proc = subprocess.run([driver, "-"], input="\n".join(requests) + "\n", capture_output=True, text=True,
                          timeout=240)
    if proc.returncode != 0:
        sys.exit(f"torch_stream: parity_driver failed ({proc.returncode}): {proc.stderr}")
    return [json.loads(line) for line in proc.stdout.splitlines()]


def describe_difference(name, ours, theirs, dtype):
    a = numpy.frombuffer(bytes.fromhex(ours), dtype=dtype)
    b = numpy.frombuffer(theirs, dtype=dtype)
    if a.size != b.size:
        return f"{name}: {a.size} values, PyTorch has {b.size}"
    diff = numpy.nonzero(a.view(numpy.uint8).reshape(a.size, -1) != b.view(numpy.uint8).reshape(b.size, -1))[0]
    diff = numpy.unique(diff)
    first = int(diff[0]) if diff.size else -1
    return f"{name}: {diff.size} of {a.size} values differ, first at {first}: {a[first]!r} vs PyTorch {b[first]!r}"


def check_driver(driver):
    failures, compared = [], 0
    for seed in SEEDS:
        steps = sequence()
        requests = [f"torch_seed {seed}"] + [r for r, _ in steps]
        answers = driver_answers(driver, requests)
        torch.manual_seed(seed)
        for (request, run), answer in zip(steps, answers[1:]):
            if "error" in answer:
                failures.append(f"seed {seed}, {request}: {answer['error']}")
                continue
            expected = run()
            ours = [answer["hex"]] + ([answer["bias_hex"]] if "bias_hex" in answer else [])
            dtype = numpy.float64 if request.startswith("torch f64") else numpy.float32
            for name, mine, theirs in zip(["values", "bias"], ours, expected):
                compared += len(theirs) // numpy.dtype(dtype).itemsize
                if bytes.fromhex(mine) != theirs:
                    failures.append(f"seed {seed}, {request}: " + describe_difference(name, mine, theirs, dtype))
        print(f"seed {seed}: {len(steps)} tensors compared", flush=True)
    return failures, compared


def check_cli(cli):
    """`nninit fill --engine torch` writes PyTorch's bytes (the .npy's data after its header)."""
    cases = [
        (["kaiming_uniform", "--shape", "64,3,3,3"], lambda t: init.kaiming_uniform_(t), (64, 3, 3, 3), "float32"),
        (["kaiming_normal", "--shape", "300,200", "--set", "mode=fan_out"],
         lambda t: init.kaiming_normal_(t, mode="fan_out"), (300, 200), "float32"),
        (["xavier_uniform", "--shape", "10,7"], lambda t: init.xavier_uniform_(t), (10, 7), "float64"),
        (["normal", "--shape", "7", "--set", "std=0.02"], lambda t: t.normal_(0, 0.02), (7,), "float32"),
    ]
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        for i, (args, fn, shape, dtype) in enumerate(cases):
            out = os.path.join(tmp, f"{i}.npy")
            cmd = [cli, "fill", *args, "--engine", "torch", "--seed", "1234", "--dtype", dtype, "--out", out]
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
            if proc.returncode != 0:
                failures.append(f"{' '.join(cmd)}: exit {proc.returncode}: {proc.stderr.strip()}")
                continue
            torch.manual_seed(1234)
            t = torch.empty(shape, dtype=torch.float64 if dtype == "float64" else torch.float32)
            fn(t)
            ours = numpy.load(out)
            if ours.shape != shape or ours.tobytes() != t.numpy().tobytes():
                failures.append(f"{' '.join(args)} --dtype {dtype}: the .npy differs from PyTorch's tensor")
    print(f"cli: {len(cases)} files compared", flush=True)
    return failures


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    capability = [line.strip() for line in torch.__config__.show().splitlines() if "CPU capability" in line]
    print(f"torch {torch.__version__}; {capability[0] if capability else 'CPU capability unknown'}")
    failures, compared = check_driver(sys.argv[1])
    if len(sys.argv) == 3:
        failures += check_cli(sys.argv[2])
    for f in failures:
        print("FAIL", f)
    print(f"torch_stream: {compared} values compared, {len(failures)} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
