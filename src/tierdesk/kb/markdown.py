"""Article bodies: Markdown rendered to HTML, then sanitised (XSS-8, ASVS 5.0 1.3.5).

Two layers, so a mistake in one is caught by the other:

1. markdown-it-py in CommonMark mode with `html` off: raw HTML in the source is shown as text, and
   its link validator drops `javascript:`, `vbscript:`, `file:` and most `data:` URLs;
2. nh3 (ammonia) with a small tag allow-list and only http, https and mailto URLs: whatever survived
   as markup that we did not intend is removed, and every link gets `rel="noopener noreferrer"`.

This is the one place in the knowledge base that marks a string safe.
"""

from __future__ import annotations

import re

import nh3
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt

_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")

TAGS = {
    "p", "br", "hr", "h2", "h3", "h4", "h5", "h6", "strong", "em", "code", "pre", "blockquote",
    "ul", "ol", "li", "a", "img", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}, "ol": {"start"}}
SCHEMES = {"http", "https", "mailto"}


def render_markdown(text: str) -> SafeString:
    html = _md.render(text or "")
    # A document's own title is the page's h1: headings in a body start at h2.
    html = re.sub(r"<(/?)h1>", r"<\1h2>", html)
    clean = nh3.clean(
        html, tags=TAGS, attributes=ATTRIBUTES, url_schemes=SCHEMES, link_rel="noopener noreferrer nofollow"
    )
    return mark_safe(clean)  # noqa: S308 — sanitised by nh3 just above


def plain_text(text: str, limit: int = 220) -> str:
    """A short plain-text summary of a Markdown body (for lists and search results)."""
    html = _md.render(text or "")
    flat = " ".join(nh3.clean(html, tags=set()).split())
    flat = flat.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"')
    return flat if len(flat) <= limit else flat[: limit - 1].rsplit(" ", 1)[0] + "…"
