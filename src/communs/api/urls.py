"""``/api/``: version 1 under ``v1/``, and its OpenAPI document and docs page also at the
root (``/api/openapi.json``, ``/api/docs``), where clients look for them first."""

from __future__ import annotations

from functools import partial

from django.urls import path
from ninja.openapi.views import openapi_json, openapi_view

from communs.api import publiccode
from communs.api.v1 import api

urlpatterns = [
    path("v1/", api.urls),
    path("openapi.json", partial(openapi_json, api=api), name="api-openapi"),
    path("docs", partial(openapi_view, api=api), name="api-docs"),
    # The address the publiccode.yml issue names; the same operation as under v1/.
    path("publiccode/validate", publiccode.validate_view(api), name="api-publiccode-validate"),
]
