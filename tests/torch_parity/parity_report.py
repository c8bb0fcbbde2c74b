"""What the parity scripts share: counting checks and printing them.

Imported by torch_parity.py and harness_parity.py, which sit beside it (Python puts a script's
own directory first on sys.path).
"""


class Report:
    """Counts checks; prints the failures, and with quiet=False the passes too."""

    def __init__(self, quiet=False):
        self.quiet = quiet
        self.passed = 0
        self.failures = []

    def section(self, title):
        print(f"\n== {title}", flush=True)

    def check(self, name, ok, detail=""):
        ok = bool(ok)
        if ok:
            self.passed += 1
        else:
            self.failures.append(f"{name}: {detail}")
        if not ok or not self.quiet:
            print(f"  {'PASS' if ok else 'FAIL'}  {name}" + (f"  [{detail}]" if detail else ""), flush=True)
        return ok
