"""The code.gouv.fr score: each criterion of its table, and the rule that hides negatives."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from communs.scoring import codegouv_score, hidden_by_default


def _files(**kinds: list[str]) -> dict[str, Any]:
    return {"files": kinds, "license": {"expression": "", "files": []}}


def _points(record: Any) -> dict[str, float]:
    return {row.criterion: row.points for row in codegouv_score(record).rows}


def test_it_scores_a_well_kept_repository_criterion_by_criterion() -> None:
    record = {
        "license": "EUPL-1.2",
        "is_template": True,
        "description": "Un outil",
        "forks": 101,
        "watchers": 11,
        "analysis": _files(
            publiccode=["publiccode.yml"],
            readme=["README.md"],
            contributing=[".github/CONTRIBUTING.md"],
            changelog=["CHANGELOG.md"],
        ),
    }

    score = codegouv_score(record)

    assert _points(record) == {
        "known_license": 1000,
        "template": 1000,
        "publiccode": 1000,
        "readme": 100,
        "contributing": 100,
        "changelog": 10,
        "description": 0,
        "archived": 0,
        "fork": 0,
        "forks": 1000,
        "subscribers": 100,
    }
    assert score.total == 4310 == sum(row.points for row in score.rows)
    assert hidden_by_default(score) is False


@pytest.mark.parametrize(("count", "points"), [(0, 0), (1, 0), (2, 10), (10, 10), (11, 100),
                                               (100, 100), (101, 1000)])  # fmt: skip
def test_it_gives_forks_and_subscribers_points_over_1_10_and_100(count: int, points: int) -> None:
    assert _points({"forks": count, "watchers": count})["forks"] == points
    assert _points({"forks": count, "watchers": count})["subscribers"] == points


def test_it_hides_an_archived_fork_without_description() -> None:
    record = {"description": "  ", "is_archived": True, "is_fork": True, "license": "MIT"}

    score = codegouv_score(record)

    assert _points(record)["description"] == -100
    assert score.total == 1000 - 100 - 1000 - 1000
    assert hidden_by_default(score) is True


def test_it_costs_nothing_when_the_description_is_not_known() -> None:
    assert _points({})["description"] == 0
    assert _points({"description": ""})["description"] == -100


def test_it_takes_the_detected_licence_when_the_forge_gives_none() -> None:
    analysis = {"files": {}, "license": {"expression": "CECILL-2.1",
                                         "files": [{"path": "LICENSE"}]}}  # fmt: skip

    score = codegouv_score({"license": "", "analysis": analysis})

    (row,) = [row for row in score.rows if row.criterion == "known_license"]
    assert (row.points, row.evidence) == (1000, "LICENSE says CECILL-2.1")
    assert _points({"license": "NOASSERTION"})["known_license"] == 0


def test_it_reads_the_forges_root_files_when_there_is_no_analysis() -> None:
    record = {"root_files": ["README.md", "docs/", "publiccode.yml", "CHANGES.txt"]}

    points = _points(record)

    assert (points["readme"], points["publiccode"], points["changelog"]) == (100, 1000, 10)
    assert points["contributing"] == 0


def test_it_says_when_it_cannot_know_which_files_there_are() -> None:
    rows = {row.criterion: row for row in codegouv_score({}).rows}

    assert rows["readme"].points == 0
    assert "not known" in rows["readme"].evidence


@dataclass
class RepositoryLike:
    license: str = "MIT"
    description: str = "x"
    is_fork: bool = False
    is_archived: bool = False
    is_template: bool = False
    forks: int = 3
    watchers: int = 0
    root_files: list[str] = field(default_factory=lambda: ["README"])


def test_it_reads_records_that_are_objects_as_well_as_mappings() -> None:
    as_object = codegouv_score(RepositoryLike())
    as_mapping = codegouv_score(vars(RepositoryLike()))

    assert as_object == as_mapping
    assert as_object.total == 1000 + 100 + 10
