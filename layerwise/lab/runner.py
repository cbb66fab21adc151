"""Run the lab: the selected experiments' tasks, on all cores or on a Dask cluster; then the report.

``layerwise lab [--quick] [--only NAME ...] [--out DIR] [--jobs N] [--scheduler ADDRESS]
[--seed S] [--cifar10 PATH]``

1. Each experiment module (see :mod:`layerwise.lab.core`) lists its tasks.
2. All tasks of all experiments go to one pool: joblib's process pool on this machine
   (``--jobs N``, all cores by default), or a Dask distributed cluster with
   ``--scheduler tcp://HOST:PORT``. Progress is shown while they run.
3. Results are put back in task order and each experiment summarizes its own into figures,
   a table and verdicts.
4. ``DIR/index.html``, ``DIR/results.json`` and the figures are written, and a summary table is
   printed. An experiment that fails to import, plan, run or summarize is reported as failed in
   the page and in ``results.json``; the others still run, and the exit status is 1.

The same seed gives the same numbers on joblib, on Dask and in a single process: every task
draws only from the seed it is given. (Measurements of round-off itself, errors near 1e-16, can
differ in their last digit: OpenBLAS's summation order for a large product may depend on the
state of its thread pool.)
"""
from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import os
import platform
import shutil
import sys
import threading
import time
import traceback
import uuid
from pathlib import Path

from ..io.atomic import atomic_write
from . import core
from .experiments import MODULES, load

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


# -- one task, wherever it runs ----------------------------------------------------------------
def _jsonable(obj):
    """NumPy scalars and arrays as plain Python, for ``json.dumps(default=...)``."""
    if hasattr(obj, "tolist"):
        return obj.tolist()
    if hasattr(obj, "item"):
        return obj.item()
    raise TypeError(f"task results must be JSON-able, got {type(obj).__name__}: {obj!r:.80}")


_LIMIT_LOCK = threading.Lock()
_LIMIT_STATE = {"depth": 0, "limiter": None}


@contextlib.contextmanager
def one_blas_thread():
    """Within this context BLAS uses one thread; the previous setting is restored after.

    Counted, so that tasks running at once in several threads (a Dask worker's) share one
    limit, and the last one out restores the original setting. Without threadpoolctl it does
    nothing (only speed is lost).
    """
    with _LIMIT_LOCK:
        if _LIMIT_STATE["depth"] == 0:
            try:
                from threadpoolctl import threadpool_limits

                from ..engine import compiled

                # the limit holds for the BLAS libraries loaded when it is set: the compiled
                # path's (SciPy's, which numba calls) is loaded first, or it keeps every thread
                compiled.available()
                _LIMIT_STATE["limiter"] = threadpool_limits(1, user_api="blas")
            except ImportError:  # pragma: no cover
                _LIMIT_STATE["limiter"] = None
        _LIMIT_STATE["depth"] += 1
    try:
        yield
    finally:
        with _LIMIT_LOCK:
            _LIMIT_STATE["depth"] -= 1
            if _LIMIT_STATE["depth"] == 0 and _LIMIT_STATE["limiter"] is not None:
                _LIMIT_STATE["limiter"].restore_original_limits()
                _LIMIT_STATE["limiter"] = None


def run_one(module_name, kwargs, one_thread=False):
    """Run one task of one experiment; never raises.

    The lab's parallelism is across tasks, and its matrices are small: a BLAS that spreads a
    100x100 product over several threads is several times slower on a busy machine. joblib's
    workers already get one thread each; ``one_thread=True`` (used in this process and on Dask
    workers) runs the task inside :func:`one_blas_thread`.

    Returns ``{"ok": True, "result": ..., "seconds": s}`` or ``{"ok": False, "error": traceback,
    "seconds": s}``. The result goes through JSON once so that every backend hands back the same
    plain values.
    """
    start = time.perf_counter()
    try:
        with one_blas_thread() if one_thread else contextlib.nullcontext():
            result = load(module_name).run_task(**kwargs)
        result = json.loads(json.dumps(result, default=_jsonable))
        return {"ok": True, "result": result, "seconds": time.perf_counter() - start}
    except Exception:  # noqa: BLE001 - a failing task is reported, never fatal to the run
        return {"ok": False, "error": traceback.format_exc(),
                "seconds": time.perf_counter() - start}


