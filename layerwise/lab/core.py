"""The lab's shared vocabulary: an experiment, its tasks, its claims, and the section it adds.

An experiment is a module in :mod:`layerwise.lab.experiments` that defines

* ``ID`` (short name used by ``--only``), ``TITLE``, ``CLAIM`` (the seed's claim in our words),
  ``SEED_REF`` (where in the notes / which figure), and optionally ``LESSON``, the name of the
  playground lesson that shows the same setting (see :data:`LESSONS`);
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

A claim is one of three kinds (:data:`KINDS`): an ``identity`` is a mathematical fact checked
numerically (it cannot come out otherwise unless the code is wrong), an ``experiment`` is an
empirical statement that could come out either way, and ``not measured`` is a claim whose data
are not available here. Only experiments are counted in the tallies.

>>> c = Claim(id="x", claim="c", measured="m", verdict="supported", kind="identity",
...           quote="Cycles are not allowed", rule="holds if ...")
>>> c.counted
False
>>> Claim(id="x", claim="c", measured="m", verdict="partly", kind="not measured",
...       quote="q", rule="r")
Traceback (most recent call last):
...
ValueError: a 'not measured' claim has the verdict 'not measured', got 'partly' (claim 'x')
"""
from __future__ import annotations

import functools
import inspect
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

KINDS = ("identity", "experiment", "not measured")
VERDICTS = ("supported", "partly", "not supported", "inconclusive", "not measured")
#: the verdicts an identity can have: it holds to round-off or it does not
IDENTITY_VERDICTS = ("supported", "not supported")

#: the playground's lessons (``layerwise serve``, then ``/?lesson=NAME``) and what each shows
LESSONS = {
    "neuron": "one neuron as a linear classifier",
    "capacity": "one hidden layer of 3, 6 or 20 neurons",
    "l2": "the 20-neuron net with L2 strength 0.001, 0.01 or 0.1",
    "dying-relu": "ReLUs at a high learning rate, leaky ReLU beside them",
    "saturation": "sigmoid units with large initial weights",
    "linear-spiral": "the linear net that cannot learn the spiral",
}
PLAYGROUND = "http://127.0.0.1:8000/"

NOTES = Path(__file__).with_name("seed_notes.md")


def lesson_url(name):
    """The playground address that opens lesson ``name``.

    >>> lesson_url("capacity")
    'http://127.0.0.1:8000/?lesson=capacity'
    """
    if name not in LESSONS:
        raise ValueError(f"lesson must be one of {sorted(LESSONS)}, got {name!r}")
    return f"{PLAYGROUND}?lesson={name}"


def _squash(text):
    # bold markers (**) are the notes' markup, not their words
    return re.sub(r"\s+", " ", text.replace("**", "")).strip()


@functools.lru_cache(maxsize=1)
def notes_text():
    """The seed notes (a verbatim copy shipped with the lab), whitespace runs made single."""
    return _squash(NOTES.read_text(encoding="utf-8"))


def in_notes(quote):
    """Whether ``quote`` occurs in the seed notes word for word (whitespace and bold markers
    aside).

    >>> in_notes("Cycles are not allowed since that would imply an infinite loop in the "
    ...          "forward pass of a network.")
    True
    >>> in_notes("Cycles are allowed.")
    False
    """
    return bool(quote.strip()) and _squash(quote) in notes_text()


@dataclass
class Claim:
    """One claim of the seed and what our measurement says of it.

    Parameters
    ----------
    id, claim : str
        A short name, and the claim in our words.
    measured : str
        The numbers, in one line a person can read.
    verdict : str
        One of :data:`VERDICTS`, computed by ``rule``.
    kind : str
        One of :data:`KINDS`.
    quote : str
        The sentence of the seed notes that the claim tests, word for word.
    rule : str
        The decision rule, as the code applies it; shown before the numbers.
    value : float, optional
        The point estimate the rule looks at (a mean over seeds, or a largest error).
    interval : list of two floats, optional
        Its 95% interval over seeds.
    seeds : list of int
        The seeds the measurement ran from.
    origin : str
        Where a detail of the setting comes from the original cs231n notes rather than ours.
    """

    id: str
    claim: str
    measured: str
    verdict: str
    why: str = ""
    figures: list = field(default_factory=list)  # PNG file names, relative to the report folder
    kind: str = "experiment"
    quote: str = ""
    rule: str = ""
    value: float | None = None
    interval: list | None = None
    seeds: list = field(default_factory=list)
    origin: str = ""

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, got {self.kind!r} (claim {self.id!r})")
        if self.verdict not in VERDICTS:
            raise ValueError(f"verdict must be one of {VERDICTS}, got {self.verdict!r} "
                             f"(claim {self.id!r})")
        if self.kind == "not measured" and self.verdict != "not measured":
            raise ValueError(f"a 'not measured' claim has the verdict 'not measured', got "
                             f"{self.verdict!r} (claim {self.id!r})")
        if self.verdict == "not measured" and self.kind != "not measured":
            raise ValueError(f"the verdict 'not measured' belongs to a claim of kind 'not "
                             f"measured', got kind {self.kind!r} (claim {self.id!r})")
        if self.kind == "identity" and self.verdict not in IDENTITY_VERDICTS:
            raise ValueError(f"an identity is {' or '.join(IDENTITY_VERDICTS)}, got "
                             f"{self.verdict!r} (claim {self.id!r})")
        if not self.quote.strip() or not self.rule.strip():
            raise ValueError(f"a claim needs the quote it tests and its rule (claim {self.id!r})")
        if self.interval is not None:
            self.interval = [float(self.interval[0]), float(self.interval[1])]
        self.seeds = [int(s) for s in self.seeds]

    @property
    def counted(self):
        """Whether the claim counts in the tallies: experiments only."""
        return self.kind == "experiment"


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
    captions: dict = field(default_factory=dict)  # figure file name -> what it shows

    def to_dict(self):
        return asdict(self)


def tallies(claims):
    """``{"experiments": {verdict: n}, "identities": {...}, "not measured": n}``: only
    experiments are counted as evidence; identities and unmeasured claims are shown apart.

    >>> tallies([{"kind": "experiment", "verdict": "partly"},
    ...          {"kind": "identity", "verdict": "supported"},
    ...          {"kind": "not measured", "verdict": "not measured"}])["experiments"]["partly"]
    1
    """
    exp = [c for c in claims if c.get("kind", "experiment") == "experiment"]
    ident = [c for c in claims if c.get("kind") == "identity"]
    return {"experiments": {v: sum(c["verdict"] == v for c in exp)
                            for v in ("supported", "partly", "not supported", "inconclusive")},
            "identities": {v: sum(c["verdict"] == v for c in ident)
                           for v in IDENTITY_VERDICTS},
            "not measured": sum(c.get("kind") == "not measured" for c in claims)}


def call_tasks(module, quick, seed, **options):
    """``module.tasks(quick, seed, ...)``, passing only the options its signature names."""
    params = inspect.signature(module.tasks).parameters
    takes_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())
    chosen = {k: v for k, v in options.items() if takes_any or k in params}
    return list(module.tasks(quick, seed, **chosen))
