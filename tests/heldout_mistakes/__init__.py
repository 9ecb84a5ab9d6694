"""A held-apart set of student answers for measuring the diagnostics, kept out of the catalogue.

Written after the catalogue (grader/mistakes) and without reading it again, in other styles
(loops, other names, other but equivalent formulations) and with misconceptions the catalogue
does not have. Each :class:`Heldout` is a full answer cell labelled with the misconception key it
should be named as, or None when its misconception is not catalogued (then nothing should be
named). ``CORRECT`` lists correct answers in yet other styles: none may be named.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Heldout:
    function: str
    key: str | None
    note: str
    source: str