def _indexed(index, module_name, kwargs):
    return index, run_one(module_name, kwargs)


# -- progress --------------------------------------------------------------------------------------
class Progress:
    """A tqdm bar on a terminal; plain lines (one per finished task) anywhere else."""

    def __init__(self, total, stream=None, enabled=True):
        self.total, self.done, self.enabled = total, 0, enabled
        self.stream = stream or sys.stderr
        self.bar = None
        if enabled and getattr(self.stream, "isatty", lambda: False)():
            try:
                from tqdm import tqdm

                self.bar = tqdm(total=total, unit="task", file=self.stream, desc="lab")
            except ImportError:
                self.bar = None

    def update(self, name, outcome):
        self.done += 1
        if not self.enabled:
            return
        if self.bar is not None:
            self.bar.set_postfix_str(name, refresh=False)
            self.bar.update(1)
            return
        status = "ok" if outcome["ok"] else "FAILED"
        print(f"[{self.done:>{len(str(self.total))}}/{self.total}] {name:<22} {status} "
              f"({outcome['seconds']:.1f} s)", file=self.stream, flush=True)

    def close(self):
        if self.bar is not None:
            self.bar.close()


# -- backends -------------------------------------------------------------------------------------
def _run_local(plan, progress):
    return [_step(progress, name, run_one(name, kw, True)) for name, kw in plan]


def _step(progress, name, outcome):
    progress.update(name, outcome)
    return outcome


def _run_joblib(plan, jobs, progress):
    try:
        from joblib import Parallel, delayed
    except ImportError:
        print("joblib is not installed (pip install 'layerwise[dist]'); running the tasks one "
              "after another in this process", file=sys.stderr)
        return _run_local(plan, progress)
    outcomes = [None] * len(plan)
    # one task per dispatch, all queued at once: tasks differ in length by 100x, and the pool
    # stays busy only if a free worker can take the next one straight away
    parallel = Parallel(n_jobs=jobs, batch_size=1, pre_dispatch="all",
                        return_as="generator_unordered")
    for index, outcome in parallel(delayed(_indexed)(i, name, kw)
                                   for i, (name, kw) in enumerate(plan)):
        outcomes[index] = _step(progress, plan[index][0], outcome)
    return outcomes


def _run_dask(plan, address, progress):
    try:
        from distributed import Client, as_completed
    except ImportError:
        raise ImportError("running on a Dask cluster needs dask distributed: "
                          "pip install 'layerwise[dist]'") from None
    run_id = uuid.uuid4().hex[:8]
    outcomes = [None] * len(plan)
    with Client(address, timeout="30s", set_as_default=False) as client:
        futures = {client.submit(run_one, name, kw, True,
                                 key=f"layerwise-lab-{run_id}-{i}-{name}", pure=False): i
                   for i, (name, kw) in enumerate(plan)}
        for fut in as_completed(list(futures), loop=client.loop):
            i = futures[fut]
            try:
                outcome = fut.result()
            except Exception:  # noqa: BLE001 - a lost worker or an unpicklable result
                outcome = {"ok": False, "error": traceback.format_exc(), "seconds": 0.0}
            outcomes[i] = _step(progress, plan[i][0], outcome)
    return outcomes


def execute(plan, jobs=None, scheduler=None, show_progress=True):
    """Run ``plan = [(module name, kwargs), ...]``; return the outcomes in plan order."""
    progress = Progress(len(plan), enabled=show_progress)
    try:
        if scheduler:
            return _run_dask(plan, scheduler, progress)
        n = jobs if jobs is not None else -1
        if n == 1 or len(plan) <= 1:
            return _run_local(plan, progress)
        return _run_joblib(plan, n, progress)
    finally:
        progress.close()


