"""Monitoring's pages and endpoints: the status board (console and portal), acknowledging a fault,
and the doors monitoring systems knock on (Alertmanager and generic webhooks, heartbeats).

Thin (STYLE.md, habit 2): authenticate, fetch through `selectors` (the access chokepoint), validate,
call the service, render.
"""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tierdesk.console.access import agent_required
from tierdesk.customers.selectors import customer_scope_for
from tierdesk.portal.access import portal_view

from . import selectors, services
from .models import AlertSource
from .sources import PayloadError


class AcknowledgeForm(forms.Form):
    comment = forms.CharField(
        label=gettext_lazy("What is being done"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": gettext_lazy("Say what is being done about the fault.")},
    )


def _board_context(request: HttpRequest, *, customer_id: int | None) -> dict[str, Any]:
    return {
        "assets": selectors.board_assets(request.user, customer_id=customer_id),
        "alerts": selectors.firing_alerts(request.user, customer_id=customer_id),
        "form": AcknowledgeForm(),
    }


def _acknowledge(request: HttpRequest, pk: int, actor: Any, template: str, back: str) -> HttpResponse:
    alert = selectors.alert_get_for(request.user, pk)
    if request.method != "POST":
        return redirect(back)  # a reload or a pasted link: to the page with the form; nothing changes
    form = AcknowledgeForm(request.POST)
    if form.is_valid():
        try:
            services.alert_acknowledge(alert=alert, actor=actor, comment=form.cleaned_data["comment"])
        except services.MonitoringError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Fault acknowledged. The reminders stop."))
            return redirect(back)
    return render(request, template, {"alert": alert, "form": form}, status=422)


# -- console ---------------------------------------------------------------------------------------


@agent_required
@require_GET
def board(request: HttpRequest) -> HttpResponse:
    customer_id = None
    code = request.GET.get("customer", "")
    if code.isdigit():
        customer = customer_scope_for(request.user).filter(pk=int(code)).first()
        if customer is None:
            raise Http404("no such customer")
        customer_id = customer.pk
    return render(request, "monitoring/console_board.html", _board_context(request, customer_id=customer_id))


@agent_required
@require_GET
def alert_detail(request: HttpRequest, pk: int) -> HttpResponse:
    alert = selectors.alert_get_for(request.user, pk)
    return render(request, "monitoring/console_alert.html", {"alert": alert, "form": AcknowledgeForm()})


@agent_required
@require_http_methods(["GET", "POST"])
def alert_acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    return _acknowledge(
        request, pk, request.user, "monitoring/console_alert.html", reverse("monitoring:alert", args=[pk])
    )


# -- portal ----------------------------------------------------------------------------------------


def _portal_included(request: HttpRequest) -> bool:
    # Decided once per request by the portal, from the contract in force (portal/entitlements.py).
    return request.entitlements.monitoring  # type: ignore[attr-defined]


@portal_view
@require_GET
def portal_board(request: HttpRequest) -> HttpResponse:
    if not _portal_included(request):
        return render(request, "monitoring/portal_not_included.html", {"nav_name": "monitoring"}, status=403)
    context = _board_context(request, customer_id=request.contact.customer_id)  # type: ignore[attr-defined]
    return render(request, "monitoring/portal_board.html", {**context, "nav_name": "monitoring"})


@portal_view
@require_GET
def portal_alert(request: HttpRequest, pk: int) -> HttpResponse:
    if not _portal_included(request):
        raise Http404("monitoring not included")
    alert = selectors.alert_get_for(request.user, pk)
    return render(
        request,
        "monitoring/portal_alert.html",
        {"alert": alert, "form": AcknowledgeForm(), "nav_name": "monitoring"},
    )


@portal_view
@require_http_methods(["GET", "POST"])
def portal_alert_acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    if not _portal_included(request):
        raise Http404("monitoring not included")
    return _acknowledge(
        request,
        pk,
        request.contact,  # type: ignore[attr-defined]
        "monitoring/portal_alert.html",
        reverse("portal-monitoring:alert", args=[pk]),
    )


# -- the doors monitoring systems use --------------------------------------------------------------


def _error(status: int, message: str) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


def _webhook(request: HttpRequest, kind: str) -> HttpResponse:
    """Size first (413, before reading), then the token (401), then the payload (400)."""
    limit = int(getattr(settings, "TIERDESK_MONITORING_MAX_PAYLOAD_KB", 256)) * 1024
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return _error(400, "Content-Length is not a number")
    if declared > limit:
        return _error(413, f"the payload is larger than {limit // 1024} KiB")
    header = request.headers.get("Authorization", "")
    scheme, _sep, token = header.partition(" ")
    source = (
        services.source_authenticate(token=token.strip(), kind=kind) if scheme.lower() == "bearer" else None
    )
    if source is None:
        response = _error(401, "a valid alert source token is required (Authorization: Bearer …)")
        response["WWW-Authenticate"] = 'Bearer realm="tierdesk-monitoring"'
        return response
    body = request.read(limit + 1)
    if len(body) > limit:
        return _error(413, f"the payload is larger than {limit // 1024} KiB")
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        return _error(400, f"the body is not JSON: {exc}")
    except RecursionError:
        return _error(400, "the body is nested too deeply")
    try:
        result = services.alert_ingest(source=source, payload=payload)
    except PayloadError as exc:
        return _error(400, str(exc))
    except services.NotEntitled as exc:
        return _error(403, str(exc))
    return JsonResponse({"fired": len(result.fired), "recovered": len(result.recovered)})


@csrf_exempt
@require_POST
def alertmanager_webhook(request: HttpRequest) -> HttpResponse:
    return _webhook(request, AlertSource.Kind.ALERTMANAGER)


@csrf_exempt
@require_POST
def generic_webhook(request: HttpRequest) -> HttpResponse:
    return _webhook(request, AlertSource.Kind.GENERIC)


@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def heartbeat(request: HttpRequest, secret: str) -> HttpResponse:
    check = services.heartbeat_receive(secret=secret)
    if check is None:
        return HttpResponse("not found\n", status=404, content_type="text/plain")
    return HttpResponse("OK\n", content_type="text/plain")
