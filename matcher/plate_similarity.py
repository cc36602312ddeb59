"""How likely is it that a registered plate was read as the observed string?

A noisy-channel model of the reading errors police data shows (DOMAIN.md): each
error has a cost in bits (``-log2`` of its rough likelihood), and the comparison is the
cheapest alignment of observed against registered (a weighted Damerau-Levenshtein
alignment). What makes it better than plain edit distance:

- the *slot* of every registered position (letter or digit) is known from the parse, so
  a ``B`` read where a digit must stand is almost surely an ``8`` (cheap), while a real
  ``3``/``8`` confusion between two valid digits costs more, and an arbitrary
  substitution costs much more;
- a doubled character is cheaper than an arbitrary insertion;
- the padding zeros of the RTO and the number may be missing for free.

``similarity = 2 ** (-cost / SCALE)``: 1.0 for the same plate, about 0.84 for one
slot-impossible confusion, about 0.4 for one arbitrary substitution.
TS and TG are not a confusable pair: they never alias.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from matcher.explain import FeatureScore
from matcher.plates import Plate, loose_compact, try_parse

# Confusable pairs and the cost of one such misreading (bits). Letter<->digit pairs are
# cheap when the slot makes the observed reading impossible; see ``sub_cost``.
CONFUSABLE_PAIRS: dict[tuple[str, str], float] = {
    ("O", "0"): 0.6, ("D", "0"): 1.0, ("Q", "0"): 1.0, ("I", "1"): 0.6, ("L", "1"): 1.0,
    ("Z", "2"): 0.8, ("S", "5"): 0.8, ("B", "8"): 0.8, ("3", "8"): 2.5, ("G", "6"): 0.8,
    ("A", "4"): 1.0, ("P", "B"): 2.5, ("P", "R"): 2.5, ("C", "G"): 2.5, ("K", "X"): 2.5,
}
CROSS_SLOT_PENALTY = 1.5  # a letter/digit confusion that lands on a valid reading for the slot
SUB_IMPOSSIBLE = 4.0  # non-confusable, observed character cannot stand in this slot
SUB_ARBITRARY = 5.5  # non-confusable, both readings possible
DROP = 3.0  # a registered character missing from the reading
DROP_REPEAT = 2.0  # one of two equal neighbours missing (BB read as B): a missed double
DROP_OPTIONAL = 0.0  # a padding zero missing (HR6 = HR06, DK837 = DK0837)
DOUBLE = 2.0  # an extra character equal to its neighbour
INSERT = 5.0  # any other extra character
TRANSPOSE = 2.5  # two adjacent characters swapped
SCALE = 4.0
# No error that changes the confusion-folded spelling costs less than this (a doubled
# character); ranking uses it as a lower bound: cost >= MIN_EDIT_COST * folded OSA distance.
MIN_EDIT_COST = min(DOUBLE, INSERT, DROP, DROP_REPEAT, TRANSPOSE, SUB_IMPOSSIBLE, SUB_ARBITRARY)

_CONF: dict[tuple[str, str], float] = {}
for (a, b), c in CONFUSABLE_PAIRS.items():
    _CONF[(a, b)] = c
    _CONF[(b, a)] = c


def _is_letter(ch: str) -> bool:
    return "A" <= ch <= "Z"


@lru_cache(maxsize=4096)
def sub_cost(observed: str, registered: str, slot: str) -> float:
    """Cost of reading ``registered`` (in a slot ``L``/``D``) as ``observed``."""
    if observed == registered:
        return 0.0
    possible = _is_letter(observed) == (slot == "L")
    conf = _CONF.get((observed, registered))
    if conf is not None:
        cross = _is_letter(observed) != _is_letter(registered)
        return conf + (CROSS_SLOT_PENALTY if cross and possible else 0.0)
    return SUB_ARBITRARY if possible else SUB_IMPOSSIBLE


def similarity_from_cost(cost: float) -> float:
    return float(2.0 ** (-cost / SCALE))


@dataclass(frozen=True, slots=True)
class Registered:
    """The registered side of a comparison: text, slot of each character, optional zeros."""

    text: str
    slots: str
    optional: tuple[bool, ...]
    parts: tuple[str, ...]  # name of the part each position belongs to, for explanations
    slot_keys: tuple[str, ...] = ()  # character + slot: keys of the substitution table
    drops: tuple[float, ...] = ()  # cost of each registered character missing

    def __post_init__(self) -> None:
        object.__setattr__(self, "slot_keys",
                           tuple(c + s for c, s in zip(self.text, self.slots, strict=True)))
        object.__setattr__(self, "drops", _drop_costs(self.text, self.optional))

    def spellings(self) -> tuple[str, ...]:
        """Every string reachable by leaving out optional zeros (for cost lower bounds)."""
        return _spellings(self.text, self.optional)

    @classmethod
    def from_plate(cls, plate: Plate) -> Registered:
        return cls(plate.canonical, plate.slots, plate.optional, _part_names(plate))

    @classmethod
    def from_text(cls, text: str) -> Registered:
        """A registered string; parsed when it is a plate, else slots from its characters."""
        plate = try_parse(text)
        if plate is not None:
            return cls.from_plate(plate)
        raw = cls.from_text_raw(text)
        return cls(raw.text, raw.slots, raw.optional, ("plate",) * len(raw.text))


    @classmethod
    def from_text_raw(cls, text: str) -> Registered:
        """An identifier that is not a plate: each character is its own slot."""
        s = loose_compact(text)
        return cls(s, "".join("L" if _is_letter(c) else "D" for c in s),
                   (False,) * len(s), ("identifier",) * len(s))


@lru_cache(maxsize=65536)
def _spellings(text: str, optional: tuple[bool, ...]) -> tuple[str, ...]:
    out = {""}
    for ch, opt in zip(text, optional, strict=True):
        out = {v + ch for v in out} | (out if opt else set())
    return tuple(sorted(out))


def _drop_costs(text: str, optional: tuple[bool, ...]) -> tuple[float, ...]:
    out = []
    for j, (ch, opt) in enumerate(zip(text, optional, strict=True)):
        repeat = (j > 0 and text[j - 1] == ch) or (j + 1 < len(text) and text[j + 1] == ch)
        out.append(DROP_OPTIONAL if opt else DROP_REPEAT if repeat else DROP)
    return tuple(out)


def _part_names(plate: Plate) -> tuple[str, ...]:
    names: list[str] = []
    c = plate.canonical
    if plate.kind in ("standard", "delhi"):
        names += ["state"] * 2 + ["RTO"] * 2 + ["category"] * len(plate.category or "")
        names += ["series"] * len(plate.series or "")
        names += ["number"] * (len(c) - len(names))
    elif plate.kind == "bharat":
        names += ["year"] * 2 + ["BH"] * 2 + ["number"] * 4
        names += ["series"] * (len(c) - len(names))
    elif plate.kind == "temporary":
        names += ["T"] + ["month"] * 2 + ["year"] * 2 + ["state"] * 2 + ["number"] * 4
        names += ["series"] * (len(c) - len(names))
    elif plate.kind == "pre1989":
        names += ["series"] * 3 + ["number"] * (len(c) - 3)
    else:
        names = ["plate"] * len(c)
    return tuple(names)


def misread_cost(observed: str, reg: Registered, *, partial: bool = False) -> float:
    """The cost (bits) of the cheapest error set turning ``reg`` into ``observed``.

    ``observed`` must already be compact (``loose_compact``). This is the fast path used
    for ranking (per-character cost tables, a band around the diagonal); tests check it
    against ``explain_misread``, the plain full-table reference.
    """
    r = reg.text
    rs = reg.slot_keys
    drops = reg.drops
    n, m = len(observed), len(r)
    ins = _insert_costs(observed)
    below = BAND + max(0, n - m)
    above = BAND + max(0, m - n)
    inf = _INF
    if partial:  # the reading may be the end of the plate only: its start is free
        prev = [0.0] * (m + 1)
        above = m
    else:
        prev = [inf] * (m + 1)
        prev[0] = 0.0
        for j in range(1, min(m, above) + 1):
            prev[j] = prev[j - 1] + drops[j - 1]
    prev2: list[float] | None = None
    for i in range(1, n + 1):
        o = observed[i - 1]
        subs = _SUBS_BY_OBSERVED.get(o) or _SUBS_BY_OBSERVED["?"]
        ins_i = ins[i - 1]
        cur = [inf] * (m + 1)
        if i <= below:
            cur[0] = prev[0] + ins_i
        lo = max(1, i - below)
        hi = min(m, i + above)
        for j in range(lo, hi + 1):
            rc = r[j - 1]
            best = prev[j - 1] + (0.0 if o == rc else subs[rs[j - 1]])
            v = prev[j] + ins_i
            if v < best:
                best = v
            v = cur[j - 1] + drops[j - 1]
            if v < best:
                best = v
            if (prev2 is not None and j > 1 and o == r[j - 2] and observed[i - 2] == rc
                    and o != rc):
                v = prev2[j - 2] + TRANSPOSE
                if v < best:
                    best = v
            cur[j] = best
        prev2, prev = prev, cur
    return prev[m]


BAND = 3
_INF = float("inf")
_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
_SUBS_BY_OBSERVED: dict[str, dict[str, float]] = {
    o: {r + slot: sub_cost(o, r, slot) for r in _ALPHABET for slot in "LD"}
    for o in _ALPHABET + "?"
}


def _insert_costs(observed: str) -> list[float]:
    """Cost of each observed character being extra: cheap when it doubles a neighbour."""
    out = []
    for i, ch in enumerate(observed):
        doubled = (i > 0 and observed[i - 1] == ch) or (i + 1 < len(observed)
                                                         and observed[i + 1] == ch)
        out.append(DOUBLE if doubled else INSERT)
    return out


@dataclass(frozen=True, slots=True)
class Op:
    """One reading error in an explanation."""

    kind: str  # substitution | drop | insert | transposition
    registered: str
    observed: str
    part: str
    cost: float

    def describe(self) -> str:
        if self.kind == "substitution":
            return f"{self.registered}→{self.observed} in the {self.part}"
        if self.kind == "drop":
            return f"'{self.registered}' missing from the {self.part}"
        if self.kind == "insert":
            return f"extra '{self.observed}' in the {self.part}"
        return f"'{self.registered}' read as '{self.observed}' (swapped) in the {self.part}"


def explain_misread(observed: str, reg: Registered, *,
                    partial: bool = False) -> tuple[float, list[Op]]:
    """Reference implementation: full table with traceback; returns cost and operations."""
    r, slots = reg.text, reg.slots
    n, m = len(observed), len(r)
    ins = _insert_costs(observed)
    inf = float("inf")
    d = [[inf] * (m + 1) for _ in range(n + 1)]
    back: list[list[str]] = [[""] * (m + 1) for _ in range(n + 1)]
    d[0][0] = 0.0
    for i in range(n + 1):
        for j in range(m + 1):
            if i == 0 and (j == 0 or partial):
                d[0][j] = 0.0
                continue
            best, how = inf, ""
            if i > 0 and j > 0:
                c = d[i - 1][j - 1] + sub_cost(observed[i - 1], r[j - 1], slots[j - 1])
                if c < best:
                    best, how = c, "sub"
            if i > 0:
                c = d[i - 1][j] + ins[i - 1]
                if c < best:
                    best, how = c, "ins"
            if j > 0:
                c = d[i][j - 1] + reg.drops[j - 1]
                if c < best:
                    best, how = c, "drop"
            if (i > 1 and j > 1 and observed[i - 1] == r[j - 2] and observed[i - 2] == r[j - 1]
                    and observed[i - 1] != r[j - 1]):
                c = d[i - 2][j - 2] + TRANSPOSE
                if c < best:
                    best, how = c, "swap"
            d[i][j], back[i][j] = best, how
    return d[n][m], trace_ops(observed, reg, ins, partial, lambda i, j: back[i][j])


def trace_ops(observed: str, reg: Registered, ins: Sequence[float], partial: bool,
              step: Callable[[int, int], str]) -> list[Op]:
    """The error set along a path back through a cost table: ``step(i, j)`` names the move
    into cell (i, j) (``sub``, ``ins``, ``drop``; anything else is a swap)."""
    r, slots, parts = reg.text, reg.slots, reg.parts
    m = len(r)
    ops: list[Op] = []
    i, j = len(observed), m
    while i > 0 or (j > 0 and not partial):
        how = step(i, j)
        if how == "sub":
            if observed[i - 1] != r[j - 1]:
                ops.append(Op("substitution", r[j - 1], observed[i - 1], parts[j - 1],
                              sub_cost(observed[i - 1], r[j - 1], slots[j - 1])))
            i, j = i - 1, j - 1
        elif how == "ins":
            part = parts[min(j, m - 1)] if m else "plate"
            ops.append(Op("insert", "", observed[i - 1], part, ins[i - 1]))
            i -= 1
        elif how == "drop":
            if not reg.optional[j - 1]:
                ops.append(Op("drop", r[j - 1], "", parts[j - 1], reg.drops[j - 1]))
            j -= 1
        else:
            ops.append(Op("transposition", r[j - 2:j], observed[i - 2:i], parts[j - 1],
                          TRANSPOSE))
            i, j = i - 2, j - 2
    ops.reverse()
    return ops


def describe_ops(ops: list[Op]) -> str:
    """'1 substitution 8→B in the number' style summary."""
    if not ops:
        return "same plate"
    kinds: dict[str, int] = {}
    for op in ops:
        kinds[op.kind] = kinds.get(op.kind, 0) + 1
    head = ", ".join(f"{n} {k}{'s' if n > 1 else ''}" for k, n in kinds.items())
    return f"{head}: " + "; ".join(op.describe() for op in ops)


def plate_similarity(observed: str, registered: str | Registered, *,
                     partial: bool = False) -> FeatureScore:
    """Score in [0, 1] that ``registered`` was read as ``observed``, with the error set.

    ``partial``: the reading is only the end of a plate (``DK8337``); the missing start is
    not charged, and the detail says so.
    """
    reg = registered if isinstance(registered, Registered) else Registered.from_text(registered)
    obs = loose_compact(observed)
    if not obs or not reg.text:
        return FeatureScore(None, "not compared: plate missing on one side")
    cost, ops = explain_misread(obs, reg, partial=partial)
    score = similarity_from_cost(cost)
    what = "end of plate" if partial else "plate"
    return FeatureScore(score, f"{what} {reg.text} ~ {obs} {score:.2f}: {describe_ops(ops)}")