# -- selection ----------------------------------------------------------------------------------
def _names_of(module_name):
    """Names that select a module with ``--only``: ``e01_neuron``, ``e01``, ``neuron``, its ID."""
    prefix, _, rest = module_name.partition("_")
    names = {module_name, prefix, rest}
    try:
        names.add(str(load(module_name).ID))
    except Exception:  # noqa: BLE001 - a broken module is still selectable by file name
        pass
    return {n.lower() for n in names if n}


def select(only):
    """The module names ``--only`` picks (all of them, in the seed's order, when empty)."""
    if not only:
        return list(MODULES)
    index = {m: _names_of(m) for m in MODULES}
    unknown = [n for n in only if not any(n.lower() in names for names in index.values())]
    if unknown:
        valid = ", ".join(f"{m.partition('_')[0]} ({m})" for m in MODULES)
        raise ValueError(f"unknown experiment {', '.join(map(repr, unknown))}; expected one of: "
                         f"{valid}")
    return [m for m in MODULES if any(n.lower() in index[m] for n in only)]


# -- the run ------------------------------------------------------------------------------------
def _first_line(text):
    lines = [ln for ln in str(text).strip().splitlines() if ln.strip()]
    return lines[-1] if lines else str(text)


def _failed_section(name, stage, error, module=None):
    return {"id": getattr(module, "ID", name), "module": name, "status": "failed",
            "title": getattr(module, "TITLE", name), "seed_ref": getattr(module, "SEED_REF", ""),
            "claim": getattr(module, "CLAIM", ""), "stage": stage,
            "error": _first_line(error), "traceback": error, "claims": [], "figures": []}


def _source_of(module):
    """The experiment's source file, relative to the folder above the package
    (``layerwise/lab/experiments/e08_dying_relu.py``)."""
    path = Path(module.__file__).resolve()
    root = Path(__file__).resolve().parents[2]
    try:
        return path.relative_to(root).as_posix()
    except ValueError:  # pragma: no cover - a module loaded from elsewhere
        return path.as_posix()


def _git_commit():
    import subprocess

    root = Path(__file__).resolve().parents[2]
    try:
        head = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True,
                              text=True, timeout=10)
        dirty = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--",
                                "layerwise"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    if head.returncode != 0:
        return None
    return head.stdout.strip() + (" (with uncommitted changes)" if dirty.stdout.strip() else "")


