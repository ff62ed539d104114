from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from communs.accounts import personal_data as personal_data_registry
from communs.accounts.forms import DeleteAccountForm, ProfileForm
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


@login_required
def personal_data(request: HttpRequest) -> HttpResponse:
    """What Communs holds about the person, with the download and the deletion."""
    return render(
        request,
        "accounts/personal_data.html",
        {"sections": [provider.name for provider in personal_data_registry.providers()]},
    )


@login_required
def personal_data_download(request: HttpRequest) -> HttpResponse:
    """Everything the apps hold about the person, as one JSON file."""
    data = personal_data_registry.export_data(request.user)
    response = JsonResponse(data, json_dumps_params={"indent": 2, "ensure_ascii": False})
    response["Content-Disposition"] = 'attachment; filename="communs-personal-data.json"'
    # The file names the person: no cache may keep it.
    response["Cache-Control"] = "no-store, private"
    return response


@login_required
def delete_account(request: HttpRequest) -> HttpResponse:
    """Delete the account after a confirmation (POST only does it)."""
    user = request.user
    if request.method == "POST":
        form = DeleteAccountForm(user, request.POST)
        if form.is_valid():
            personal_data_registry.delete_account(user)
            logout(request)
            messages.success(request, _("Your account and your personal data are deleted."))
            return redirect("home")
        status = 400
    else:
        form = DeleteAccountForm(user)
        status = 200
    return render(request, "accounts/delete_account.html", {"form": form}, status=status)
