"""The misreading cost of one reading against many registered plates at once (numpy).

Search ranks up to a hundred candidates per query; a table per candidate in Python is
too slow for a 10 ms budget, so the same recurrence as
``matcher.plate_similarity.explain_misread`` (the plain reference, which tests compare
this against) runs here over all candidates together: one numpy row operation per
observed character, one small loop over registered positions for dropped characters.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from matcher.plate_similarity import (
    TRANSPOSE,
    Op,
    Registered,
    _insert_costs,
    sub_cost,
    trace_ops,
)

ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
_CHAR = {ch: i for i, ch in enumerate(ALPHABET)}
PAD = 2 * len(ALPHABET)  # code of a padding position (never read)
# _SUB[o, code]: cost of reading the registered (character, slot) ``code`` as ``o``
_SUB = np.zeros((len(ALPHABET), PAD + 1), dtype=np.float64)
for _o, _oc in _CHAR.items():
    for _r, _rc in _CHAR.items():
        _SUB[_oc, 2 * _rc] = sub_cost(_o, _r, "L")
        _SUB[_oc, 2 * _rc + 1] = sub_cost(_o, _r, "D")
_UNKNOWN = len(ALPHABET)  # an observed character outside A-Z0-9: arbitrary everywhere
_SUBX = np.vstack((_SUB, np.full((1, PAD + 1), 5.5)))


WIDTH = 16  # registered strings longer than this are scored one by one


@dataclass(frozen=True, slots=True)
class Encoded:
    """A registered plate as padded arrays, ready to be stacked with others."""

    codes: np.ndarray  # 2 * character + slot (1 = digit), PAD beyond the end
    chars: np.ndarray  # character index, -2 beyond the end
    drops: np.ndarray  # cost of each character missing, 0 beyond the end
    length: int


def encode(reg: Registered) -> Encoded:
    """Arrays of a registered plate (cache them by plate: they never change)."""
    n = len(reg.text)
    width = max(WIDTH, n)
    codes = np.full(width, PAD, dtype=np.int64)
    chars = np.full(width, -2, dtype=np.int64)
    drops = np.zeros(width, dtype=np.float64)
    _fill(reg, codes, chars, drops)
    return Encoded(codes, chars, drops, n)


def _fill(reg: Registered, codes: np.ndarray, chars: np.ndarray, drops: np.ndarray) -> None:
    """Write a plate's codes, characters and drop costs at the start of the given rows."""
    n = len(reg.text)
    idx = [_CHAR.get(c, 0) for c in reg.text]
    chars[:n] = idx
    codes[:n] = [2 * c + (slot == "D") for c, slot in zip(idx, reg.slots, strict=True)]
    drops[:n] = reg.drops


def misread_costs(observed: str, regs: Sequence[Registered], *,
                  partial: bool = False) -> np.ndarray:
    """Costs (bits) of ``observed`` against every registered plate; same values as the
    reference ``explain_misread`` (up to float rounding)."""
    return misread_costs_encoded(observed, [encode(r) for r in regs], partial=partial)


