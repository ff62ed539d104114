"""A small scanner for secrets committed in a tree: where they are, never what they are.

It looks for what leaks most and matters most: private keys (PEM and OpenSSH, with a key
body after the header, so a README showing the header alone does not count), AWS access
key ids and secret keys, GitHub and GitLab tokens, and ``.env`` files that assign a
value to a password, token or key variable. AWS's documented example key (ending in
``EXAMPLE``) and obvious placeholders (``changeme``, ``<token>``, ``${VAR}``) are not
secrets. A finding carries the file, the line and the kind; the matched text is dropped
as soon as its line number is known, so no result, log or page can show it.
"""

from __future__ import annotations

import re

_PATTERNS: dict[str, bytes] = {
    "private_key": (
        rb"-----BEGIN (?:RSA |DSA |EC |OPENSSH |PGP |ENCRYPTED )?PRIVATE KEY(?: BLOCK)?-----"
        rb"\r?\n(?:[\w-]+: [^\r\n]*\r?\n)*\r?\n?[A-Za-z0-9+/=]{40,}"
    ),
    "aws_access_key_id": rb"\b(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}\b",
    "aws_secret_access_key": (
        rb"(?i:aws_?secret_?access_?key|aws_?secret_?key)[\"']?\s*[:=]\s*[\"']?"
        rb"[A-Za-z0-9/+=]{40}(?![A-Za-z0-9/+=])"
    ),
    "github_token": rb"\b(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})\b",
    "gitlab_token": (
        rb"\b(?:glpat|gldt|glptt|glrt|glsoat|glcbt|glft|glimt|glagent|gloas)-"
        rb"[A-Za-z0-9_\-]{20,}"
    ),
}
_SCAN = re.compile(b"|".join(b"(?P<%s>%s)" % (name.encode(), p) for name, p in _PATTERNS.items()))

_ENV_NAME = re.compile(r"^\.env(\.[\w.-]+)?$", re.IGNORECASE)
_ENV_EXAMPLES = re.compile(r"(example|sample|template|dist|defaults?|tpl|schema)$", re.IGNORECASE)
_ENV_LINE = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.]*)\s*=\s*(.*?)\s*$")
_ENV_SECRET_KEY = re.compile(
    r"(secret|passw(or)?d|pwd|token|api_?key|private_?key|access_?key|credential|auth_?key)",
    re.IGNORECASE,
)
_PLACEHOLDER = re.compile(
    r"^(\$\{?[\w:-]*\}?|<[^>]*>|%[^%]*%|\{\{.*\}\}|x+|\*+|\.+|-+|changeme|change_?me|"
    r"secret|password|token|todo|tbd|none|null|nil|false|true|example\S*|your[\w-]*|dummy\S*|"
    r"fake\S*|test\S*)$",
    re.IGNORECASE,
)


def is_env_file(name: str) -> bool:
    """``.env``, ``.env.production``… but not ``.env.example`` and its kin."""
    return bool(_ENV_NAME.match(name)) and not _ENV_EXAMPLES.search(name)


def scan(name: str, data: bytes) -> list[tuple[int, str]]:
    """``(line, kind)`` for each secret in a file's bytes, in file order."""
    findings: list[tuple[int, str]] = []
    for match in _SCAN.finditer(data):
        kind = match.lastgroup or "secret"
        if kind == "aws_access_key_id" and match.group().endswith(b"EXAMPLE"):
            continue
        findings.append((data.count(b"\n", 0, match.start()) + 1, kind))
    if is_env_file(name):
        # A token already found on a line needs no second finding as an .env secret.
        seen = {line for line, _ in findings}
        findings.extend(item for item in _scan_env(data) if item[0] not in seen)
        findings.sort()
    return findings


def _scan_env(data: bytes) -> list[tuple[int, str]]:
    findings = []
    for number, raw in enumerate(data.decode("utf-8", "replace").splitlines(), start=1):
        match = _ENV_LINE.match(raw)
        if not match or not _ENV_SECRET_KEY.search(match.group(1)):
            continue
        value = match.group(2)
        if value[:1] in "\"'" and value[-1:] == value[:1]:
            value = value[1:-1]
        value = value.split(" #", 1)[0].strip()
        if value and not _PLACEHOLDER.match(value):
            findings.append((number, "env_secret"))
    return findings
