"""Template tags of the analysis fragment: the provisional score of a repository never
analysed, computed from its forge metadata when the page shows it."""

from __future__ import annotations

from typing import Any

from django import template

from communs.analysis.display import ScoreView, provisional_view

register = template.Library()


@register.simple_tag
def provisional_score(repository: Any) -> ScoreView:
    """``{% provisional_score repository as score %}``: the code.gouv.fr score from metadata."""
    return provisional_view(repository)