class EncodedTable:
    """Encoded plates kept in one growing matrix, so a query gathers its candidates' rows
    with one indexing operation instead of stacking small arrays."""

    def __init__(self, width: int = WIDTH) -> None:
        self.width = width
        self._row: dict[str, int] = {}
        self._codes = np.full((1024, width), PAD, dtype=np.int64)
        self._chars = np.full((1024, width), -2, dtype=np.int64)
        self._drops = np.zeros((1024, width), dtype=np.float64)
        self._lengths = np.zeros(1024, dtype=np.int64)
        self._lock = threading.Lock()

    def rows(self, keys: Sequence[str], make: Callable[[str], Registered]) -> np.ndarray:
        """Row numbers of ``keys`` (registration strings), encoding the new ones together."""
        known = self._row
        missing = [k for k in dict.fromkeys(keys) if k not in known]
        if missing:
            self._add_many(missing, [make(k) for k in missing])
        return np.fromiter((known[k] for k in keys), dtype=np.int64, count=len(keys))

    def _add_many(self, keys: list[str], regs: list[Registered]) -> None:
        for key, reg in zip(keys, regs, strict=True):
            if len(reg.text) > self.width:
                raise ValueError(f"{key!r} is longer than {self.width} characters")
        with self._lock:
            fresh = [(k, r) for k, r in zip(keys, regs, strict=True) if k not in self._row]
            if not fresh:
                return
            start = len(self._row)
            while start + len(fresh) > len(self._lengths):
                self._grow()
            codes = np.full((len(fresh), self.width), PAD, dtype=np.int64)
            chars = np.full((len(fresh), self.width), -2, dtype=np.int64)
            drops = np.zeros((len(fresh), self.width), dtype=np.float64)
            for i, (_, reg) in enumerate(fresh):
                _fill(reg, codes[i], chars[i], drops[i])
            end = start + len(fresh)
            self._codes[start:end] = codes
            self._chars[start:end] = chars
            self._drops[start:end] = drops
            self._lengths[start:end] = [len(r.text) for _, r in fresh]
            for i, (key, _) in enumerate(fresh):
                self._row[key] = start + i

    def _grow(self) -> None:
        grow = len(self._lengths)
        self._codes = np.concatenate((self._codes, np.full_like(self._codes, PAD)))
        self._chars = np.concatenate((self._chars, np.full_like(self._chars, -2)))
        self._drops = np.concatenate((self._drops, np.zeros_like(self._drops)))
        self._lengths = np.concatenate((self._lengths, np.zeros(grow, dtype=np.int64)))

    def costs(self, observed: str, rows: np.ndarray, *, partial: bool = False) -> np.ndarray:
        """Misreading costs of ``observed`` against the plates at ``rows``."""
        if len(rows) == 0:
            return np.zeros(0)
        lengths = self._lengths[rows]
        m = int(lengths.max())
        return _costs(observed, self._codes[rows, :m], self._chars[rows, :m],
                      self._drops[rows, :m], lengths, partial)

    def explain(self, observed: str, rows: np.ndarray, regs: Sequence[Registered], *,
                partial: bool = False) -> list[tuple[float, list[Op]]]:
        """``explain_batch`` against the plates at ``rows`` (``regs``: those plates)."""
        if len(rows) == 0:
            return []
        lengths = self._lengths[rows]
        m = int(lengths.max())
        return _explain(observed, regs, self._codes[rows, :m], self._chars[rows, :m],
                        self._drops[rows, :m], lengths, partial)

    def pair_costs(self, observed: Sequence[str], rows: np.ndarray) -> np.ndarray:
        """Cost of ``observed[p]`` against the plate at ``rows[p]``: many readings, each
        against its own candidate, in one table (the cross-check scores a whole chunk)."""
        if len(rows) == 0:
            return np.zeros(0)
        lengths = self._lengths[rows]
        m = int(lengths.max())
        return _pair_costs(observed, self._codes[rows, :m], self._chars[rows, :m],
                           self._drops[rows, :m], lengths)


def misread_costs_encoded(observed: str, encs: Sequence[Encoded], *,
                          partial: bool = False) -> np.ndarray:
    """``misread_costs`` over pre-encoded plates."""
    if not encs:
        return np.zeros(0)
    codes, chars, drops, lengths = _stack(encs)
    return _costs(observed, codes, chars, drops, lengths, partial)


