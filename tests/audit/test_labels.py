"""Every action the code records has words in both languages, in the history and the log."""

from __future__ import annotations

import re
from pathlib import Path

from django.utils import translation

from communs.audit.labels import ACTION_LABELS, PRIVATE_ACTIONS

SOURCE = Path(__file__).resolve().parents[2] / "src" / "communs"
# An action is "<thing>.<verb>", passed to communs.audit.log.record() as a literal.
ACTION = re.compile(r'"((?:software|usage|referent|instance|category|contact|job)\.[a-z_]+)"')


def recorded_actions() -> set[str]:
    found = set()
    for path in SOURCE.rglob("*.py"):
        if path.name == "labels.py":
            continue
        text = path.read_text(encoding="utf-8")
        if "record(" in text or "_moderate(" in text:
            found |= set(ACTION.findall(text))
    return found


def test_every_recorded_action_has_a_label() -> None:
    actions = recorded_actions()
    # The scan finds the catalogue's and the job offers' actions at least.
    assert {"software.propose", "software.logo", "job.publish"} <= actions
    assert actions - set(ACTION_LABELS) == set()


def test_the_labels_are_translated_and_private_actions_are_known() -> None:
    assert set(ACTION_LABELS) >= PRIVATE_ACTIONS
    with translation.override("en"):
        english = {action: str(label) for action, label in ACTION_LABELS.items()}
    with translation.override("fr"):
        french = {action: str(label) for action, label in ACTION_LABELS.items()}
    assert {action for action in english if english[action] == french[action]} == set()
