"""The validator page (``/publiccode/``) and the draft page (``/publiccode/new/``).

Both work without JavaScript: each way in (paste, upload, a repository's URL) is its own
form, and the answer is the same page with the text, its lines numbered and marked, beside
the results. The validation itself is ``communs.publiccode.validate``, network checks off.

The validator view reads the request body itself, before checking the CSRF token: a body
too large would otherwise fail inside the CSRF middleware with a bare 400, where the
person deserves the page saying why; and uploads go through a handler that drops a file
past the validator's bound instead of storing it whole.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.middleware.csrf import CsrfViewMiddleware
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from communs.publiccode import ERROR, Report, Result, remote, validate
from communs.publiccode.forms import (
    REMOTE_REASONS,
    PasteForm,
    RepositoryForm,
    UploadForm,
    too_large_message,
)
from communs.publiccode.generator import TODO, Facts, draft
from communs.publiccode.known import find_repository, repository_facts, source_for
from communs.publiccode.yamltree import MAX_BYTES
from communs.repositories.models import Repository

# The largest primary key either database stores (a signed 64-bit integer).
MAX_ID = 2**63 - 1
SOURCES = ("paste", "upload", "url")


@dataclass
class Line:
    number: int
    text: str
    # (number of the result in the list, result): each mark links to its result.
    results: list[tuple[int, Result]] = field(default_factory=list)

    @property
    def level(self) -> str:
        """The worst level on this line, "" when none."""
        if any(result.level == ERROR for _, result in self.results):
            return ERROR
        return self.results[0][1].level if self.results else ""


@dataclass
class Checked:
    """One validated text, as the page shows it."""

    text: str
    report: Report
    origin: str = ""  # where the text came from: a file name or the URL fetched

    @property
    def lines(self) -> list[Line]:
        # A file's last line ends with a line break; there is no empty line after it.
        texts = self.text.removesuffix("\n").split("\n")
        lines = [Line(number, text) for number, text in enumerate(texts, 1)]
        for number, result in enumerate(self.report.results, 1):
            if 1 <= result.line <= len(lines):
                lines[result.line - 1].results.append((number, result))
        return lines

    @property
    def todo(self) -> int:
        """How many lines of a draft still say TODO."""
        return sum(line.lstrip().startswith(TODO) for line in self.text.split("\n"))

    @property
    def unplaced(self) -> list[Result]:
        """Results about the whole file (line 0), or past its end."""
        count = self.text.removesuffix("\n").count("\n") + 1
        return [r for r in self.report.results if not 1 <= r.line <= count]


class BoundedUploadHandler(FileUploadHandler):
    """Drops an uploaded file as soon as it is past the validator's bound.

    Django would otherwise keep it whole, in memory or in a temporary file, before the
    form could refuse it; the form then sees the file missing and ``too_large`` set.
    """

    def __init__(self, request: HttpRequest | None = None) -> None:
        super().__init__(request)
        self.received = 0
        self.too_large = False

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        if self.received > MAX_BYTES:
            self.too_large = True
            raise SkipFile()
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


@csrf_exempt  # checked below, once the body is known to be readable
def validate_page(request: HttpRequest) -> HttpResponseBase:
    context: dict[str, Any] = {"section": "publiccode", "errors": []}
    forms: dict[str, Any] = {
        "paste": PasteForm(auto_id="paste_%s"),
        "upload": UploadForm(auto_id="upload_%s"),
        "url": RepositoryForm(auto_id="url_%s"),
    }
    status = 200
    if request.method == "POST":
        bounded = BoundedUploadHandler(request)
        request.upload_handlers.insert(0, bounded)
        try:
            posted = request.POST
        except RequestDataTooBig:
            context["errors"] = [("paste_content", too_large_message())]
            return _render_page(request, context, forms, status=413)
        refused = CsrfViewMiddleware(lambda r: HttpResponse()).process_view(request, None, (), {})
        if refused is not None:
            return refused
        source = posted.get("source", "paste")
        if source not in SOURCES:
            source = "paste"
        checked, status = _check(request, source, forms, context, bounded)
        if checked is not None:
            if posted.get("action") == "download":
                return _download(checked.text)
            context["checked"] = checked
            # The text checked goes back in the paste form, to edit and check again.
            forms["paste"] = PasteForm(initial={"content": checked.text}, auto_id="paste_%s")
    return _render_page(request, context, forms, status=status)


def _check(
    request: HttpRequest,
    source: str,
    forms: dict[str, Any],
    context: dict[str, Any],
    bounded: BoundedUploadHandler,
) -> tuple[Checked | None, int]:
    """The checked text, or None with the form's errors in the context, and a status."""
    if source == "upload":
        form = UploadForm(request.POST, request.FILES, auto_id="upload_%s")
        forms["upload"] = form
        if bounded.too_large:
            form.is_valid()
            form.errors["file"] = form.error_class([too_large_message()])
            context["errors"] = [("upload_file", too_large_message())]
            return None, 413
        if not form.is_valid():
            context["errors"] = _errors(form, "upload_")
            return None, 400
        upload = request.FILES["file"]
        text = form.cleaned_data["file"]
        return Checked(text, validate(text), origin=upload.name or "publiccode.yml"), 200
    if source == "url":
        form = RepositoryForm(request.POST, auto_id="url_%s")
        forms["url"] = form
        if not form.is_valid():
            context["errors"] = _errors(form, "url_")
            return None, 400
        try:
            fetched = _fetch(form.cleaned_data["url"])
        except remote.RemoteError as error:
            message = str(REMOTE_REASONS[error.reason])
            if error.detail:
                message += " " + _("(%(detail)s)") % {"detail": error.detail}
            form.add_error("url", message)
            context["errors"] = _errors(form, "url_")
            return None, 400
        if len(fetched.content) > MAX_BYTES:
            form.add_error("url", too_large_message())
            context["errors"] = _errors(form, "url_")
            return None, 400
        try:
            text = fetched.content.decode("utf-8")
        except UnicodeDecodeError:
            form.add_error("url", _("The repository's publiccode.yml is not UTF-8 text."))
            context["errors"] = _errors(form, "url_")
            return None, 400
        return Checked(text.replace("\r\n", "\n"), validate(text), origin=fetched.url), 200
    form = PasteForm(request.POST, auto_id="paste_%s")
    forms["paste"] = form
    if not form.is_valid():
        context["errors"] = _errors(form, "paste_")
        return None, 400
    text = form.cleaned_data["content"]
    return Checked(text, validate(text)), 200


