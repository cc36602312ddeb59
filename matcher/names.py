"""Name comparison across scripts: token alignment that ignores order, with explanations.

compare_names(a, b) parses both names (honorifics off, aliases and relative split off),
turns each token into weighted Latin spellings (Devanagari via the romanizer, variant
table applied), and aligns tokens one to one, best pairs first:
- token similarity: best over spelling pairs of a Levenshtein similarity on raw or folded
  spellings, discounted by how unlikely the romanization is;
- an initial ("R") matches a token starting with that letter;
- merged or split tokens ("Ramkishan" / "Ram Kishan") are tried as joined alternatives;
- each token carries an evidence weight (Singh, Kumar, Devi, Mohammad: little), and
  unmatched tokens of the longer name cost less than those of the shorter (missing
  middle name tolerated);
- aliases ("X alias Y") count through their best match, a little less than the name;
  relatives count only when both strings name one ("X s/o Y").
"""

from __future__ import annotations

from functools import lru_cache

from rapidfuzz.distance import Levenshtein

from matcher.explain import FeatureScore
from transliteration.keys import canonical_token
from transliteration.parse import parse_name
from transliteration.phonetic import fold_latin
from transliteration.romanize import greedy_romanization, romanize_token
from transliteration.script import Script, detect_script
from transliteration.wordlists import common_tokens

INITIAL_SCORE = 0.85
EXTRA_TOKEN_PENALTY = 0.35  # weight of an unmatched token of the longer name (missing middle name)
MISSING_TOKEN_PENALTY = 1.0  # weight of an unmatched token when both names have it unmatched
RANK_DISCOUNT = 0.05  # how much an unlikely romanization is discounted; tuned on Dakshina dev
FOLD_WEIGHT = 0.95  # a match only after folding (aa/a, w/v, doubled letters) counts less
Spelling = tuple[str, str, float]  # (raw spelling, folded spelling, likelihood factor)


@lru_cache(maxsize=262144)
def spellings(token: str) -> tuple[Spelling, ...]:
    """Latin spellings of a token (raw, folded, factor) best first; the factor discounts a
    spelling by how much less likely it is than the best one (1.0 for the best)."""
    token = canonical_token(token)
    if detect_script(token) in (Script.DEVANAGARI, Script.MIXED):
        opts = romanize_token(token)
        w0 = opts[0][1]
        out: list[Spelling] = []
        for s, w in opts:
            c = canonical_token(s)
            out.append((c, fold_latin(c), 1 - RANK_DISCOUNT * (1 - w / w0)))
        return tuple(out)
    return ((token, fold_latin(token), 1.0),)


_lev = Levenshtein.normalized_similarity
QUICK_REJECT = 0.5  # below this similarity of the greedy spellings, skip the full comparison


@lru_cache(maxsize=262144)
def quick_spelling(token: str) -> str:
    """One cheap folded spelling (greedy romanization, no beam search) for a first look."""
    token = canonical_token(token)
    if detect_script(token) in (Script.DEVANAGARI, Script.MIXED):
        return fold_latin(canonical_token(greedy_romanization(token)))
    return fold_latin(token)


@lru_cache(maxsize=1_000_000)
def token_similarity(a: str, b: str) -> float:
    """Similarity in [0, 1] of two normalised tokens of any script (symmetric).

    Best over spelling pairs of max(raw similarity, FOLD_WEIGHT x folded similarity), times
    both spellings' likelihood factors. Pairs that cannot beat the best so far are skipped.
    Tokens whose greedy spellings are far apart (most candidates of a search) are scored on
    those alone, so the beam search runs only for plausible matches.
    """
    if a == b:
        return 1.0
    if b < a:
        a, b = b, a
    if len(a) == 1 or len(b) == 1:  # initials
        fa, fb = quick_spelling(a), quick_spelling(b)
        if len(fa) == 1 and len(fb) == 1:
            return 1.0 if fa == fb else 0.0
        return INITIAL_SCORE if fa[:1] == fb[:1] else 0.0
    quick = _lev(quick_spelling(a), quick_spelling(b))
    if quick < QUICK_REJECT:
        return quick
    sa, sb = spellings(a), spellings(b)
    best = 0.0
    for xr, xf, xw in sa:
        for yr, yf, yw in sb:
            f = xw + yw - 1
            if f <= best:
                continue
            if xr == yr:
                sim = 1.0
            else:
                sim = _lev(xr, yr)
                folded = FOLD_WEIGHT * _lev(xf, yf)
                if folded > sim:
                    sim = folded
            v = sim * f
            if v > best:
                best = v
    return best


@lru_cache(maxsize=1)
def _common_folded() -> dict[str, float]:
    """Common-token weights keyed by folded spelling, so greedy romanizations find them."""
    return {fold_latin(t): w for t, w in common_tokens().items()}


@lru_cache(maxsize=262144)
def token_weight(token: str) -> float:
    """Evidence weight of a token: low for very common name parts (Singh, Kumar, Devi)."""
    if len(token) == 1:
        return 0.5
    c = canonical_token(token)
    if c in common_tokens():
        return common_tokens()[c]
    return _common_folded().get(quick_spelling(token), 1.0)