def _cpu():
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def environment():
    """What produced a report: git commit, library versions, CPU."""
    import numpy

    from .. import __version__

    versions = {"layerwise": __version__, "python": platform.python_version(),
                "numpy": numpy.__version__}
    for mod in ("matplotlib", "joblib", "threadpoolctl"):
        try:
            versions[mod] = importlib.import_module(mod).__version__
        except ImportError:
            pass
    return {"git_commit": _git_commit(), "versions": versions, "cpu": _cpu(),
            "layerwise": __version__, "python": versions["python"], "numpy": numpy.__version__,
            "machine": f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores"}


def run_lab(names, out, quick=False, seed=0, jobs=None, scheduler=None, cifar10=None,
            show_progress=True, command=None):
    """Run the experiments ``names`` and write the report into ``out``.

    Returns the ``results.json`` content as a dict.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    started = time.time()
    t0 = time.perf_counter()
    planned, failed = {}, {}
    for name in names:
        module = None
        try:
            module = load(name)
            tasks = core.call_tasks(module, quick, seed, cifar10=cifar10)
            bad = [t for t in tasks if not isinstance(t, dict)]
            if bad:
                raise TypeError(f"tasks() must return a list of dicts, got {bad[0]!r:.80}")
            planned[name] = (module, tasks)
        except Exception:  # noqa: BLE001
            failed[name] = _failed_section(name, "import and plan", traceback.format_exc(), module)

    plan = [(name, kw) for name, (_, tasks) in planned.items() for kw in tasks]
    outcomes = execute(plan, jobs=jobs, scheduler=scheduler, show_progress=show_progress)

    by_module = {name: [] for name in planned}
    for (name, _), outcome in zip(plan, outcomes):
        by_module[name].append(outcome)

    sections, claims, task_seconds = [], [], {}
    for name in names:
        if name in failed:
            sections.append(failed[name])
            continue
        module, _ = planned[name]
        results = by_module[name]
        task_seconds[name] = round(sum(r["seconds"] for r in results), 3)
        errors = [r["error"] for r in results if not r["ok"]]
        if errors:
            sections.append(_failed_section(name, f"run ({len(errors)} of {len(results)} tasks "
                                                  "failed)", errors[0], module))
            continue
        t_sum = time.perf_counter()
        try:
            section = module.summarize([r["result"] for r in results], out, quick)
            if not isinstance(section, core.Section):
                raise TypeError(f"summarize() must return a layerwise.lab.core.Section, got "
                                f"{type(section).__name__}")
            data = json.loads(json.dumps(section.to_dict(), default=_jsonable))
            missing = [f for c in section.claims for f in c.figures + section.figures
                       if not (out / f).is_file()]
            if missing:
                raise FileNotFoundError(f"figures named but not written: {sorted(set(missing))}")
        except Exception:  # noqa: BLE001
            sections.append(_failed_section(name, "summarize", traceback.format_exc(), module))
            continue
        source = _source_of(module)
        lesson = getattr(module, "LESSON", None)
        data.update(module=name, status="ok", claim_text=getattr(module, "CLAIM", ""),
                    source=source, lesson=lesson,
                    lesson_url=core.lesson_url(lesson) if lesson else None,
                    seconds=round(task_seconds[name] + time.perf_counter() - t_sum, 2))
        sections.append(data)
        for c in data["claims"]:
            claims.append({"id": c["id"], "kind": c["kind"], "claim": c["claim"],
                           "quote": c["quote"], "rule": c["rule"], "measured": c["measured"],
                           "value": c["value"], "interval": c["interval"],
                           "verdict": c["verdict"], "seeds": c["seeds"],
                           "figures": c["figures"] or data["figures"], "source": source,
                           "origin": c["origin"], "why": c["why"], "section": data["id"]})

    meta = {
        "quick": bool(quick), "seed": seed, "jobs": jobs if jobs is not None else -1,
        "scheduler": scheduler, "cifar10": str(cifar10) if cifar10 else None,
        "started": time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(started)),
        "seconds": round(time.perf_counter() - t0, 2), "tasks": len(plan),
        "task_seconds": task_seconds, "experiments": list(names),
        "failed": [s["module"] for s in sections if s["status"] == "failed"],
        "command": command or "layerwise lab " + " ".join(sys.argv[1:]),
        "tallies": core.tallies(claims), **environment(),
    }
    doc = {"claims": claims, "sections": sections, "meta": meta}
    atomic_write(out / "results.json", json.dumps(doc, indent=1).encode())
    from .report import write_report

    write_report(out, doc)
    return doc


def summary_table(doc, width=None):
    """The printed summary: claim | measured | verdict, cells wrapped to the terminal's width,
    then any failed experiments and the verdict counts."""
    import textwrap

    width = max(width or shutil.get_terminal_size((120, 20)).columns, 80)
    vw = len("not supported")
    cw = (width - vw - 6) * 2 // 5
    mw = width - vw - 6 - cw

    def row(claim, measured, verdict):
        a = textwrap.wrap(" ".join(str(claim).split()), cw) or [""]
        b = textwrap.wrap(" ".join(str(measured).split()), mw) or [""]
        lines = []
        for i in range(max(len(a), len(b))):
            lines.append(f"{a[i] if i < len(a) else '':<{cw}} | {b[i] if i < len(b) else '':<{mw}}"
                         f" | {verdict if i == 0 else ''}".rstrip())
        return lines

    rule = "-" * width
    lines = row("claim", "measured", "verdict") + [rule]
    for c in doc["claims"]:
        lines += row(f"[{c['id']}] ({c['kind']}) {c['claim']}", c["measured"], c["verdict"])
    for s in doc["sections"]:
        if s["status"] == "failed":
            lines += row(f"[{s['module']}] {s['title']}", f"{s['stage']}: {s['error']}", "FAILED")
    t = core.tallies(doc["claims"])
    lines.append(rule)
    lines += textwrap.wrap(
        "experiments: " + ", ".join(f"{n} {v}" for v, n in t["experiments"].items())
        + "; apart, identities: " + ", ".join(f"{n} {v}" for v, n in t["identities"].items())
        + f"; not measured: {t['not measured']}; {len(doc['meta']['failed'])} experiment(s) "
          f"failed; {doc['meta']['seconds']:.0f} s", width)
    return "\n".join(lines)


def build_parser():
    p = argparse.ArgumentParser(
        prog="layerwise lab",
        description="Reproduce the figures and claims of the notes 'Neural Networks Part 1' as "
                    "experiments with measured numbers; write an HTML report.")
    p.add_argument("--quick", action="store_true",
                   help="smaller runs (about a minute in all), for a first look and for tests")
    p.add_argument("--only", nargs="+", metavar="NAME", default=None,
                   help="run only these experiments (e01, e01_neuron, or the experiment's ID)")
    p.add_argument("--out", default="lab-report", metavar="DIR",
                   help="folder for index.html, results.json and the figures (default: "
                        "lab-report)")
    p.add_argument("--jobs", type=int, default=None, metavar="N",
                   help="worker processes on this machine (default: all cores; 1 runs in this "
                        "process)")
    p.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="run the tasks on a Dask distributed cluster, e.g. tcp://10.0.0.5:8786 "
                        "(needs layerwise[dist])")
    p.add_argument("--seed", type=int, default=0, metavar="S",
                   help="base seed of every experiment (default 0)")
    p.add_argument("--cifar10", default=None, metavar="PATH",
                   help="a CIFAR-10 copy (python or binary version) for the 3072-100-10 "
                        "experiment")
    p.add_argument("--no-progress", action="store_true", help="do not show progress")
    return p


def main(argv=None) -> int:
    """Entry point of ``layerwise lab``; returns the exit status (0 ok, 1 a failure, 2 usage)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.jobs is not None and args.jobs == 0:
        parser.error("--jobs must be a positive number of processes (or -1 for all cores), got 0")
    if args.scheduler and args.jobs is not None:
        parser.error("give either --jobs (this machine) or --scheduler (a Dask cluster), not both")
    try:
        names = select(args.only)
    except ValueError as e:
        parser.error(str(e))
    try:
        importlib.import_module("matplotlib")
    except ImportError:
        print("layerwise lab: the report's figures need matplotlib: pip install "
              "'layerwise[plot]'", file=sys.stderr)
        return EXIT_USAGE
    try:
        doc = run_lab(names, args.out, quick=args.quick, seed=args.seed, jobs=args.jobs,
                      scheduler=args.scheduler, cifar10=args.cifar10,
                      show_progress=not args.no_progress,
                      command=" ".join(["layerwise lab", *(argv if argv is not None
                                                           else sys.argv[1:])]))
    except (ImportError, OSError) as e:
        print(f"layerwise lab: {e}", file=sys.stderr)
        return EXIT_FAILED
    print(summary_table(doc))
    print(f"report: {(Path(args.out) / 'index.html').resolve()}")
    return EXIT_FAILED if doc["meta"]["failed"] else EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
