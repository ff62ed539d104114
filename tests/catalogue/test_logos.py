"""Logo uploads: checked by content, re-encoded as PNG, stored by content hash, served
as our own PNG with nosniff; who may upload, and the audit entry."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image
from tests.accounts.people import AGENT_DOMAINS, make_agent, make_person, make_software

from communs.audit.models import AuditEntry
from communs.catalogue import logos
from communs.catalogue.models import Referent, Software

SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


def image_bytes(fmt: str, size: tuple[int, int] = (32, 16), mode: str = "RGB", **save) -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, "red" if mode != "1" else 0).save(out, format=fmt, **save)
    return out.getvalue()


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP", "GIF"])
def test_accepted_formats_come_out_as_png_of_the_same_size(fmt):
    png = logos.normalise_logo(image_bytes(fmt))
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    with Image.open(io.BytesIO(png)) as image:
        assert image.format == "PNG" and image.size == (32, 16)


def test_metadata_and_trailing_bytes_do_not_survive():
    exif = Image.Exif()
    exif[0x010E] = "secret description"  # ImageDescription
    jpeg = image_bytes("JPEG", exif=exif.tobytes(), comment=b"jpeg comment")
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "<script>alert(1)</script>")
    # A polyglot: a valid PNG with HTML in a text chunk and after its end.
    polyglot = image_bytes("PNG", pnginfo=info) + b"<html><script>alert(2)</script></html>"
    for data in (jpeg, polyglot):
        png = logos.normalise_logo(data)
        for marker in (b"secret", b"comment", b"script", b"html", b"Exif"):
            assert marker not in png


@pytest.mark.parametrize(
    "data",
    [
        SVG,
        b"<?xml version='1.0'?>" + SVG,
        b"GIF89a<script>alert(1)</script>",
        b"%PDF-1.4 not an image",
        image_bytes("PNG")[:40],  # truncated
        image_bytes("BMP"),  # a real image, of a format not accepted
        image_bytes("TIFF"),
        b"",
    ],
)
def test_anything_else_is_refused(data):
    with pytest.raises(logos.LogoRefused) as refused:
        logos.normalise_logo(data)
    assert refused.value.code == "not_an_image"


def test_size_and_pixel_limits():
    with pytest.raises(logos.LogoRefused) as refused:
        logos.normalise_logo(image_bytes("PNG", (64, 64)), limit=100)
    assert refused.value.code == "too_large"
    # Small on disk, huge once decoded: refused from the header, before any decoding.
    bomb = image_bytes("PNG", (20000, 20000), mode="1")
    assert len(bomb) < 100_000
    for data in (bomb, image_bytes("PNG", (2049, 1))):
        with pytest.raises(logos.LogoRefused) as refused:
            logos.normalise_logo(data)
        assert refused.value.code == "too_many_pixels"
    assert logos.normalise_logo(image_bytes("PNG", (2048, 1)))


@pytest.fixture
def entry(db, settings, tmp_path):
    settings.AGENT_DOMAINS = AGENT_DOMAINS
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.LOGO_MAX_BYTES = 64 * 1024
    software = make_software("Inkscape")
    referent = make_agent("rita")
    Referent.objects.create(software=software, agent=referent)
    return software, referent


def upload(data: bytes, name: str = "logo.png", content_type: str = "image/png"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def test_a_referent_uploads_a_logo_that_is_served_as_our_png(client, entry, settings):
    software, referent = entry
    client.force_login(referent)
    url = reverse("catalogue:logo", args=[software.slug])
    assert client.get(url).status_code == 200
    response = client.post(url, {"logo": upload(image_bytes("JPEG"), "photo.jpg", "image/jpeg")})
    assert response.status_code == 302
    software.refresh_from_db()
    assert logos.NAME.fullmatch(software.logo)
    stored = settings.MEDIA_ROOT / "logos" / software.logo
    assert stored.read_bytes().startswith(b"\x89PNG")
    entry_ = AuditEntry.objects.get(action="software.logo")
    assert entry_.changes == {"logo": {"before": None, "after": software.logo}}
    served = client.get(reverse("catalogue:logo-file", args=[software.logo]))
    assert served.status_code == 200
    assert served["Content-Type"] == "image/png"
    assert served["X-Content-Type-Options"] == "nosniff"
    assert b"".join(served.streaming_content) == stored.read_bytes()
    page = client.get(software.get_absolute_url()).content.decode()
    assert reverse("catalogue:logo-file", args=[software.logo]) in page
    (exported,) = client.get(reverse("catalogue:export-json")).json()
    assert exported["logoUrl"] == "http://testserver" + reverse(
        "catalogue:logo-file", args=[software.logo]
    )
    detail = client.get(f"/api/v1/catalogue/software/{software.slug}").json()
    assert detail["logo_url"] == exported["logoUrl"]
    # Removing it deletes the file no entry uses any more, and is recorded.
    response = client.post(url, {"remove": "on"})
    assert response.status_code == 302
    software.refresh_from_db()
    assert software.logo == "" and not stored.exists()
    assert AuditEntry.objects.filter(action="software.logo").count() == 2


@pytest.mark.parametrize(
    ("data", "name", "content_type", "message"),
    [
        (SVG, "logo.png", "image/png", "not a PNG, JPEG, WebP or GIF"),
        (SVG, "logo.svg", "image/svg+xml", "not a PNG, JPEG, WebP or GIF"),
        (b"<html><body>hi</body></html>", "logo.gif", "image/gif", "not a PNG"),
        (image_bytes("PNG", (3000, 10)), "big.png", "image/png", "2048×2048 pixels at most"),
        (b"\x89PNG" + b"0" * 70_000, "heavy.png", "image/png", "64 KB at most"),
    ],
)
def test_bad_uploads_are_refused_with_a_clear_error(
    client, entry, settings, data, name, content_type, message
):
    software, referent = entry
    client.force_login(referent)
    url = reverse("catalogue:logo", args=[software.slug])
    response = client.post(
        url, {"logo": upload(data, name, content_type)}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    software.refresh_from_db()
    assert software.logo == ""
    assert not (settings.MEDIA_ROOT / "logos").exists() or not any(
        (settings.MEDIA_ROOT / "logos").iterdir()
    )
    assert not AuditEntry.objects.filter(action="software.logo").exists()


def test_an_empty_form_says_what_to_do(client, entry):
    software, referent = entry
    client.force_login(referent)
    url = reverse("catalogue:logo", args=[software.slug])
    # Without a logo there is nothing to remove: the form asks for an image alone.
    assert 'name="remove"' not in client.get(url).content.decode()
    response = client.post(url, {}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "Choose an image." in response.content.decode()
    client.post(url, {"logo": upload(image_bytes("PNG"))})
    assert 'name="remove"' in client.get(url).content.decode()
    response = client.post(url, {}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "Choose an image, or tick the box" in response.content.decode()


@pytest.mark.parametrize(
    ("who", "status"),
    [("visitor", 302), ("outsider", 403), ("agent", 403), ("moderator", 302)],
)
def test_who_may_change_a_logo(client, entry, who, status):
    software, _referent = entry
    user = make_person(who)
    if user is not None:
        client.force_login(user)
    response = client.post(
        reverse("catalogue:logo", args=[software.slug]), {"logo": upload(image_bytes("PNG"))}
    )
    assert response.status_code == status
    software.refresh_from_db()
    assert bool(software.logo) == (who == "moderator")
    if who == "visitor":
        assert response["Location"].startswith(reverse("account_login"))


def test_the_author_of_a_proposal_may_set_its_logo(client, entry):
    author = make_agent("paul")
    proposal = Software.objects.create(name="Draft", slug="draft", proposed_by=author)
    client.force_login(author)
    response = client.post(
        reverse("catalogue:logo", args=[proposal.slug]), {"logo": upload(image_bytes("GIF"))}
    )
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.logo


@pytest.mark.parametrize("name", ["x.png", "../secret_key", "a" * 64 + ".svg", "0" * 64 + ".png"])
def test_only_stored_logo_names_are_served(client, entry, name):
    assert client.get(f"/catalogue/logos/{name}").status_code == 404


def test_a_body_far_over_the_limit_is_refused_before_it_is_read(client, entry):
    software, referent = entry
    client.force_login(referent)
    data = image_bytes("PNG") + b"\0" * (200 * 1024)
    response = client.post(
        reverse("catalogue:logo", args=[software.slug]),
        {"logo": upload(data)},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 413
    assert "64 KB at most" in response.content.decode()
    software.refresh_from_db()
    assert software.logo == ""
