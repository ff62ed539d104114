from __future__ import annotations

import re
from datetime import timedelta

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from communs.accounts.models import Profile
from communs.sources.models import Organisation


class OrganisationChoiceField(forms.ModelChoiceField):
    """An organisation picked by its key (a text field with suggestions), so the page
    need not list thousands of options."""

    widget = forms.TextInput

    def __init__(self, **kwargs) -> None:
        super().__init__(queryset=Organisation.objects.all(), to_field_name="key", **kwargs)

    def prepare_value(self, value):
        if isinstance(value, Organisation):
            return value.key
        if isinstance(value, int):
            found = Organisation.objects.filter(pk=value).values_list("key", flat=True).first()
            return found or ""
        return super().prepare_value(value)


MAX_SKILLS = 12
MAX_SKILL_LENGTH = 40
# Letters, digits, spaces and the marks skill names use (C++, C#, Node.js, UX/UI, CI-CD).
SKILL_PATTERN = re.compile(r"^[\w][\w .+#/'-]*$")


def clean_skills(text: str) -> list[str]:
    """Comma-separated skills → a list: trimmed, duplicates (by case) dropped, each
    short and made of a skill name's characters, at most ``MAX_SKILLS``."""
    skills: list[str] = []
    seen: set[str] = set()
    for raw in text.split(","):
        skill = " ".join(raw.split())
        if not skill:
            continue
        if len(skill) > MAX_SKILL_LENGTH:
            raise ValidationError(
                _("“%(skill)s” is longer than %(max)d characters."),
                params={"skill": skill[:MAX_SKILL_LENGTH] + "…", "max": MAX_SKILL_LENGTH},
                code="skill_length",
            )
        if not SKILL_PATTERN.match(skill) or "@" in skill:
            raise ValidationError(
                _("“%(skill)s” is not a skill name: letters, digits, spaces and . + # / ' - only."),
                params={"skill": skill},
                code="skill_characters",
            )
        if skill.casefold() not in seen:
            seen.add(skill.casefold())
            skills.append(skill)
    if len(skills) > MAX_SKILLS:
        raise ValidationError(
            _("At most %(max)d skills."), params={"max": MAX_SKILLS}, code="skill_count"
        )
    return skills


class SkillsField(forms.CharField):
    """Skills written as one comma-separated line, stored as a list."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("max_length", 600)
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if isinstance(value, list):
            return ", ".join(value)
        return value

    def to_python(self, value) -> list[str]:
        return clean_skills(super().to_python(value) or "")


class ProfileForm(forms.ModelForm):
    organisation = OrganisationChoiceField(
        label=_("Organisation"),
        required=False,
        help_text=_("Its key, as in the address of its page (/organisations/KEY/)."),
        error_messages={"invalid_choice": _("No organisation has this key.")},
    )

    class Meta:
        model = Profile
        fields = ["organisation", "about", "skills", "public", "directory"]
        widgets = {"about": forms.Textarea(attrs={"rows": 4, "maxlength": 2000})}

    skills = SkillsField(
        label=_("Skills"),
        required=False,
        help_text=_("Separated by commas, e.g. Python, PostgreSQL, accessibility (12 at most)."),
    )

    def clean_about(self) -> str:
        from communs.catalogue.forms import plain_text, refuse_email

        about = plain_text(self.cleaned_data.get("about") or "")
        # A public profile shows it: no address in it, as anywhere public.
        refuse_email(about)
        return about


# How recent a sign-in must be to delete an account that has no password (one that
# signs in through OpenID Connect only): the person proves it is them by signing in again.
RECENT_SIGN_IN = timedelta(minutes=10)


class DeleteAccountForm(forms.Form):
    """Confirms a deletion: the password, or a sign-in of the last minutes for an
    account without one; and a tick saying the person understands."""

    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        required=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    confirm = forms.BooleanField(
        label=_("I understand that my account and my personal data will be deleted for good."),
        required=True,
    )

    def __init__(self, user, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        if user.has_usable_password():
            self.fields["password"].required = True
        else:
            del self.fields["password"]

    def clean_password(self) -> str:
        password = self.cleaned_data.get("password") or ""
        if not self.user.check_password(password):
            raise ValidationError(_("This is not your password."), code="wrong_password")
        return password

    def clean(self):
        cleaned = super().clean()
        if not self.user.has_usable_password():
            last = self.user.last_login
            if last is None or timezone.now() - last > RECENT_SIGN_IN:
                raise ValidationError(
                    _("Sign out and sign in again, then delete your account within ten minutes."),
                    code="sign_in_again",
                )
        return cleaned
