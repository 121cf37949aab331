"""Checking an uploaded exercise picture or video: what it really is (not what its name or the
browser says), and that it is not too large. SVG and other active formats are never accepted:
uploads are served from the site's own address."""

from __future__ import annotations

from typing import IO

from django.conf import settings
from django.core.exceptions import ValidationError
from PIL import Image, UnidentifiedImageError

IMAGE_FORMATS = {"PNG": ("png",), "JPEG": ("jpg", "jpeg"), "WEBP": ("webp",)}
VIDEO_SUFFIXES = ("mp4", "m4v", "webm")
MB = 1024 * 1024


def _video_format(head: bytes) -> str | None:
    if head[4:8] == b"ftyp":
        return "mp4"
    if head[:4] == b"\x1a\x45\xdf\xa3":
        return "webm"
    return None


def check_media_file(file: IO[bytes], name: str, size: int) -> str:
    """The kind (``image`` or ``video``) of a valid upload; ``ValidationError`` saying what is
    wrong otherwise. Reads the file's first bytes and, for an image, decodes its header."""
    suffix = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    allowed = ", ".join(s for group in IMAGE_FORMATS.values() for s in group)
    if suffix not in allowed.split(", ") and suffix not in VIDEO_SUFFIXES:
        raise ValidationError(
            f"“.{suffix or '?'}” files are not accepted: upload a picture ({allowed}) "
            f"or a short video ({', '.join(VIDEO_SUFFIXES)})."
        )
    file.seek(0)
    head = file.read(16)
    file.seek(0)
    if suffix in VIDEO_SUFFIXES:
        limit = settings.EXERCISE_VIDEO_MAX_MB
        found = _video_format(head)
        if found is None or (found == "webm") != (suffix == "webm"):
            raise ValidationError(f"This file is not a {suffix.upper()} video.")
        kind = "video"
    else:
        limit = settings.EXERCISE_IMAGE_MAX_MB
        try:
            with Image.open(file) as image:
                image_format = image.format or ""
                image.verify()
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
            raise ValidationError(
                f"This file is not a picture: it claims to be .{suffix} but cannot be read as one."
            ) from None
        finally:
            file.seek(0)
        if suffix not in IMAGE_FORMATS.get(image_format, ()):
            raise ValidationError(
                f"This file is a {image_format or 'different'} picture, not a .{suffix} one: "
                "rename it or export it again."
            )
        kind = "image"
    if size > limit * MB:
        raise ValidationError(
            f"This {kind} is {size / MB:.1f} MB; the limit is {limit} MB for a {kind}."
        )
    return kind
