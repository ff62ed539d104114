from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from communs.accounts.forms import ProfileForm
from communs.accounts.models import profile_of
from communs.accounts.roles import role_of


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    """The signed-in person's profile: organisation, about, public or not."""
    profile = profile_of(request.user)
    if request.method == "POST":
        form = ProfileForm(request.POST, instance=profile)
        if form.is_valid():
            form.save()
            messages.success(request, _("Your profile is saved."))
            return redirect("accounts:profile")
    else:
        form = ProfileForm(instance=profile)
    return render(
        request,
        "accounts/profile.html",
        {"form": form, "profile": profile, "role": role_of(request.user)},
    )
