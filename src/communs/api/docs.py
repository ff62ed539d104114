"""The API's documentation page, served whole from this site: no request leaves it.

ninja's own page loads Swagger UI from a CDN unless ninja is an installed app; here it
is one, so its bundled copy is served as this site's static files. The page also lists
every operation and its parameters in plain HTML, read from the OpenAPI document, so
it is useful without JavaScript or with the Swagger bundle blocked.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from ninja.openapi.docs import DocsBase

if TYPE_CHECKING:
    from ninja import NinjaAPI

METHODS = ("get", "head", "options", "post", "put", "patch", "delete")


class OfflineDocs(DocsBase):
    """Swagger UI from the site's static files, above a server-rendered list of operations."""

    template = "api/docs.html"

    def render_page(self, request: HttpRequest, api: NinjaAPI, **kwargs: Any) -> HttpResponse:
        openapi_url = self.get_openapi_url(api, kwargs)
        schema = api.get_openapi_schema(path_params=kwargs)
        settings = {
            "url": openapi_url,
            "layout": "BaseLayout",
            # Deep links would put a link inside each operation's button (nested controls,
            # which screen readers announce badly); the plain list below has the anchors.
            "deepLinking": False,
            # Swagger UI would send the document to validator.swagger.io to show a badge.
            "validatorUrl": None,
        }
        context = {
            "api": api,
            "openapi_url": openapi_url,
            "operations": operations(schema),
            # Inside a <script> element: "<" escaped so that no text can close it.
            "swagger_settings": json.dumps(settings).replace("<", "\\u003c"),
        }
        return render(request, self.template, context)


def operations(schema: dict[str, Any]) -> list[dict[str, Any]]:
    """Each operation of an OpenAPI document: method, path, summary, description, and its
    parameters (name, where, required, description), in the document's order."""
    found = []
    for path, item in schema.get("paths", {}).items():
        for method in METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            found.append(
                {
                    "method": method.upper(),
                    "path": path,
                    "id": operation.get("operationId", ""),
                    "summary": operation.get("summary", ""),
                    "description": operation.get("description", ""),
                    "parameters": [
                        {
                            "name": parameter.get("name", ""),
                            "where": parameter.get("in", ""),
                            "required": bool(parameter.get("required")),
                            "description": parameter.get("description")
                            or parameter.get("schema", {}).get("description", ""),
                        }
                        for parameter in operation.get("parameters", [])
                    ],
                }
            )
    return found
