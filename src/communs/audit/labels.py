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
    "software.logo": _("changed the logo"),
    "software.import": _("imported the entry from the SILL"),
    "software.wikidata_fill": _("filled empty fields from Wikidata"),
    "software.propose_from_publiccode": _("proposed the software from its publiccode.yml"),
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
    "referent.hand_over_invite": _("asked a colleague to take over"),
    "instance.add": _("added a service"),
    "category.add": _("added a category"),
    "category.edit": _("edited a category"),
    "category.delete": _("deleted a category"),
    "contact.send": _("wrote to the referents"),
    "job.propose": _("proposed a job offer"),
    "job.publish": _("published the job offer"),
    "job.reject": _("turned the job offer down"),
}

# Kept out of the history shown on public pages: who wrote to whom is nobody's business.
# An invitation not yet accepted is between two people too.
PRIVATE_ACTIONS = frozenset({"contact.send", "referent.hand_over_invite"})
