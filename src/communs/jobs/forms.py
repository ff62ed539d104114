"""The job offer form: every field checked on the server.

Plain texts lose any markup (nh3), public texts may not hold an e-mail address, the
link must be an absolute http(s) address without user info and not on a private
network (the catalogue's rules, ``CleanTextMixin``), the expiry date must be in the
future and within a year, and skills are a comma-separated list of short words.
"""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from communs.catalogue.forms import (
    CleanTextMixin,
    OrganisationField,
    formfield,
    plain_text,
    refuse_email,
)
from communs.jobs.models import JobOffer, Skill

MAX_SKILLS = 12
MAX_DAYS = 366


def parse_skills(value: str) -> list[tuple[str, str]]:
    """``"Python, Django,  python"`` → ``[("python", "Python"), ("django", "Django")]``."""
    found: dict[str, str] = {}
    for part in (value or "").split(","):
        name = " ".join(plain_text(part).split())[:80]
        slug = slugify(name)[:80]
        if slug and slug not in found:
            found[slug] = name
    return list(found.items())


class JobOfferForm(CleanTextMixin, forms.ModelForm):
    plain_fields = ("title", "place")
    public_fields = ("title", "place", "description")
    url_fields = ("link",)

    organisation = OrganisationField()
    skills_text = forms.CharField(
        label=_("Skills"),
        required=False,
        max_length=600,
        help_text=_("Separated by commas, e.g. Python, PostgreSQL, accessibility."),
    )

    class Meta:
        model = JobOffer
        formfield_callback = formfield  # addresses typed without a scheme get https://
        fields = ["title", "organisation", "place", "remote", "link", "expires_on", "description"]
        widgets = {
            "expires_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "description": forms.Textarea(attrs={"rows": 8}),
        }
        help_texts = {
            "link": _("The full offer, on the employer's site (http or https)."),
            "expires_on": _("The offer leaves the list after this day."),
            "description": _("Markdown. No e-mail address: the page is public."),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["skills_text"].initial = ", ".join(
                s.name for s in self.instance.skills.all()
            )

    def clean_expires_on(self) -> datetime.date:
        value = self.cleaned_data["expires_on"]
        today = timezone.localdate()
        if value < today:
            raise forms.ValidationError(_("The expiry date is already past."))
        if value > today + datetime.timedelta(days=MAX_DAYS):
            raise forms.ValidationError(_("An offer may stay at most a year."))
        return value

    def clean_skills_text(self) -> list[tuple[str, str]]:
        raw = self.cleaned_data.get("skills_text", "")
        refuse_email(raw)
        skills = parse_skills(raw)
        if len(skills) > MAX_SKILLS:
            raise forms.ValidationError(_("At most %(count)d skills.") % {"count": MAX_SKILLS})
        return skills

    def save_skills(self, offer: JobOffer) -> None:
        skills = []
        for slug, name in self.cleaned_data.get("skills_text") or []:
            skill, _created = Skill.objects.get_or_create(slug=slug, defaults={"name": name})
            skills.append(skill)
        offer.skills.set(skills)
