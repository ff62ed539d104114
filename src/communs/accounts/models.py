"""A person's profile beside Django's user: organisation, a few words, and whether to
show them.

Accounts themselves (addresses, verification, OpenID Connect links) are django-allauth's
tables; roles are computed from them in ``communs.accounts.roles``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Profile(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="profile",
    )
    organisation = models.ForeignKey(
        "sources.Organisation",
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="profiles",
    )
    about = models.TextField(
        _("about"),
        blank=True,
        max_length=2000,
        help_text=_("A few words on what you do; plain text."),
    )
    public = models.BooleanField(
        _("public profile"),
        default=False,
        help_text=_("Show your name and organisation beside the software you use or know."),
    )
    # A short list of words ("Python", "PostgreSQL", "accessibility"), checked by the
    # profile form (``communs.accounts.forms.clean_skills``).
    skills = models.JSONField(_("skills"), default=list, blank=True)
    # Consent to be listed in the directory of agents (/agents/); off until ticked.
    directory = models.BooleanField(
        _("listed in the directory of agents"),
        default=False,
        help_text=_(
            "Show your name, organisation, skills, the software you are a referent for and "
            "the public repositories you contribute to on /agents/. Never your address."
        ),
    )
    # Moderators are the "moderators" group or this flag, whichever an administrator
    # finds handier; both are checked by communs.accounts.roles.is_moderator.
    moderator = models.BooleanField(_("moderator"), default=False)

    class Meta:
        verbose_name = _("profile")
        verbose_name_plural = _("profiles")

    def __str__(self) -> str:
        return str(self.user)


def profile_of(user) -> Profile:
    """The user's profile, created empty on first use."""
    profile, _created = Profile.objects.get_or_create(user=user)
    return profile
