"""The one JSON download of a person's data (portal, admin and API answer with the same file)."""

from __future__ import annotations

import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse


def export_download(document: dict[str, Any], name: str = "my-coaching-data") -> HttpResponse:
    """A client's export as a JSON file to download (the portal's and the admin's)."""
    response = HttpResponse(
        json.dumps(document, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False),
        content_type="application/json",
    )
    day = document["exported_at"].date().isoformat()
    response["Content-Disposition"] = f'attachment; filename="{name}-{day}.json"'
    return response
