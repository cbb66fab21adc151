"""``python -m benchmarks`` (also ``layerwise bench``): layerwise against PyTorch and
scikit-learn, measured in one run on this machine.

Run without options for the full run (a few minutes), or with ``--quick`` for a smoke run at
tiny sizes. The tables go to standard output (Markdown), progress to standard error;
``--json PATH`` keeps every measurement.

``OPENBLAS_CORETYPE`` and ``OPENBLAS_L2_SIZE`` force OpenBLAS onto another kernel or cache size
than it would choose for this CPU (on this machine they make NumPy's products slower). Unless
``--keep-blas-env`` is given, the harness re-executes itself once without them; they are
removed for the benchmark process only, and the result records what was removed and which
kernel NumPy's OpenBLAS then uses.
"""
from __future__ import annotations

import argparse
import json
import os
import sys

from .machine import BLAS_OVERRIDES

_CHILD = "LAYERWISE_BENCH_REMOVED"


def parse_args(argv, prog="python -m benchmarks"):
    from .contenders import NAMES
    from .harness import GROUPS

    p = argparse.ArgumentParser(prog=prog, description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true",
                   help="tiny sizes and one short block per contender: a smoke run in seconds")
    p.add_argument("--only", nargs="+", choices=GROUPS, default=list(GROUPS), metavar="GROUP",
                   help=f"run only these groups (of: {', '.join(GROUPS)})")
    p.add_argument("--contenders", nargs="+", choices=NAMES, default=list(NAMES),
                   metavar="NAME", help=f"compare only these (of: {', '.join(NAMES)})")
    p.add_argument("--repeats", type=int, default=None,
                   help="interleaved blocks per contender (default 5; 1 with --quick)")
    p.add_argument("--json", metavar="PATH", help="write every measurement here as JSON")
    p.add_argument("--markdown", metavar="PATH", help="write the tables here as well")
    p.add_argument("--keep-blas-env", action="store_true",
                   help=f"run with {' and '.join(BLAS_OVERRIDES)} as they are set")
    args = p.parse_args(argv)
    if args.repeats is not None and args.repeats < 1:
        p.error(f"--repeats must be a positive integer, got {args.repeats}")
    return args


def _reexec_without_blas_overrides(argv, module="benchmarks"):
    """Replace this process by ``python -m MODULE ARGV`` without the OpenBLAS overrides."""
    removed = {k: os.environ[k] for k in BLAS_OVERRIDES if k in os.environ}
    if not removed or _CHILD in os.environ:
        return
    env = {k: v for k, v in os.environ.items() if k not in BLAS_OVERRIDES}
    env[_CHILD] = json.dumps(removed)
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(sys.executable, [sys.executable, "-m", module, *argv], env)


def main(argv=None, prog="python -m benchmarks") -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parse_args(argv, prog)
    if not args.keep_blas_env:
        _reexec_without_blas_overrides(argv)
    removed = json.loads(os.environ.get(_CHILD, "{}"))

    from .harness import run
    from .report import markdown

    result = run(groups=args.only, names=args.contenders, quick=args.quick,
                 repeats=args.repeats, removed_overrides=removed)
    text = markdown(result)
    print(text)
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(text + "\n")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
