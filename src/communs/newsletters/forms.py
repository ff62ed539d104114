from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class SubscribeForm(forms.Form):
    email = forms.EmailField(
        label=_("Your e-mail address"),
        max_length=254,
        help_text=_("We will send a link to confirm; it is used for nothing else."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
