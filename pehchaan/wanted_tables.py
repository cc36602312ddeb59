"""In-memory key tables of the cross-check: buckets of wanted-vehicle numbers by key.

A registration that matches nothing must cost a few dictionary look-ups, so the tables
hold small ints (the wanted vehicle's position) and are read with as few, as cheap
look-ups as the identifier allows:

- plates (and chassis/engine numbers under 12 characters): the wanted side stores each
  confusion-folded spelling, its one-character deletions and its adjacent swaps; a
  reading asks for itself and for itself without one of a doubled character. That finds
  every wanted number a hit can come from: confusable substitutions leave the folded
  form alone, and the only other errors cheap enough to reach the thresholds (0.55,
  3.45 bits) are one dropped (3 bits), doubled (2) or swapped (2.5) character; any other
  substitution or extra character costs 4 bits or more. So 1-3 look-ups per reading
  instead of one per character (the symmetric deletion neighbourhood also finds
  substitutions, which never hit). Plate prefixes and suffixes are shared by thousands
  of plates, so splitting plates in halves would fan out;
- chassis and engine numbers of 12 characters or more (VINs): two halves (pigeonhole).
  One folded edit (substitution, dropped, doubled or swapped character) leaves either
  the first half or the last half, measured from the end, intact, the character between
  them being free; so 6 look-ups (3 possible lengths x 2 halves) find every number one
  edit away, instead of one look-up per character. Shorter numbers use deletions.
"""

from __future__ import annotations

from collections.abc import Iterable

from matcher.vehicle_ids import SHORT_TAIL, TAIL

Bucket = int | list[int]
HALVES_FROM = 12  # numbers this long are keyed by halves: each half is specific enough


def add(table: dict[str, Bucket], key: str, n: int) -> None:
    """Most keys belong to one vehicle: a bare int until a second one comes (memory)."""
    bucket = table.get(key)
    if bucket is None:
        table[key] = n
    elif isinstance(bucket, int):
        if bucket != n:
            table[key] = [bucket, n]
    elif bucket[-1] != n:
        bucket.append(n)


def gather(table: dict[str, Bucket], keys: Iterable[str], found: set[int]) -> set[int]:
    """Add the buckets of ``keys`` (most are absent) to ``found``. Not
    ``table.keys() & keys``: that copies every key of the table on each call."""
    for bucket in [b for b in map(table.get, keys) if b is not None]:
        if isinstance(bucket, int):
            found.add(bucket)
        else:
            found.update(bucket)
    return found


def dels(f: str) -> list[str]:
    """The one-character deletions of ``f``."""
    return [f[:i] + f[i + 1:] for i in range(len(f))]


def stored_keys(f: str) -> list[str]:
    """Keys of a wanted folded spelling: itself, its deletions and its adjacent swaps."""
    out = [f, *dels(f)]
    out += [f[:i] + f[i + 1] + f[i] + f[i + 2:] for i in range(len(f) - 1) if f[i] != f[i + 1]]
    return out


def reading_keys(f: str) -> list[str]:
    """Keys a folded reading asks for: itself (equal up to confusables, one swap, or one
    character dropped from the wanted number) and itself without one of a doubled
    character (a doubled character; deleting either of a pair gives the same key)."""
    out = [f]
    last = ""
    for i in range(1, len(f)):
        if f[i] == f[i - 1]:
            d = f[:i] + f[i + 1:]
            if d != last:
                out.append(d)
                last = d
    return out


def halves(f: str) -> tuple[str, str]:
    """Keys of the first half and the last half (from the end) of a long number; the
    character between them belongs to neither, so a swap across the middle keeps one."""
    n = len(f)
    h = n // 2
    return f"{n}<{f[:h]}", f"{n}>{f[h + 1:]}"


def half_queries(f: str) -> list[str]:
    """The half keys a reading must ask for: the wanted number may be one character
    shorter or longer than the reading (a dropped or doubled character)."""
    out = []
    for n in (len(f) - 1, len(f), len(f) + 1):
        if n >= HALVES_FROM:
            h = n // 2
            out.append(f"{n}<{f[:h]}")
            out.append(f"{n}>{f[len(f) - (n - h - 1):]}")
    return out


class IdTables:
    """Keys of the wanted chassis (or engine) numbers, confusion-folded.

    A full number is found by halves (long numbers: every number one folded edit away) or
    by ``stored_keys`` / ``reading_keys`` (shorter ones: every number a hit can come
    from). It is also found by its last 5-6 characters, but only from readings that hold
    nothing more; a number
    recorded only as its last characters is found from the end of full readings.
    Tail-only matching between two full numbers would tie unrelated engines that share
    their last digits.
    """

    __slots__ = ("full", "halves", "short", "tail5", "tail6")

    def __init__(self) -> None:
        self.full: dict[str, Bucket] = {}
        self.halves: dict[str, Bucket] = {}
        self.short: dict[str, Bucket] = {}
        self.tail6: dict[str, Bucket] = {}
        self.tail5: dict[str, Bucket] = {}

    def add(self, f: str, n: int) -> None:
        if len(f) > TAIL:
            if len(f) >= HALVES_FROM:
                for key in halves(f):
                    add(self.halves, key, n)
            else:
                for key in stored_keys(f):
                    add(self.full, key, n)
            add(self.tail6, f[-TAIL:], n)
            add(self.tail5, f[-SHORT_TAIL:], n)
        else:
            add(self.short, f, n)

    def lookup(self, f: str) -> set[int]:
        """Candidates for a folded reading (a superset of the numbers it can hit)."""
        found: set[int] = set()
        if len(f) > TAIL:
            if self.halves and len(f) + 1 >= HALVES_FROM:
                gather(self.halves, half_queries(f), found)
            if self.full and len(f) - 1 < HALVES_FROM:
                gather(self.full, reading_keys(f), found)
            if self.short:
                gather(self.short, (f[-TAIL:], f[-SHORT_TAIL:]), found)
            return found
        gather(self.short, (f,), found)
        gather(self.tail5, (f[-SHORT_TAIL:],), found)
        if len(f) == TAIL:
            gather(self.tail6, (f,), found)
        return found