def _fetch(url: str) -> remote.Fetched:
    source = source_for(url)
    urls = remote.raw_urls(source.url, source.kind, source.branch, any_port=source.known_forge)
    fetcher = remote.open_fetcher()
    try:
        return remote.fetch_publiccode(urls, fetcher)
    finally:
        close = getattr(fetcher, "close", None)
        if close is not None:
            close()


def _errors(form: Any, prefix: str) -> list[tuple[str, str]]:
    """(field id, message) for the error summary at the top of the page."""
    return [
        (f"{prefix}{name}", str(message))
        for name, messages in form.errors.items()
        for message in messages
    ]


def _render_page(
    request: HttpRequest, context: dict[str, Any], forms: dict[str, Any], *, status: int
) -> HttpResponse:
    context.update(forms=forms)
    return render(request, "publiccode/validate.html", context, status=status)


def _download(text: str) -> HttpResponse:
    response = HttpResponse(text, content_type="application/yaml; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="publiccode.yml"'
    return response


def draft_page(request: HttpRequest) -> HttpResponse:
    """A draft for a repository Communs knows (``?repository=<id>``) or for any
    repository's address (``?url=``), in an editable form that posts to the validator."""
    repository: Repository | None = None
    # Bound only when an address was asked for: ``?repository=`` alone is no error.
    url_form = RepositoryForm(request.GET if "url" in request.GET else None, auto_id="url_%s")
    url_form.fields["url"].help_text = _(
        "Communs drafts from what it knows of that repository, or from its address alone."
    )
    text = ""
    key = request.GET.get("repository", "")
    if key:
        if not key.isdigit() or int(key) > MAX_ID:
            raise Http404(_("There is no such repository."))
        repository = get_object_or_404(
            Repository.objects.select_related("forge__organisation", "account__organisation"),
            pk=int(key),
        )
        text = draft(repository_facts(repository))
    elif url_form.is_bound and url_form.is_valid():
        url = url_form.cleaned_data["url"]
        repository = find_repository(url)
        facts = repository_facts(repository) if repository else Facts(name="", url=url)
        text = draft(facts)
    context: dict[str, Any] = {
        "section": "publiccode",
        "repository": repository,
        "url_form": url_form,
        "draft": text,
        "errors": _errors(url_form, "url_") if url_form.is_bound else [],
    }
    if text:
        context["form"] = PasteForm(initial={"content": text}, auto_id="paste_%s")
        context["form"].fields["content"].widget.attrs["rows"] = 40
        context["checked"] = Checked(text, validate(text))
    status = 400 if url_form.is_bound and url_form.errors else 200
    return render(request, "publiccode/new.html", context, status=status)
