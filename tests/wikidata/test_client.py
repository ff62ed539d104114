"""Reading software facts from Wikidata: the mapping, and what is refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from communs.publiccode.network import SafeFetcher
from communs.wikidata.client import (
    WikidataClient,
    WikidataError,
    WikidataFacts,
    best_statements,
    check_qid,
    commons_file_url,
    entity_facts,
    find_entity,
    licence_expression,
)

FIXTURES = Path(__file__).parent / "fixtures"


def entity(qid: str) -> dict:
    return json.loads((FIXTURES / f"{qid}.json").read_text(encoding="utf-8"))["entities"][qid]


def test_it_reads_7zip(client: WikidataClient) -> None:
    facts = client.facts("Q215051")
    assert facts.labels == {"fr": "7-Zip", "en": "7-Zip"}
    assert facts.descriptions == {
        "fr": "logiciel libre de compression de données",
        "en": "open-source file archiver",
    }
    assert facts.logo_url == "https://commons.wikimedia.org/wiki/Special:FilePath/7-Zip_Icon.svg"
    # The preferred website wins over the normal one.
    assert facts.website == "https://www.7-zip.org/"
    assert facts.repository_url == "https://github.com/ip7z/7zip"
    # Two licence items have an SPDX id; the unRAR restriction has none.
    assert facts.licence_items == ["Q27016762", "Q18491847", "Q1754474"]
    assert facts.licence == "LGPL-2.1-or-later OR BSD-3-Clause"
    assert facts.unmapped_licences == ["Q1754474"]
    assert facts.osi_approved is True and facts.fsf_libre is True and facts.free is True
    assert facts.redirected_to == ""


def test_it_reads_libreoffice_truthy_statements_only(client: WikidataClient) -> None:
    facts = client.facts("Q10135")
    # The deprecated website is ignored; of the repositories, the preferred one.
    assert facts.website == "https://www.libreoffice.org/"
    assert facts.repository_url == "https://git.libreoffice.org/core"
    # The generic LGPL item (normal rank) loses to the two preferred licences.
    assert facts.licence_items == ["Q25428413", "Q27016757"]
    assert facts.licence == "MPL-2.0 OR LGPL-3.0-or-later"
    assert facts.unmapped_licences == []
    assert facts.logo_url.endswith("/Special:FilePath/LibreOffice_7.5_Main_Icon.svg")
    assert facts.free


def test_it_asks_for_the_item_then_all_its_licences_at_once(
    client: WikidataClient, wikidata
) -> None:
    client.facts("Q215051")
    assert len(wikidata.requests) == 2
    first, second = wikidata.requests
    assert "ids=Q215051" in first and "props=labels%7Cdescriptions%7Cclaims" in first
    assert "ids=Q27016762%7CQ18491847%7CQ1754474" in second and "props=claims" in second


def test_freedom_follows_from_the_spdx_flags_not_from_item_ids(client: WikidataClient) -> None:
    facts = client.facts("Q7002")
    # BUSL-1.1 is an SPDX id neither the OSI nor the FSF approves; "proprietary software"
    # has no SPDX id at all.
    assert facts.licence == "BUSL-1.1"
    assert facts.unmapped_licences == ["Q218616"]
    assert facts.osi_approved is False and facts.fsf_libre is False
    assert facts.free is False


def test_a_merged_item_is_read_from_its_new_id(client: WikidataClient) -> None:
    facts = client.facts("Q4115189")
    assert facts.qid == "Q4115189"
    assert facts.redirected_to == "Q7001"
    assert facts.labels["fr"] == "Exemple Méduse"
    # javascript: and ftp: URLs are no websites; the same licence twice counts once.
    assert facts.website == "https://medusa.example.org/"
    assert facts.repository_url == ""
    assert facts.logo_url == ""
    assert facts.licence == "GPL-3.0-or-later"


def test_an_unknown_item_is_an_error(client: WikidataClient) -> None:
    with pytest.raises(WikidataError, match="no-such-entity|Could not find"):
        client.facts("Q999999999")


@pytest.mark.parametrize(
    "value", ["", "Q", "Q0", "Q01", "P31", "Q12345678901", "Q1 OR 1", "../Q1", "Q1|Q2", None, 42]
)
def test_it_refuses_what_is_not_an_item_id_before_asking(
    client: WikidataClient, wikidata, value: object
) -> None:
    with pytest.raises(WikidataError, match="not a Wikidata item id"):
        client.facts(value)  # type: ignore[arg-type]
    assert wikidata.requests == []


def test_ids_are_read_in_any_case_and_spacing() -> None:
    assert check_qid(" q215051 ") == "Q215051"


def test_it_refuses_loopback_addresses(wikidata) -> None:
    # The real guard, no rerouting: the local server is on the loopback interface.
    url = f"http://127.0.0.1:{wikidata.port}/w/api.php"
    with WikidataClient(api_url=url) as client, pytest.raises(WikidataError, match="non-public"):
        client.facts("Q215051")
    assert wikidata.requests == []


@pytest.mark.parametrize("address", ["10.0.0.8", "192.168.1.1", "169.254.169.254", "::1"])
def test_it_refuses_hosts_that_resolve_to_private_addresses(address: str) -> None:
    fetcher = SafeFetcher(resolver=lambda host, port: [address])
    with pytest.raises(WikidataError, match="non-public address"):
        WikidataClient(fetcher=fetcher).facts("Q215051")
    fetcher.close()


@pytest.mark.parametrize(
    ("prefix", "message"),
    [
        ("status500", "HTTP 500"),
        ("notjson", "not JSON"),
        ("huge", "larger than"),
        ("nowhere", "HTTP 404"),
    ],
)
def test_broken_answers_are_errors(client: WikidataClient, prefix: str, message: str) -> None:
    client.api_url = f"http://www.wikidata.org/{prefix}/api.php"
    client.max_bytes = 100_000
    with pytest.raises(WikidataError, match=message):
        client.facts("Q215051")


# --- the pure mapping ---------------------------------------------------------------------


def test_truthy_statements_are_preferred_else_normal_never_deprecated() -> None:
    claims = {
        "P1": [{"rank": "normal", "x": 1}, {"rank": "deprecated", "x": 2}],
        "P2": [{"rank": "normal", "x": 3}, {"rank": "preferred", "x": 4}],
        "P3": [{"rank": "deprecated", "x": 5}],
        "P4": "not a list",
    }
    assert [s["x"] for s in best_statements(claims, "P1")] == [1]
    assert [s["x"] for s in best_statements(claims, "P2")] == [4]
    assert best_statements(claims, "P3") == []
    assert best_statements(claims, "P4") == []
    assert best_statements(None, "P1") == []


def test_a_licence_item_gives_its_current_spdx_id() -> None:
    # The preferred id is already current; a deprecated "LGPL-3.0+" beside it normalises
    # the same way.
    facts = entity_facts(
        "Q10135",
        entity("Q10135"),
        {"Q25428413": entity("Q25428413"), "Q27016757": entity("Q27016757")},
    )
    assert facts.licence == "MPL-2.0 OR LGPL-3.0-or-later"
    lonely = entity_facts("Q10135", entity("Q10135"), {})
    assert lonely.licence == ""
    assert lonely.unmapped_licences == ["Q25428413", "Q27016757"]
    assert lonely.osi_approved is None and lonely.free is False


def test_several_licences_join_with_or_each_once() -> None:
    assert licence_expression([]) == ""
    assert licence_expression(["MIT"]) == "MIT"
    assert licence_expression(["MIT", "Apache-2.0", "MIT"]) == "MIT OR Apache-2.0"
    assert licence_expression(["GPL-2.0-only WITH Classpath-exception-2.0", "MIT"]) == (
        "GPL-2.0-only WITH Classpath-exception-2.0 OR MIT"
    )


def test_commons_file_urls() -> None:
    assert commons_file_url("7-Zip Icon.svg") == (
        "https://commons.wikimedia.org/wiki/Special:FilePath/7-Zip_Icon.svg"
    )
    assert commons_file_url("Logo (2024) é.png").endswith("/Logo_(2024)_%C3%A9.png")
    assert commons_file_url("../../etc/passwd") == ""
    assert commons_file_url("   ") == ""


def test_hostile_entities_give_empty_facts_not_exceptions() -> None:
    hostile = {
        "id": "Q5",
        "labels": {"fr": {"value": "x" * 10_000}, "en": "not a mapping"},
        "descriptions": [],
        "claims": {
            "P856": [{"rank": "normal", "mainsnak": {"snaktype": "value", "datavalue": 3}}],
            "P275": [
                {
                    "rank": "normal",
                    "mainsnak": {"snaktype": "value", "datavalue": {"value": {"id": "Q0"}}},
                }
            ],
            "P154": [
                {"rank": "normal", "mainsnak": {"snaktype": "value", "datavalue": {"value": ["a"]}}}
            ],
        },
    }
    facts = entity_facts("Q5", hostile, {})
    assert facts.labels == {"fr": "x" * 200}
    assert facts.descriptions == {} and facts.website == "" and facts.licence_items == []
    assert facts.logo_url == ""


def test_find_entity_says_what_is_missing() -> None:
    with pytest.raises(WikidataError, match="does not exist"):
        find_entity({"Q5": {"id": "Q5", "missing": ""}}, "Q5")
    with pytest.raises(WikidataError, match="not in the answer"):
        find_entity({}, "Q5")
    with pytest.raises(WikidataError, match="not an item"):
        find_entity({"Q5": {"id": "P5"}}, "Q5")


def test_facts_round_trip_through_the_cache_shape() -> None:
    facts = entity_facts("Q215051", entity("Q215051"), {"Q18491847": entity("Q18491847")})
    assert WikidataFacts.from_dict(json.loads(json.dumps(facts.to_dict()))) == facts
