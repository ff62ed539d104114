"""``POST /api/publiccode/validate``: the file as the body or in JSON, the command's JSON
back, and a 400 only when the body cannot be read."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from communs.publiccode import validate
from communs.publiccode.yamltree import MAX_BYTES

from .test_validate import MINIMAL

URL = "/api/publiccode/validate"
V1_URL = "/api/v1/publiccode/validate"
INVALID = MINIMAL.replace("name: Medusa\n", "")


@pytest.fixture(autouse=True)
def fresh_budgets() -> None:
    # The rate counters live in the cache; each test starts with a full budget.
    cache.clear()


def post(body: bytes | str, content_type: str, url: str = URL, **extra: Any) -> Any:
    return Client().post(url, body, content_type=content_type, **extra)


def expected(text: str) -> dict[str, object]:
    report = validate(text)
    return {"valid": report.valid, "results": [r.to_dict() for r in report.results]}


@pytest.mark.django_db
@pytest.mark.parametrize("content_type", ["application/yaml", "text/yaml", "text/plain", ""])
def test_it_validates_a_raw_body(content_type: str) -> None:
    response = post(INVALID, content_type)
    assert response.status_code == 200, response.content
    assert response.json() == expected(INVALID)
    assert response.json()["valid"] is False
    assert {"level", "key", "description", "line", "column"} == set(response.json()["results"][0])


@pytest.mark.django_db
def test_it_validates_json_and_answers_under_v1_too() -> None:
    for url in (URL, V1_URL):
        response = post(json.dumps({"content": MINIMAL}), "application/json", url=url)
        assert response.status_code == 200
        assert response.json() == {"valid": True, "results": []}


@pytest.mark.django_db
def test_it_answers_like_the_command(tmp_path: Any) -> None:
    import io

    from django.core.management import call_command

    path = tmp_path / "publiccode.yml"
    path.write_text(INVALID)
    out = io.StringIO()
    with pytest.raises(SystemExit):
        call_command("publiccode", "validate", str(path), "--format", "json", stdout=out)
    (entry,) = json.loads(out.getvalue())
    answer = post(INVALID, "application/yaml").json()
    assert answer == {"valid": entry["valid"], "results": entry["results"]}


@pytest.mark.django_db
def test_bad_yaml_is_a_result_not_an_error() -> None:
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, "
        f"*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
        for i in range(8)
    )
    for text in (bomb, "a: b\n---\nc: d\n", "\t- x", "[" * 10_000, ""):
        response = post(text, "application/yaml")
        assert response.status_code == 200
        assert response.json()["valid"] is False


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "content_type", "message"),
    [
        (b"a" * (MAX_BYTES + 1), "application/yaml", "over 1024 KiB"),
        (b"name: caf\xe9\n", "application/yaml", "not UTF-8"),
        (b"\xff\xfe", "application/json", "not UTF-8"),
        (b"{not json", "application/json", "not valid JSON"),
        (b"[1, 2]", "application/json", '"content"'),
        (b'{"content": 3}', "application/json", '"content"'),
        (b'{"content": "a", "network": "yes"}', "application/json", '"network"'),
        (
            json.dumps({"content": "a" * (MAX_BYTES + 1)}).encode(),
            "application/json",
            "over 1024 KiB",
        ),
    ],
)
def test_an_unreadable_body_is_a_400_never_a_500(
    body: bytes, content_type: str, message: str
) -> None:
    response = post(body, content_type, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert message in response.json()["detail"]


@pytest.mark.django_db
def test_a_body_past_djangos_own_bound_is_a_400() -> None:
    response = post(b"a" * (5 * 1024 * 1024), "application/yaml", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400 and "over 1024 KiB" in response.json()["detail"]


@pytest.mark.django_db
def test_lone_surrogates_in_json_are_answered() -> None:
    # JSON can carry a lone surrogate, which no UTF-8 file holds: a result, as bad bytes are.
    assert not validate("name: \ud800").valid
    response = post('{"content": "name: \\ud800"}', "application/json")
    assert response.status_code == 200
    assert response.json()["results"][0]["description"] == "Invalid UTF-8"


@pytest.mark.django_db
def test_it_is_rate_limited_like_the_rest_of_the_api(settings: Any) -> None:
    settings.API_RATE_LIMIT = "2/minute"
    statuses = [post(MINIMAL, "application/yaml").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]


@pytest.mark.django_db
def test_the_operation_is_documented() -> None:
    document = Client().get("/api/openapi.json").json()
    operation = document["paths"]["/api/v1/publiccode/validate"]["post"]
    assert set(operation["requestBody"]["content"]) == {
        "application/yaml",
        "text/plain",
        "application/json",
    }
    assert "200" in operation["responses"] and "400" in operation["responses"]


@pytest.mark.django_db
def test_other_methods_get_a_json_405() -> None:
    response = Client().get(URL)
    assert response.status_code == 405
    assert response["Content-Type"].startswith("application/json")
    assert "detail" in response.json()
