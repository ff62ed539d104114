"""The Table Schemas describe exactly what the exports write."""

from __future__ import annotations

from communs.opendata.schemas import (
    ORGANISATION_FIELDS,
    REPOSITORY_FIELDS,
    TableField,
    cell_problem,
    table_schema,
    value_problem,
)
from communs.repositories import exports


def test_the_schemas_name_the_export_columns_in_their_order() -> None:
    assert tuple(item.name for item in REPOSITORY_FIELDS) == exports.REPOSITORY_FIELDS
    assert tuple(item.name for item in ORGANISATION_FIELDS) == exports.ORGANISATION_FIELDS


def test_every_field_has_a_type_a_description_and_constraints() -> None:
    for fields in (REPOSITORY_FIELDS, ORGANISATION_FIELDS):
        for file_format in ("csv", "json"):
            schema = table_schema(fields, file_format)
            assert schema["missingValues"] == [""]
            for descriptor in schema["fields"]:
                assert descriptor["type"] in {
                    "string",
                    "boolean",
                    "integer",
                    "datetime",
                    "object",
                    "array",
                }
                assert len(descriptor["description"]) > 10
                assert isinstance(descriptor["constraints"]["required"], bool)


def test_lists_are_arrays_in_json_and_strings_in_csv() -> None:
    def kind(file_format: str) -> str:
        fields = table_schema(REPOSITORY_FIELDS, file_format)["fields"]
        return next(item["type"] for item in fields if item["name"] == "topics")

    assert (kind("json"), kind("csv")) == ("array", "string")


def test_organisations_are_keyed_by_their_key() -> None:
    assert table_schema(ORGANISATION_FIELDS, "csv")["primaryKey"] == "key"
    assert "primaryKey" not in table_schema(REPOSITORY_FIELDS, "csv")


def test_it_tells_cells_that_break_their_type() -> None:
    stars = TableField("stars", "integer", "Stars.", required=True, minimum=0)
    assert cell_problem(stars, "12") is None
    assert cell_problem(stars, "-1") == "stars: -1 is below 0"
    assert cell_problem(stars, "douze") is not None
    assert cell_problem(stars, "") == "stars: required but empty"
    fork = TableField("is_fork", "boolean", "Fork.")
    assert cell_problem(fork, "") is None
    assert cell_problem(fork, "True") is not None
    when = TableField("created_at", "datetime", "Created.")
    assert cell_problem(when, "2020-05-01T08:30:15.123456Z") is None
    assert cell_problem(when, "2020-05-01 08:30") is not None  # no zone
    languages = TableField("languages", "object", "Languages.")
    assert cell_problem(languages, '{"Python": 3}') is None
    assert cell_problem(languages, "[1]") is not None
    level = TableField("level", "string", "Level.", enum=("ministry", "organisation"))
    assert cell_problem(level, "agency") is not None
    url = TableField("url", "string", "URL.", format="uri")
    assert cell_problem(url, "not a uri") is not None


def test_it_tells_json_values_that_break_their_type() -> None:
    stars = TableField("stars", "integer", "Stars.", required=True, minimum=0)
    assert value_problem(stars, 3) is None
    assert value_problem(stars, True) is not None
    assert value_problem(stars, None) is not None
    topics = TableField("topics", "array", "Topics.", csv_type="string")
    assert value_problem(topics, ["a"]) is None
    assert value_problem(topics, "a") is not None
