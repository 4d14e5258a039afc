"""Template helpers of the knowledge base."""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString

from ..markdown import render_markdown

register = template.Library()


@register.filter
def kb_markdown(text: str) -> SafeString:
    """An article body as sanitised HTML (kb/markdown.py: raw HTML and unsafe links dropped)."""
    return render_markdown(text)
