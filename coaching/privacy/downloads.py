"""The one JSON download of a person's data: the portal, the admin and the API
(``/api/v1/me/export/``, ``/api/v1/clients/{id}/export/``) answer with the same file."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from rest_framework.renderers import JSONRenderer


def export_download(document: dict[str, Any], name: str = "my-coaching-data") -> HttpResponse:
    """A client's export (``client_export``) as a JSON file to download, named
    ``<name>-<day of the export>.json``. Written as the API writes JSON (DRF's renderer: its
    times, decimals as numbers), indented for a person to read."""
    response = HttpResponse(
        JSONRenderer().render(document, renderer_context={"indent": 2}),
        content_type="application/json",
    )
    day = document["exported_at"].date().isoformat()
    response["Content-Disposition"] = f'attachment; filename="{name}-{day}.json"'
    return response