def _stack(encs: Sequence[Encoded]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Stack encoded plates, cut to the longest; pads only when widths differ."""
    lengths = np.array([e.length for e in encs], dtype=np.int64)
    m = int(lengths.max())
    if len({len(e.codes) for e in encs}) == 1:
        return (np.stack([e.codes for e in encs])[:, :m], np.stack([e.chars for e in encs])[:, :m],
                np.stack([e.drops for e in encs])[:, :m], lengths)
    width = max(len(e.codes) for e in encs)

    def pad(a: np.ndarray, value: float) -> np.ndarray:
        return np.pad(a, (0, width - len(a)), constant_values=value)

    return (np.stack([pad(e.codes, PAD) for e in encs])[:, :m],
            np.stack([pad(e.chars, -2) for e in encs])[:, :m],
            np.stack([pad(e.drops, 0.0) for e in encs])[:, :m], lengths)


def _costs(observed: str, codes: np.ndarray, chars: np.ndarray, drops: np.ndarray,
           lengths: np.ndarray, partial: bool,
           rows: list[np.ndarray] | None = None) -> np.ndarray:
    k, m = codes.shape
    obs = np.array([_CHAR.get(c, _UNKNOWN) for c in observed], dtype=np.int64)
    n = len(obs)
    ins = _insert_costs(observed)
    cum = np.zeros((k, m + 1))
    cum[:, 1:] = np.cumsum(drops, axis=1)
    prev = np.zeros((k, m + 1)) if partial else cum.copy()
    if rows is not None:
        rows.append(prev)
    if n == 0:
        return prev[np.arange(k), lengths]
    subs = _SUBX[obs][:, codes]  # (n, k, m): cost of each observed char at each position
    swaps: np.ndarray | None = None
    has_swap: list[bool] = []
    if n >= 2 and m >= 2:  # (n-1, k, m-1): observed i-1, i are registered j, j-1 swapped
        same = chars[None, :, :] == obs[:, None, None]
        swaps = same[1:, :, :-1] & same[:-1, :, 1:] & ~same[1:, :, 1:]
        flags: np.ndarray = np.asarray(swaps.any(axis=(1, 2)))
        has_swap = [bool(x) for x in flags]
    prev2: np.ndarray | None = None
    entry = np.empty((k, m + 1))
    for i in range(1, n + 1):
        best = np.minimum(prev[:, :-1] + subs[i - 1], prev[:, 1:] + ins[i - 1])
        if prev2 is not None and swaps is not None and has_swap[i - 2]:
            swap = swaps[i - 2]
            best[:, 1:] = np.where(swap, np.minimum(best[:, 1:], prev2[:, :-2] + TRANSPOSE),
                                   best[:, 1:])
        # dropped characters: cur[j] = min(best[j], cur[j-1] + drop[j-1]) is a prefix
        # minimum of best - cumulative drops (drops are never negative)
        entry[:, 0] = prev[:, 0] + ins[i - 1]
        entry[:, 1:] = best
        entry -= cum
        cur = np.minimum.accumulate(entry, axis=1)
        cur += cum
        if rows is not None:
            rows.append(cur)
        prev2, prev = prev, cur
    result: np.ndarray = prev[np.arange(k), lengths]
    return result


def _pair_costs(observed: Sequence[str], codes: np.ndarray, chars: np.ndarray,
                drops: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """The recurrence of ``_costs`` with one observed string per row: row p's reading is
    padded to the longest and its cost taken when its own last character is reached."""
    k, m = codes.shape
    n_max = max((len(o) for o in observed), default=0)
    obs = np.full((k, n_max), _UNKNOWN, dtype=np.int64)
    ins = np.zeros((k, max(1, n_max)))
    for p, text in enumerate(observed):
        obs[p, :len(text)] = [_CHAR.get(c, _UNKNOWN) for c in text]
        ins[p, :len(text)] = _insert_costs(text)
    n_obs = np.array([len(o) for o in observed], dtype=np.int64)
    every = np.arange(k)
    cum = np.zeros((k, m + 1))
    cum[:, 1:] = np.cumsum(drops, axis=1)
    prev = cum.copy()
    result = np.where(n_obs == 0, prev[every, lengths], np.inf)
    prev2: np.ndarray | None = None
    same_before: np.ndarray | None = None
    entry = np.empty((k, m + 1))
    for i in range(1, n_max + 1):
        o = obs[:, i - 1]
        ins_i = ins[:, i - 1][:, None]
        best = np.minimum(prev[:, :-1] + _SUBX[o[:, None], codes], prev[:, 1:] + ins_i)
        same = chars == o[:, None]  # registered j equals observed i-1
        if prev2 is not None and same_before is not None and m >= 2:
            # observed i-2, i-1 are registered j-1, j-2 swapped (cell j = column + 2)
            swap = same[:, :-1] & same_before[:, 1:] & ~same[:, 1:]
            if swap.any():
                best[:, 1:] = np.where(swap, np.minimum(best[:, 1:], prev2[:, :-2] + TRANSPOSE),
                                       best[:, 1:])
        entry[:, 0] = prev[:, 0] + ins_i[:, 0]
        entry[:, 1:] = best
        entry -= cum
        cur = np.minimum.accumulate(entry, axis=1)
        cur += cum
        done = n_obs == i
        if done.any():
            result[done] = cur[every[done], lengths[done]]
        prev2, prev, same_before = prev, cur, same
    return result


def explain_batch(observed: str, regs: Sequence[Registered], *,
                  partial: bool = False) -> list[tuple[float, list[Op]]]:
    """Cost and error set of ``observed`` against each plate: one numpy table for all,
    then a walk back per plate choosing, at each cell, the first of substitution, extra,
    drop, swap that explains its value (the order of the reference, so the same ops)."""
    if not regs:
        return []
    return _explain(observed, regs, *_stack([encode(r) for r in regs]), partial)


def _explain(observed: str, regs: Sequence[Registered], codes: np.ndarray, chars: np.ndarray,
             drops: np.ndarray, lengths: np.ndarray,
             partial: bool) -> list[tuple[float, list[Op]]]:
    table: list[np.ndarray] = []
    costs = _costs(observed, codes, chars, drops, lengths, partial, table)
    ins = _insert_costs(observed)
    return [(float(costs[idx]), _walk_back(observed, reg, table, idx, ins, partial))
            for idx, reg in enumerate(regs)]


def _walk_back(observed: str, reg: Registered, rows: list[np.ndarray], idx: int,
               ins: list[float], partial: bool) -> list[Op]:
    """``trace_ops`` with each move recovered from the cell values (no back pointers)."""
    r, slots, drops = reg.text, reg.slots, reg.drops

    def at(i: int, j: int) -> float:
        return float(rows[i][idx, j])

    def close(a: float, b: float) -> bool:
        return abs(a - b) <= 1e-9 * max(1.0, abs(b))

    def step(i: int, j: int) -> str:
        here = at(i, j)
        if i > 0 and j > 0 and close(
                at(i - 1, j - 1) + sub_cost(observed[i - 1], r[j - 1], slots[j - 1]), here):
            return "sub"
        if i > 0 and close(at(i - 1, j) + ins[i - 1], here):
            return "ins"
        if j > 0 and close(at(i, j - 1) + drops[j - 1], here):
            return "drop"
        return "swap"

    return trace_ops(observed, reg, ins, partial, step)
