"""The words for each action the audit log records, in the reader's language."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

ACTION_LABELS = {
    "software.propose": _("proposed the software"),
    "software.publish": _("published the software"),
    "software.reject": _("turned the proposal down"),
    "software.edit": _("edited the entry"),
    "software.categorise": _("changed the categories"),
    "software.dereference": _("dereferenced the software"),
    "usage.declare": _("declared using it"),
    "usage.update": _("updated their use"),
    "usage.withdraw": _("no longer uses it"),
    "referent.join": _("became a referent"),
    "referent.update": _("updated their referent details"),
    "referent.withdraw": _("stopped being a referent"),
    "referent.remind": _("was asked to confirm as referent"),
    "referent.confirm": _("confirmed as referent"),
    "referent.lapse": _("lapsed as referent"),
    "referent.hand_over": _("handed over to a colleague"),
    "instance.add": _("added a service"),
    "category.add": _("added a category"),
    "category.edit": _("edited a category"),
    "category.delete": _("deleted a category"),
    "contact.send": _("wrote to the referents"),
}

# Kept out of the history shown on public pages: who wrote to whom is nobody's business.
PRIVATE_ACTIONS = frozenset({"contact.send"})
