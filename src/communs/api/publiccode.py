"""``POST /api/publiccode/validate`` (also ``/api/v1/publiccode/validate``): a
publiccode.yml checked by ``communs.publiccode.validate``, answered as the command's JSON.

The body is the file itself (``application/yaml``, ``text/yaml``, ``text/plain`` or no
type), or JSON ``{"content": "...", "network": false}``. The answer is ``{"valid",
"results": [{"level", "key", "description", "line", "column"}]}``, whatever the file
holds (a YAML bomb or a wrong type is a result, not an error of the API); the API only
answers 400 when it cannot read the body: over the validator's 1 MiB, not UTF-8, JSON
of the wrong shape. Network checks (``"network": true``, or ``?network=true`` with a raw
body) fetch through the validator's ``SafeFetcher``: public addresses only.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError

from communs.api import schemas
from communs.publiccode import validate
from communs.publiccode.yamltree import MAX_BYTES

# A JSON body escapes what it carries: room for a file at the bound, and some.
MAX_JSON_BYTES = 2 * MAX_BYTES
URL_NAME = "validate_publiccode"

router = Router(tags=["publiccode"])


class PubliccodeResult(Schema):
    level: Literal["error", "warning"] = Field(
        description="`error` makes the file invalid; a `warning` does not."
    )
    key: str = Field(
        description="The key, as a dotted path (`legal.license`, `description.en.features`); "
        "empty for the whole file."
    )
    description: str = Field(description="What is wrong, in the reference validator's words.")
    line: int = Field(description="1-based line; 0 when the result has no place in the file.")
    column: int = Field(description="1-based column; 0 when the result has no place.")


class PubliccodeReport(Schema):
    valid: bool = Field(description="True when no result is an error.")
    results: list[PubliccodeResult]


class PubliccodeBadRequest(Schema):
    detail: str


_TEXT_BODY = {"schema": {"type": "string", "maxLength": MAX_BYTES}}
REQUEST_BODY = {
    "required": True,
    "description": "The publiccode.yml, as the body, or inside JSON.",
    "content": {
        "application/yaml": _TEXT_BODY,
        "text/plain": _TEXT_BODY,
        "application/json": {
            "schema": {
                "type": "object",
                "properties": {
                    "content": {"type": "string", "maxLength": MAX_BYTES},
                    "network": {"type": "boolean", "default": False},
                },
                "required": ["content"],
            }
        },
    },
}


@router.post(
    "/validate",
    # 429: the API's rate limit counts this operation too (the middleware answers it).
    response={200: PubliccodeReport, 400: PubliccodeBadRequest, 429: schemas.TooManyRequests},
    operation_id="validate_publiccode",
    url_name=URL_NAME,
    summary="Validate a publiccode.yml",
    openapi_extra={"requestBody": REQUEST_BODY},
)
def validate_publiccode(
    request: HttpRequest,
    network: bool = Query(
        False,
        description="Also check that URLs answer and the logo loads (public addresses only).",
    ),
) -> dict[str, Any]:
    """Check a publiccode.yml against the standard, as strictly as the reference validator
    (publiccode-parser-go), with network checks off unless asked. Relative paths (logo,
    screenshots) are only checked for their form."""
    content, network = _read_body(request, network)
    report = validate(content, network=network)
    return {"valid": report.valid, "results": [result.to_dict() for result in report.results]}


def _read_body(request: HttpRequest, network: bool) -> tuple[str, bool]:
    """The file's text and whether to check the network, or a 400 saying what is wrong."""
    is_json = request.content_type == "application/json"
    bound = MAX_JSON_BYTES if is_json else MAX_BYTES
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > bound:
        raise HttpError(400, _too_large())
    # The declared length bounds what Django reads, so this stays within the bound.
    body = request.body
    if len(body) > bound:
        raise HttpError(400, _too_large())
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise HttpError(
            400,
            _("The body is not UTF-8 text (byte %(position)d cannot be read).")
            % {"position": error.start + 1},
        ) from None
    if not is_json:
        return text, network
    try:
        document = json.loads(text)
    except ValueError:
        raise HttpError(400, _("The body is not valid JSON.")) from None
    if not isinstance(document, dict) or not isinstance(document.get("content"), str):
        raise HttpError(
            400, _('The JSON body must be an object with the file as a string in "content".')
        )
    wants_network = document.get("network", False)
    if not isinstance(wants_network, bool):
        raise HttpError(400, _('"network" must be true or false.'))
    content = document["content"]
    if len(content.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        raise HttpError(400, _too_large())
    return content, wants_network or network


def _too_large() -> str:
    return _("The file is over %(size)d KiB: it is not read.") % {"size": MAX_BYTES // 1024}


def validate_view(api: Any) -> Any:
    """The Django view of this operation in ``api``, to serve it at a second address."""
    patterns, _app, _namespace = api.urls
    for pattern in patterns:
        if getattr(pattern, "name", None) == URL_NAME:
            return pattern.callback
    raise LookupError(f"{URL_NAME} is not mounted in this API")
