"""The evidence of score rows: stable ids, English templates, and parameters.

A score row does not store a sentence: it stores an *evidence id* (``license_declared``)
and its parameters (``{"license": "MIT"}``). The sentence is made where it is shown, in
the reader's language:

    render("license_declared", {"license": "MIT"})              # English, here
    render("license_declared", {"license": "MIT"}, gettext)     # wherever Django runs

so the core stays pure (no Django inside) and the API can answer stable ids that
programs branch on, plus the sentence in the request's language.

Parameters are JSON values, because rows are stored as JSON: strings and numbers go
into the template as they are (with its format specs: ``{confidence:.0%}``); a mapping
``{"id": ..., "params": {...}}`` is itself a piece of evidence, rendered in the same
language (a licence approval, a secret's kind); a list is rendered item by item, joined
with ", ".

The templates are marked with :func:`gettext_noop` so that ``makemessages`` extracts
them (its xgettext knows that name); the French is in the project's catalogue.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any


def gettext_noop(message: str) -> str:
    """Mark a template for translation without translating it (as Django's own does)."""
    return message


Translate = Callable[[str], str]

MESSAGES: dict[str, str] = {
    # Shared by several scores.
    "not_analysed": gettext_noop("not known: the repository was not analysed"),
    "description_unknown": gettext_noop("description not known"),
    "description_present": gettext_noop("has a description"),
    "description_missing": gettext_noop("no description"),
    "file_found": gettext_noop("{file}: {path}"),
    "file_missing": gettext_noop("no {file}"),
    "file_unknown": gettext_noop("{file}: not known (no analysis, no list of files)"),
    # code.gouv.fr
    "license_declared": gettext_noop("the forge gives the licence {license}"),
    "license_in_files": gettext_noop("{files} says {license}"),
    "license_unrecognised": gettext_noop("a licence file, but which licence is not known"),
    "license_unknown": gettext_noop("no licence known"),
    "template_yes": gettext_noop("template repository"),
    "template_no": gettext_noop("not a template"),
    "archived_yes": gettext_noop("archived"),
    "archived_no": gettext_noop("not archived"),
    "fork_yes": gettext_noop("a fork"),
    "fork_no": gettext_noop("not a fork"),
    "forks_count": gettext_noop("forks: {count}"),
    "subscribers_count": gettext_noop("subscribers: {count}"),
    # The publication-readiness checklist.
    "license_file_missing": gettext_noop("no licence file"),
    "license_file_unrecognised": gettext_noop("{files}: licence not recognised"),
    "license_recognised": gettext_noop("{license} from {files}"),
    "license_file": gettext_noop("{path} ({spdx}, {method}, {confidence:.0%})"),
    "license_nothing_to_approve": gettext_noop("no recognised licence to approve"),
    "license_approved": gettext_noop("{license}: {approvals}"),
    "license_not_approved": gettext_noop("{license} is on no approved list"),
    "approval_osi": gettext_noop("OSI-approved"),
    "approval_fsf": gettext_noop("FSF-libre"),
    "approval_french_public_sector": gettext_noop("on the French public-sector list"),
    "publiccode_valid": gettext_noop("publiccode.yml is valid"),
    "publiccode_invalid": gettext_noop("publiccode.yml is not valid"),
    "publiccode_not_validated": gettext_noop("{path} not validated yet"),
    "secrets_none": gettext_noop("no secret found"),
    "secrets_found": gettext_noop("secrets committed ({count}): {places}"),
    "secrets_found_more": gettext_noop("secrets committed ({count}): {places} and {more} more"),
    "secret_place": gettext_noop("{path}:{line} ({kind})"),
    "secret_private_key": gettext_noop("private key"),
    "secret_aws_access_key_id": gettext_noop("AWS access key id"),
    "secret_aws_secret_access_key": gettext_noop("AWS secret access key"),
    "secret_github_token": gettext_noop("GitHub token"),
    "secret_gitlab_token": gettext_noop("GitLab token"),
    "secret_env_secret": gettext_noop("secret in an .env file"),
    # The vitality index.
    "history_missing": gettext_noop("no git history analysed: the index needs a checkout"),
    "authors_before_today": gettext_noop("distinct authors before today: {count}"),
    "commits_60d": gettext_noop("commits in 60 days: {commits}, of which merges: {merges}"),
    "tags_60d": gettext_noop("tags in 60 days: {count}"),
    "first_commit_age": gettext_noop("first commit {days:.0f} days ago"),
    "cap_days": gettext_noop("days capped at 100: {days}; then the mean cut to an integer"),
    "cap_rounding": gettext_noop("the mean cut to an integer"),
    # A provisional score, from the forge's metadata before any analysis.
    "provisional": gettext_noop("from the forge's metadata: the code is not analysed yet"),
}


def nested(evidence_id: str, **params: Any) -> dict[str, Any]:
    """A piece of evidence inside another's parameters, rendered in the same language."""
    return {"id": evidence_id, "params": params}


def _same(message: str) -> str:
    return message


def _value(value: Any, translate: Translate) -> Any:
    if isinstance(value, Mapping) and "id" in value:
        return render(str(value["id"]), value.get("params") or {}, translate)
    if isinstance(value, list | tuple):
        items = [_value(item, translate) for item in value]
        return ", ".join(str(item) for item in items)
    return value


def render(
    evidence_id: str, params: Mapping[str, Any] | None = None, translate: Translate | None = None
) -> str:
    """The sentence of a piece of evidence; ``translate`` (``gettext``) picks the language.

    An unknown id renders as itself, and a translated template that does not fit the
    parameters falls back to the English one: evidence is never lost to a bad catalogue.
    """
    template = MESSAGES.get(evidence_id)
    if template is None:
        return evidence_id
    translate = translate or _same
    values = {name: _value(value, translate) for name, value in (params or {}).items()}
    try:
        return translate(template).format(**values)
    except (KeyError, IndexError, ValueError, TypeError):
        try:
            return template.format(**values)
        except (KeyError, IndexError, ValueError, TypeError):
            return template
