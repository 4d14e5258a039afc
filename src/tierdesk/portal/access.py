"""Who may use the portal, in which language and time zone, and for how long without activity.

`portal_view` wraps every portal page that needs a signed-in contact:

1. anonymous: to the sign-in page (an htmx request gets a whole-page redirect);
2. signed in but not an active contact of an active customer (an agent, an admin): a page that
   points to the console — the portal never shows an agent anything;
3. idle for longer than TIERDESK_PORTAL_IDLE_MINUTES (default 30): signed out, back to sign-in;
4. the contact's language — their own choice in the switcher (cookie), else their profile's
   language, else the browser's (Accept-Language), else their company's — and time zone;
5. the plan must include the portal (unless the page says it does not need it), else the page that
   says what the plan includes and how to reach the desk instead;
6. any 404 raised inside becomes the portal's own 404 page: the same answer whether a case is
   missing or someone else's.
"""

from __future__ import annotations

import time
import zoneinfo
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.auth import logout
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import urlencode
from django.utils.translation.trans_real import get_supported_language_variant, parse_accept_lang_header
from django_htmx.http import HttpResponseClientRedirect

from tierdesk.kb.selectors import contact_of

from .entitlements import entitlements_for

SEEN_KEY = "portal_seen"


def idle_seconds() -> int:
    return int(getattr(settings, "TIERDESK_PORTAL_IDLE_MINUTES", 30)) * 60


def browser_language(request: HttpRequest) -> str | None:
    for code, _quality in parse_accept_lang_header(request.headers.get("Accept-Language", "")):
        if code == "*":
            continue
        try:
            return get_supported_language_variant(code)
        except LookupError:
            continue
    return None


def activate_language(request: HttpRequest, contact: Any = None) -> str:
    """Activate the visitor's language (see the module docstring, step 4) and return it."""
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    language = None
    if chosen:
        try:
            language = get_supported_language_variant(chosen)
        except LookupError:
            language = None
    if language is None and contact is not None and contact.language:
        language = contact.language
    if language is None:
        language = browser_language(request)
    if language is None and contact is not None:
        language = contact.customer.language
    language = language or settings.LANGUAGE_CODE
    translation.activate(language)
    request.LANGUAGE_CODE = translation.get_language()
    return language


def sign_in_url(request: HttpRequest) -> str:
    return f"{reverse('portal:sign-in')}?{urlencode({'next': request.get_full_path()})}"


def _to_sign_in(request: HttpRequest) -> HttpResponse:
    if getattr(request, "htmx", False):
        return HttpResponseClientRedirect(reverse("portal:sign-in"))
    return redirect(sign_in_url(request))


def portal_view(view: Callable[..., HttpResponse] | None = None, *, needs_portal: bool = True) -> Any:
    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            user = request.user
            if not user.is_authenticated:
                activate_language(request)
                return _to_sign_in(request)
            contact = contact_of(user)
            if contact is None:
                activate_language(request)
                return render(request, "portal/not_for_agents.html", status=403)
            now = time.time()
            seen = request.session.get(SEEN_KEY)
            if seen is not None and now - float(seen) > idle_seconds():
                logout(request)
                activate_language(request, contact)
                response = _to_sign_in(request)
                return response
            request.session[SEEN_KEY] = now
            activate_language(request, contact)
            try:
                timezone.activate(zoneinfo.ZoneInfo(contact.effective_timezone))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                timezone.activate(zoneinfo.ZoneInfo(contact.customer.provider.timezone))
            request.contact = contact  # type: ignore[attr-defined]
            request.entitlements = entitlements_for(contact)  # type: ignore[attr-defined]
            if needs_portal and not request.entitlements.has_portal:  # type: ignore[attr-defined]
                return render(
                    request,
                    "portal/no_portal.html",
                    {"plan": request.entitlements.plan, "provider": contact.customer.provider},  # type: ignore[attr-defined]
                    status=200 if request.resolver_match.url_name == "home" else 403,
                )
            try:
                return view(request, *args, **kwargs)
            except Http404:
                # No section of the menu is marked: the page must not differ by address.
                return render(request, "portal/404.html", {"nav_name": "-"}, status=404)

        return wrapper

    return decorate(view) if view is not None else decorate
