"""The catalogue's rules kept by the models: free licences, never similar to itself,
never its own parent."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from communs.catalogue.models import Moderation, SimilarSoftware, Software

pytestmark = pytest.mark.django_db


def make(name: str, **fields: object) -> Software:
    return Software.objects.create(name=name, slug=name.lower(), **fields)


@pytest.mark.parametrize(
    ("licence", "free"),
    [
        ("MIT", True),
        ("GPL-3.0-or-later", True),
        ("MIT OR LicenseRef-x", True),
        ("MIT AND LicenseRef-x", False),
        ("", False),
        ("NOASSERTION", False),
    ],
)
def test_free_follows_from_the_spdx_expression(licence: str, free: bool) -> None:
    assert make("One", licence=licence).is_free is free


def test_a_licence_change_updates_free_even_with_update_fields() -> None:
    software = make("One", licence="MIT")
    software.licence = "LicenseRef-proprietary"
    software.save(update_fields=["licence"])
    software.refresh_from_db()
    assert software.is_free is False


def test_software_is_never_similar_to_itself() -> None:
    software = make("One")
    with pytest.raises(ValidationError):
        SimilarSoftware(from_software=software, to_software=software).full_clean()
    with transaction.atomic(), pytest.raises(IntegrityError):
        software.similar.add(software)


def test_similarity_goes_both_ways() -> None:
    one, two = make("One"), make("Two")
    one.similar.add(two)
    assert list(two.similar.all()) == [one]


def test_software_is_never_its_own_parent() -> None:
    software = make("One")
    software.parent = software
    with pytest.raises(ValidationError):
        software.full_clean()


def test_environments_are_checked() -> None:
    software = make("One", environments=["linux", "amiga"])
    with pytest.raises(ValidationError):
        software.full_clean()


def test_a_new_entry_awaits_moderation_by_default() -> None:
    assert make("One").moderation == Moderation.PROPOSED
    assert list(Software.objects.published()) == []
