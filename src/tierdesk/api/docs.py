"""The API's docs page, served from this desk alone.

django-ninja's default page loads Swagger UI from a CDN, which our Content-Security-Policy
(`script-src 'self'`) forbids and which a desk behind a firewall cannot reach. Ninja ships the same
files; this page loads them from /api/v1/docs/assets/, with no inline script or style, so it works
under the policy unchanged. Only the listed files are served: the name is looked up, never joined to
a path.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import ninja
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.html import escape
from ninja import Router
from ninja.openapi.docs import DocsBase

if TYPE_CHECKING:
    from ninja import NinjaAPI

NINJA_STATIC = Path(ninja.__file__).resolve().parent / "static" / "ninja"
ASSETS = {
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "swagger-ui-init.js": "text/javascript; charset=utf-8",
    "swagger-ui.css": "text/css; charset=utf-8",
    "favicon.svg": "image/svg+xml",
    "favicon.png": "image/png",
}

router = Router()

PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<link rel="stylesheet" href="{assets}swagger-ui.css?v={version}">
<link rel="icon" href="{assets}favicon.svg?v={version}" type="image/svg+xml">
</head>
<body>
<script type="application/json" id="swagger-settings">{settings}</script>
<div id="swagger-ui"></div>
<script src="{assets}swagger-ui-bundle.js?v={version}"></script>
<script src="{assets}swagger-ui-init.js?v={version}"></script>
</body>
</html>
"""


class SelfHostedSwagger(DocsBase):
    """Swagger UI from ninja's own copy of its files (see the module docstring)."""

    def render_page(self, request: HttpRequest, api: NinjaAPI, **kwargs: Any) -> HttpResponse:
        settings = {
            "url": self.get_openapi_url(api, kwargs),
            "layout": "BaseLayout",
            "deepLinking": True,
            # Swagger UI would otherwise send the schema to validator.swagger.io for a badge.
            "validatorUrl": None,
        }
        # JSON inside <script> must not be able to close the element.
        data = json.dumps(settings).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
        assets = reverse(f"{api.urls_namespace}:docs-asset", kwargs={"name": "x"})[: -len("x")]
        html = PAGE.format(title=escape(api.title), assets=assets, version=ninja.__version__, settings=data)
        return HttpResponse(html)


@router.get("/docs/assets/{name}", auth=None, include_in_schema=False, url_name="docs-asset")
def docs_asset(request: HttpRequest, name: str) -> FileResponse:
    content_type = ASSETS.get(name)
    if content_type is None:
        raise Http404
    response = FileResponse((NINJA_STATIC / name).open("rb"), content_type=content_type)
    # The page asks for ?v=<ninja version>, so an upgrade fetches the new files.
    response["Cache-Control"] = "public, max-age=604800, immutable"
    return response
