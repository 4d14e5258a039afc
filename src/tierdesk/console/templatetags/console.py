"""Template helpers of the console: the top bar's links and unread count."""

from __future__ import annotations

from typing import Any

from django import template

from tierdesk.tickets.selectors import is_agent

from ..notifications import notifications_unread_count

register = template.Library()


@register.inclusion_tag("console/_nav.html", takes_context=True)
def console_nav(context: dict[str, Any]) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    agent = user is not None and is_agent(user)
    match = getattr(request, "resolver_match", None)
    return {
        "is_agent": agent,
        "unread": notifications_unread_count(user) if agent else 0,
        "current": (match.url_name if match.namespace == "console" else match.namespace) if match else "",
        "oob": False,
        "user": user,
    }
