"""Schemathesis, from the OpenAPI document, against the WSGI application in this process.

For every GET operation it sends a bounded number of generated requests, valid ones
and invalid ones, over a data set that holds e-mail addresses, and requires: no server
error, only documented statuses and content types, bodies that match their schema,
invalid input refused with a 4xx, and no planted address in any body.

Not checked: that every schema-valid request is accepted. A cursor is opaque: the
schema cannot say which strings are cursors this API made, so a random one is a 400.

The application is called as a WSGI server would, inside the test's transaction. At
the start and end of every request Django closes a database connection that is not in
its configured autocommit mode, and a test transaction is not: on PostgreSQL the first
request closed the connection that held the test's rows, and every later one failed.
Django's own test client holds that close back; so does :func:`wsgi_application` here.
(SQLite hid the problem: it ignores a close of its in-memory test database.)
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)
from werkzeug.test import Client

from communs.web.queries import present_repositories

from .conftest import PLANTED_EMAILS, Catalogue

# Requests per operation, valid and invalid ones mixed: about 700 in all, some seconds.
EXAMPLES = 100
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
]


@pytest.fixture
def wsgi_application() -> Iterator[Callable[..., Any]]:
    """The project's WSGI application, its requests kept in the test's transaction.

    As ``django.test.Client`` does: a request does not close the database connection
    (``close_old_connections``) when it starts or finishes, so the rows the test made
    stay visible and the test's transaction is rolled back as usual afterwards.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield get_wsgi_application()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.mark.django_db
def test_it_finds_no_server_error_and_no_answer_off_the_schema(
    catalogue: Catalogue, settings: Any, wsgi_application: Callable[..., Any]
) -> None:
    settings.API_RATE_LIMIT = "0"  # thousands of requests from one address
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", wsgi_application)
    operations = [result.ok() for result in schema.get_all_operations()]
    # Every read. Writes have tests of their own: the publiccode.yml validator's POST,
    # asked for network checks, would fetch from the Internet.
    reads = [operation for operation in operations if operation.method.upper() == "GET"]
    assert len(reads) >= 7  # repositories, organisations, forges (lists and items), stats
    for operation in reads:
        strategy = operation.as_strategy() | operation.as_strategy(
            generation_mode=schemathesis.GenerationMode.NEGATIVE
        )

        @given(case=strategy)
        @hypothesis_settings(
            max_examples=EXAMPLES,
            deadline=None,
            derandomize=True,  # the same requests on every run: a failure is reproducible
            database=None,  # nothing to replay: derandomized runs are the same anyway
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        def check(case: schemathesis.Case) -> None:
            response = case.call_and_validate(checks=CHECKS)
            for address in PLANTED_EMAILS:
                assert address not in response.text

        check()

    # Every request above saw the rows this test made, and the last one still does: the
    # planted addresses were there to leak, on either database.
    answer = Client(wsgi_application).get("/api/v1/repositories")
    assert answer.status_code == 200
    listed = {row["name"] for row in answer.json["results"]}
    assert listed == {repository.name for repository in present_repositories()}
