"""Who may do what: visitor, agent, moderator, administrator.

- visitor: anyone, signed in or not, without a verified address in the agents' domains;
- agent: a verified address whose domain is one of ``AGENT_DOMAINS``
  (``COMMUNS_AGENT_DOMAINS``, subdomains included: ``gouv.fr`` admits
  ``culture.gouv.fr``);
- moderator: in the ``moderators`` group, or the profile's moderator flag;
- administrator: staff or superuser.

Roles are cumulative: a moderator may do whatever an agent may, and an administrator
whatever a moderator may. An inactive account has no role. The domain rule is pure
(``address_in_domains``); the rest reads the database once per request and user.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

MODERATORS_GROUP = "moderators"


def address_in_domains(address: str, domains: Iterable[str]) -> bool:
    """True when the address's domain is one of ``domains`` or below one of them."""
    _local, at, domain = address.strip().rpartition("@")
    if not at or not _local:
        return False
    domain = domain.lower().rstrip(".")
    for allowed in domains:
        allowed = allowed.strip().lower().lstrip("@").lstrip(".").rstrip(".")
        if allowed and (domain == allowed or domain.endswith("." + allowed)):
            return True
    return False


def agent_domains() -> list[str]:
    return list(getattr(settings, "AGENT_DOMAINS", []))


def _active(user: Any) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def is_administrator(user: Any) -> bool:
    return _active(user) and bool(user.is_staff or user.is_superuser)


def is_moderator(user: Any) -> bool:
    if not _active(user):
        return False
    if is_administrator(user):
        return True
    cached = getattr(user, "_communs_moderator", None)
    if cached is None:
        from communs.accounts.models import Profile

        cached = (
            user.groups.filter(name=MODERATORS_GROUP).exists()
            or Profile.objects.filter(user=user, moderator=True).exists()
        )
        user._communs_moderator = cached
    return cached


def has_agent_address(user: Any) -> bool:
    """A verified address in the agents' domains (the agent role without the others)."""
    if not _active(user):
        return False
    cached = getattr(user, "_communs_agent_address", None)
    if cached is None:
        from allauth.account.models import EmailAddress

        domains = agent_domains()
        cached = any(
            address_in_domains(address, domains)
            for address in EmailAddress.objects.filter(user=user, verified=True).values_list(
                "email", flat=True
            )
        )
        user._communs_agent_address = cached
    return cached


def is_agent(user: Any) -> bool:
    return has_agent_address(user) or is_moderator(user)


def role_of(user: Any) -> str:
    """The highest role, as a word: visitor, agent, moderator or administrator."""
    if is_administrator(user):
        return "administrator"
    if is_moderator(user):
        return "moderator"
    if is_agent(user):
        return "agent"
    return "visitor"


def forget_roles(user: Any) -> None:
    """Drop the roles remembered on this user object (after an address or group change)."""
    for name in ("_communs_moderator", "_communs_agent_address"):
        if hasattr(user, name):
            delattr(user, name)


def _require(check: Callable[[Any], bool]) -> Callable:
    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any):
            if not request.user.is_authenticated:
                # Signing in may give the role; anyone signed in without it is refused.
                return redirect_to_login(request.get_full_path())
            if not check(request.user):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


agent_required = _require(is_agent)
moderator_required = _require(is_moderator)
administrator_required = _require(is_administrator)


class _RoleRequiredMixin:
    role_check: Callable[[Any], bool] = staticmethod(lambda user: False)

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not type(self).role_check(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class AgentRequiredMixin(_RoleRequiredMixin):
    role_check = staticmethod(is_agent)


class ModeratorRequiredMixin(_RoleRequiredMixin):
    role_check = staticmethod(is_moderator)
