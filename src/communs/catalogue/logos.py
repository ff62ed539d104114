"""Uploaded logos: checked by their content, re-encoded, stored under a content hash.

A logo is trusted for nothing its sender says (file name, declared type): Pillow must
decode it as PNG, JPEG, WebP or GIF, within ``LOGO_MAX_BYTES`` and ``MAX_SIDE`` pixels a
side (checked from the header, before any pixel is decoded, so a decompression bomb is
refused unread). SVG, which can carry scripts, is never an image Pillow opens, so it is
refused with everything else. The image is then decoded and written again as a plain
PNG: no metadata (EXIF, comments, colour profiles) and no bytes of the upload survive,
so a polyglot (a file that is also HTML or a script) is reduced to its pixels.

:func:`normalise_logo` is the pure part (bytes in, PNG bytes out); :func:`store_logo`
writes the result as ``logos/<sha256>.png`` under ``MEDIA_ROOT``, atomically.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import tempfile
import warnings
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, UnidentifiedImageError

ACCEPTED_FORMATS = ("PNG", "JPEG", "WEBP", "GIF")
MAX_SIDE = 2048
FOLDER = "logos"
# The names store_logo gives: what the serving view accepts, and nothing else.
NAME = re.compile(r"[0-9a-f]{64}\.png")


class LogoRefused(ValueError):
    """Why an upload is not a logo, in the reader's language (``code`` for tests)."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


def max_bytes() -> int:
    return int(getattr(settings, "LOGO_MAX_BYTES", 512 * 1024))


def normalise_logo(data: bytes, limit: int | None = None) -> bytes:
    """``data`` decoded and written again as a PNG, or :class:`LogoRefused`."""
    limit = max_bytes() if limit is None else limit
    if len(data) > limit:
        raise LogoRefused(
            str(_("The file is too large: %(kb)d KB at most.") % {"kb": limit // 1024}),
            "too_large",
        )
    # Pillow's own bomb guard turned into an error too (it only warns below 2× its limit).
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS) as probe:
                width, height = probe.size
                if width > MAX_SIDE or height > MAX_SIDE:
                    raise _too_many_pixels()
                probe.verify()
            # verify() leaves the image unusable: open again to decode the pixels.
            with Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS) as image:
                image.seek(0)  # the first frame of an animation
                image.load()
                pixels = _plain(image)
        except LogoRefused:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
            raise _too_many_pixels() from error
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as error:
            raise LogoRefused(
                str(_("This file is not a PNG, JPEG, WebP or GIF image (SVG is not accepted).")),
                "not_an_image",
            ) from error
    out = io.BytesIO()
    pixels.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _too_many_pixels() -> LogoRefused:
    return LogoRefused(
        str(_("The image is too large: %(side)d×%(side)d pixels at most.") % {"side": MAX_SIDE}),
        "too_many_pixels",
    )


def _plain(image: Image.Image) -> Image.Image:
    """The pixels alone, upright, as RGB or RGBA: a fresh image carries no metadata."""
    image = ImageOps.exif_transpose(image) or image
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (
        image.mode == "P" and "transparency" in image.info
    )
    converted = image.convert("RGBA" if has_alpha else "RGB")
    plain = Image.new(converted.mode, converted.size)
    plain.paste(converted)
    return plain


def folder() -> Path:
    return Path(settings.MEDIA_ROOT) / FOLDER


def store_logo(png: bytes) -> str:
    """Write ``png`` (from :func:`normalise_logo`) and answer its name, ``<sha256>.png``.

    Named by content: the same image uploaded twice is one file, and a name never
    changes meaning, so it may be cached for ever.
    """
    name = hashlib.sha256(png).hexdigest() + ".png"
    target = folder()
    target.mkdir(parents=True, exist_ok=True)
    path = target / name
    if not path.exists():
        handle, temporary = tempfile.mkstemp(dir=target, suffix=".part")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(png)
            os.chmod(temporary, 0o644)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    return name


def path_of(name: str) -> Path | None:
    """The file of a stored logo, or None for a name :func:`store_logo` never gives."""
    if not NAME.fullmatch(name or ""):
        return None
    path = folder() / name
    return path if path.is_file() else None


def delete_unused(name: str) -> None:
    """Remove a logo file no entry uses any more (content-named files may be shared)."""
    from communs.catalogue.models import Software

    if NAME.fullmatch(name or "") and not Software.objects.filter(logo=name).exists():
        (folder() / name).unlink(missing_ok=True)