def _align(ta: tuple[str, ...], tb: tuple[str, ...]) -> tuple[float, list[tuple[str, str, float]]]:
    """Greedy one-to-one alignment, best pairs first; returns (score, matched pairs)."""
    pairs = [(token_similarity(x, y), i, j) for i, x in enumerate(ta) for j, y in enumerate(tb)]
    pairs.sort(reverse=True)
    used_a: set[int] = set()
    used_b: set[int] = set()
    num = den = 0.0
    matched: list[tuple[str, str, float]] = []
    for sim, i, j in pairs:
        if i in used_a or j in used_b:
            continue
        used_a.add(i)
        used_b.add(j)
        w = (token_weight(ta[i]) + token_weight(tb[j])) / 2
        num += sim * w
        den += w
        matched.append((ta[i], tb[j], sim))
        if len(used_a) == len(ta) or len(used_b) == len(tb):
            break
    longer_a = len(ta) >= len(tb)
    pen_a = EXTRA_TOKEN_PENALTY if longer_a else MISSING_TOKEN_PENALTY
    pen_b = MISSING_TOKEN_PENALTY if longer_a else EXTRA_TOKEN_PENALTY
    den += sum(token_weight(x) * pen_a for i, x in enumerate(ta) if i not in used_a)
    den += sum(token_weight(y) * pen_b for j, y in enumerate(tb) if j not in used_b)
    return (num / den if den else 0.0), matched


MAX_TOKENS = 8  # longer "names" are free text; their first tokens are compared
MERGE_LENGTH_SLACK = 3  # letters by which a merged pair may differ from a token of the other name


def _merges(tokens: tuple[str, ...], other: tuple[str, ...]) -> list[tuple[str, ...]]:
    """This name with two adjacent tokens merged (Ram Kishan → Ramkishan), when it has more
    tokens than the other name and the other has a token about as long as the merged pair."""
    out: list[tuple[str, ...]] = []
    if not len(other) < len(tokens) <= 4:
        return out
    other_lengths = [len(quick_spelling(t)) for t in other]
    for i in range(len(tokens) - 1):
        x, y = tokens[i], tokens[i + 1]
        if len(x) == 1 or len(y) == 1:
            continue
        n = len(quick_spelling(x)) + len(quick_spelling(y))
        if any(abs(n - m) <= MERGE_LENGTH_SLACK for m in other_lengths):
            out.append((*tokens[:i], x + y, *tokens[i + 2 :]))
    return out


@lru_cache(maxsize=262144)
def _compare_tokens(ta: tuple[str, ...], tb: tuple[str, ...]) -> tuple[float, str]:
    """Best alignment of the names as written or with merged tokens, with its detail.

    Cached on the token tuples: "RAM KUMAR", "Sh. Ram Kumar" and "ram kumar" are one entry.
    Only the first MAX_TOKENS tokens count: a name field holding a paragraph stays cheap."""
    ta, tb = ta[:MAX_TOKENS], tb[:MAX_TOKENS]
    best, best_pairs = _align(ta, tb)
    if best < 0.999:
        for va, vb in [(m, tb) for m in _merges(ta, tb)] + [(ta, m) for m in _merges(tb, ta)]:
            score, pairs = _align(va, vb)
            if score > best:
                best, best_pairs = score, pairs
    best = min(1.0, max(0.0, best))
    return best, ", ".join(f"{_shown(x)}~{_shown(y)} {s:.2f}" for x, y, s in best_pairs)


@lru_cache(maxsize=262144)
def _shown(token: str) -> str:
    """A token for the explanation; Devanagari with its likeliest Latin spelling."""
    if detect_script(token) in (Script.DEVANAGARI, Script.MIXED):
        return f"'{token}' ({romanize_token(token)[0][0]})"
    return f"'{token}'"


ALIAS_FACTOR = 0.85  # a match through an alias (nicknames like Bholu, Monu repeat) counts less
RELATIVE_WEIGHT = 0.35  # share of the relative's name when both strings carry one (X s/o Y)


@lru_cache(maxsize=65536)
def _compare(a: str, b: str) -> tuple[float, str]:
    pa, pb = parse_name(a), parse_name(b)
    if not pa.tokens or not pb.tokens:
        return -1.0, "not compared: empty name"
    score, detail = -1.0, ""
    for na in (pa, *pa.aliases):  # "X alias Y": the best-matching name of each side counts
        for nb in (pb, *pb.aliases):
            s, d = _compare_tokens(na.tokens, nb.tokens)
            if na is not pa or nb is not pb:
                s, d = s * ALIAS_FACTOR, f"{d} (alias)"
            if s > score:
                score, detail = s, d
    if pa.relative is not None and pb.relative is not None and pa.relative.tokens \
            and pb.relative.tokens:
        rel, rel_detail = _compare_tokens(pa.relative.tokens, pb.relative.tokens)
        score = (1 - RELATIVE_WEIGHT) * score + RELATIVE_WEIGHT * rel
        detail = f"{detail}; relative {rel:.2f}: {rel_detail}"
    return score, detail


def compare_names(a: str, b: str) -> FeatureScore:
    """Similarity of two person names in [0, 1], either script on either side, explained.

    Only the person's name counts (the best of its aliases: "X alias Y", "X @ Y"), unless both
    strings also name a relative ("X s/o Y"): then the relatives' names are compared too and
    weigh RELATIVE_WEIGHT.
    """
    if b < a:  # symmetric by construction
        a, b = b, a
    score, detail = _compare(a, b)
    if score < 0:
        return FeatureScore(None, detail)
    return FeatureScore(round(score, 6), f"name {score:.2f}: {detail}")
