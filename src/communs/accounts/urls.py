"""/accounts/: allauth's pages (sign in and up, addresses, OpenID Connect) and the
profile page."""

from __future__ import annotations

from django.urls import include, path

from communs.accounts import views

# Our pages under the "accounts" namespace; allauth's keep their own names
# (account_login, account_signup…), which its templates and redirects reverse.
own_patterns = [
    path("profile/", views.profile, name="profile"),
    path("personal-data/", views.personal_data, name="personal-data"),
    path(
        "personal-data/download/",
        views.personal_data_download,
        name="personal-data-download",
    ),
    path("delete/", views.delete_account, name="account-delete"),
]

urlpatterns: list = [
    path("", include((own_patterns, "accounts"))),
    path("", include("allauth.urls")),
]
