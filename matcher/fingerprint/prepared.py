"""Templates made ready to match: cylinders computed once and kept with the template."""

from __future__ import annotations

from dataclasses import dataclass

from .match import MatchResult, match_cylinders
from .mcc import Cylinders, cylinders
from .template import Template


@dataclass(frozen=True, slots=True)
class Prepared:
    """A template with its MCC cylinders (a few ms to build; reuse for 1:N)."""

    template: Template
    cylinders: Cylinders


def prepare(template: Template) -> Prepared:
    """Build the cylinders of a template."""
    xy, ang = template.arrays()
    return Prepared(template, cylinders(xy, ang, (template.height, template.width)))


def match(a: Template | Prepared, b: Template | Prepared) -> MatchResult:
    """Match two prints; symmetric: match(a, b) == match(b, a)."""
    pa = a if isinstance(a, Prepared) else prepare(a)
    pb = b if isinstance(b, Prepared) else prepare(b)
    return match_cylinders(pa.cylinders, pb.cylinders)
