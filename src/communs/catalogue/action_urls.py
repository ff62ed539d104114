"""The catalogue's write side (``communs.catalogue.actions``), under /catalogue/."""

from __future__ import annotations

from django.urls import path

from communs.catalogue import actions, alerts

urlpatterns: list = [
    path("propose/", actions.propose, name="propose"),
    path("moderation/", actions.moderation_queue, name="moderation"),
    path("audit/", actions.audit_log, name="audit-log"),
    path("categories/", actions.categories, name="categories"),
    path("categories/<slug:slug>/edit/", actions.category_edit, name="category-edit"),
    path("categories/<slug:slug>/delete/", actions.category_delete, name="category-delete"),
    path("referents/confirm/<str:token>/", actions.confirm_referent, name="referent-confirm"),
    path("software/<slug:slug>/use/", actions.declare_use, name="declare-use"),
    path("software/<slug:slug>/referent/", actions.become_referent, name="become-referent"),
    path("software/<slug:slug>/referent/hand-over/", actions.hand_over, name="hand-over"),
    path("referents/hand-over/<str:token>/", actions.hand_over_accept, name="hand-over-accept"),
    path("software/<slug:slug>/instances/add/", actions.add_instance, name="add-instance"),
    path("software/<slug:slug>/contact/", actions.contact_referents, name="contact"),
    path("software/<slug:slug>/publish/", actions.publish, name="publish"),
    path("software/<slug:slug>/reject/", actions.reject, name="reject"),
    path("software/<slug:slug>/edit/", actions.edit, name="edit"),
    path("software/<slug:slug>/categories/", actions.categorise, name="categorise"),
    path("software/<slug:slug>/dereference/", actions.dereference, name="dereference"),
    path("software/<slug:slug>/logo/", actions.change_logo, name="logo"),
    path("logos/<str:name>", actions.logo_file, name="logo-file"),
]

# E-mail alerts for followed categories (``communs.catalogue.alerts``).
urlpatterns += [
    path("categories/<slug:slug>/follow/", alerts.follow_category, name="follow-category"),
    path("categories/<slug:slug>/unfollow/", alerts.unfollow_category, name="unfollow-category"),
    path("alerts/stop/<str:token>/", alerts.unsubscribe, name="alerts-unsubscribe"),
]
