"""The lab's shared vocabulary: an experiment, its tasks, and the section it adds to the report.

An experiment is a module in :mod:`layerwise.lab.experiments` that defines

* ``ID`` (short name used by ``--only``), ``TITLE``, ``CLAIM`` (the seed's claim in our words),
  ``SEED_REF`` (where in the notes / which figure);
* ``tasks(quick: bool, seed: int) -> list[dict]``: independent units of work, each a dict of
  JSON-able keyword arguments; the runner sends them to joblib or Dask workers. ``tasks`` may
  also take keyword options from the command line by name: ``cifar10`` (a path, or None when
  none was given); the runner passes an option only to a ``tasks`` that names it (or takes
  ``**options``), see :func:`call_tasks`;
* ``run_task(**kwargs) -> dict``: one unit of work, returning JSON-able measured numbers
  (module-level, so workers can import it);
* ``summarize(results: list[dict], out: pathlib.Path, quick: bool) -> Section``: turns the
  results (in task order) into figures saved under ``out`` and the section of the report.

Every number shown comes from ``run_task``; nothing is typed in by hand.
"""
from __future__ import annotations

import inspect
from dataclasses import asdict, dataclass, field

VERDICTS = ("supported", "partly", "not supported")


@dataclass
class Claim:
    """One claim of the seed and what our measurement says of it."""

    id: str
    claim: str
    measured: str  # the numbers, in one line a person can read
    verdict: str  # one of VERDICTS
    why: str = ""  # one or two sentences on why the verdict
    figures: list = field(default_factory=list)  # PNG file names, relative to the report folder

    def __post_init__(self):
        if self.verdict not in VERDICTS:
            raise ValueError(f"verdict must be one of {VERDICTS}, got {self.verdict!r}")


@dataclass
class Section:
    """One experiment's part of the report."""

    id: str
    title: str
    seed_ref: str
    method: str
    claims: list  # of Claim
    figures: list = field(default_factory=list)  # PNG file names
    table: dict = field(default_factory=dict)  # {"columns": [...], "rows": [[...], ...]}
    numbers: dict = field(default_factory=dict)  # everything else measured, JSON-able

    def to_dict(self):
        return asdict(self)


def call_tasks(module, quick, seed, **options):
    """``module.tasks(quick, seed, ...)``, passing only the options its signature names."""
    params = inspect.signature(module.tasks).parameters
    takes_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())
    chosen = {k: v for k, v in options.items() if takes_any or k in params}
    return list(module.tasks(quick, seed, **chosen))
