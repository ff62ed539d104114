from __future__ import annotations

from django import forms
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


class ProfileForm(forms.ModelForm):
    organisation = OrganisationChoiceField(
        label=_("Organisation"),
        required=False,
        help_text=_("Its key, as in the address of its page (/organisations/KEY/)."),
        error_messages={"invalid_choice": _("No organisation has this key.")},
    )

    class Meta:
        model = Profile
        fields = ["organisation", "about", "public"]
        widgets = {"about": forms.Textarea(attrs={"rows": 4, "maxlength": 2000})}

    def clean_about(self) -> str:
        from communs.catalogue.forms import plain_text, refuse_email

        about = plain_text(self.cleaned_data.get("about") or "")
        # A public profile shows it: no address in it, as anywhere public.
        refuse_email(about)
        return about
