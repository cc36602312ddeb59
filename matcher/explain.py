"""Scores that explain themselves: every comparison returns a value and a reason."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class FeatureScore:
    """One comparator's verdict: ``score`` in [0, 1] (None when either side is missing)."""

    score: float | None
    detail: str

    @property
    def known(self) -> bool:
        return self.score is not None


MISSING = FeatureScore(None, "not compared: missing on one side")


@dataclass(frozen=True, slots=True)
class FeatureResult:
    """A feature as it entered a record's score: its weight and what it contributed."""

    name: str
    score: float | None
    weight: float
    contribution: float
    detail: str


@dataclass(frozen=True, slots=True)
class Explained:
    """A record's total score in [0, 1] with the features that made it."""

    score: float
    features: tuple[FeatureResult, ...] = field(default=())

    @property
    def evidence(self) -> float:
        """The weight of agreeing evidence (weight x score over the features compared):
        between equal scores, the record that more known facts agree with ranks first."""
        return sum(f.weight * f.score for f in self.features if f.score is not None)

    def as_dict(self) -> dict[str, object]:
        return {
            "score": round(self.score, 4),
            "features": [
                {"name": f.name, "score": None if f.score is None else round(f.score, 4),
                 "weight": f.weight, "contribution": round(f.contribution, 4), "detail": f.detail}
                for f in self.features
            ],
        }
