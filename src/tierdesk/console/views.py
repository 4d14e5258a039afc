"""The agents' pages: the queues, a ticket with its actions, notifications.

Every view is thin (STYLE.md, habit 2): check the agent, fetch through the tickets selectors (the one
access chokepoint), validate, call the service, render. Each page renders in full for a plain
request; an htmx request gets only the fragments that changed (progressive enhancement: every form
works without JavaScript and redirects back).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import push_url

from tierdesk import clock
from tierdesk.tickets import services
from tierdesk.tickets.models import Status, Ticket
from tierdesk.tickets.selectors import agent_of, ticket_get_for

from . import forms as console_forms
from .access import agent_required
from .notifications import notifications_for, notifications_mark_read, notifications_unread_count
from .queues import customer_suggestions, filter_options, filters_from, queue_counts, queue_page
from .ticket_page import (
    TicketData,
    block_keys,
    clock_views,
    header_badge,
    status_choices,
    ticket_data,
    timeline,
)


def _htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


def _vary(response: HttpResponse) -> HttpResponse:
    # The same URL answers a whole page or a fragment: caches (and the back button) must tell them apart.
    patch_vary_headers(response, ("HX-Request",))
    return response


# -- queues ----------------------------------------------------------------------------------------


@agent_required
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    form = console_forms.QueueForm(request.GET)
    values = form.values()
    now = clock.now()
    result = queue_page(
        user=request.user,
        filters=filters_from(values),
        sla=values.get("sla"),
        page=request.GET.get("page"),
        now=now,
    )
    context = {
        "form": form,
        "values": values,
        "queue_name": values.get("queue", "all"),
        "result": result,
        "counts": queue_counts(user=request.user),
        "filtered": any(k not in ("queue", "sla") for k in values),
        "now": now,
    }
    if _htmx(request) and request.htmx.target == "queue-results":
        response = render(request, "console/_queue_results.html", {**context, "oob": True})
        # The address bar shows the filters that are set, not every empty field of the form.
        kept = [(k, v) for k, values in request.GET.lists() for v in values if v]
        return _vary(push_url(response, f"{reverse('console:home')}?{urlencode(kept)}" if kept else "/"))
    context["options"] = filter_options(user=request.user)
    return _vary(render(request, "console/queue.html", context))


@agent_required
@require_GET
def customer_suggest(request: HttpRequest) -> HttpResponse:
    """Options for the customer filter's search, when a desk has too many customers for a list."""
    found = customer_suggestions(user=request.user, text=request.GET.get("customer", "")[:120])
    return render(request, "console/_customer_options.html", {"found": found})


# -- the ticket page -------------------------------------------------------------------------------


def _ticket_url(ticket: Ticket) -> str:
    return reverse("console:ticket", args=[ticket.number])


def _forms(data: TicketData, bound: Any = None) -> dict[str, Any]:
    """A fresh form for every action, except the one the agent just posted, kept with its text."""
    built: dict[str, Any] = {}
    for name, action in ACTIONS.items():
        if bound is not None and bound.action == name:
            built[action.key] = bound
        else:
            built[action.key] = action.make_form(None, data)
    return built


def _page_context(request: HttpRequest, data: TicketData, *, bound: Any = None) -> dict[str, Any]:
    now = clock.now()
    clocks = clock_views(data, now=now, language=translation.get_language() or "en")
    return {
        "ticket": data.ticket,
        "data": data,
        "timeline": timeline(data),
        "clocks": clocks,
        "header_badge": header_badge(data.ticket, clocks, now),
        "page_url": _ticket_url(data.ticket),
        "forms": _forms(data, bound),
        "status_choices": status_choices(data.ticket),
        "me": agent_of(request.user),
        "now": now,
        "composer": bound.action
        if bound is not None and bound.action in ("reply", "note", "call")
        else "reply",
    }


@agent_required
@require_GET
def ticket_detail(request: HttpRequest, number: str) -> HttpResponse:
    ticket = ticket_get_for(request.user, number)
    return _vary(render(request, "console/ticket.html", _page_context(request, ticket_data(ticket))))


@agent_required
@require_GET
def ticket_sla(request: HttpRequest, number: str) -> HttpResponse:
    """The SLA panel alone, recomputed now (its Refresh button); a plain request gets the page."""
    ticket = ticket_get_for(request.user, number)
    if not _htmx(request):
        return redirect(f"{_ticket_url(ticket)}#sla-panel")
    data = ticket_data(ticket)
    now = clock.now()
    context = {
        "ticket": ticket,
        "clocks": clock_views(data, now=now, language=translation.get_language() or "en"),
        "now": now,
    }
    return _vary(render(request, "console/_sla_panel.html", context))


@dataclass(frozen=True)
class Action:
    """A ticket action: its form, the page block it lives in, and the service call it makes."""

    form: type[console_forms._TicketForm]
    block: str
    run: Callable[[Ticket, Any, dict[str, Any], Any], str]
    form_kwargs: Callable[[TicketData], dict[str, Any]] | None = None

    @property
    def key(self) -> str:
        return self.form.action.replace("-", "_")

    def make_form(self, posted: Any, data: TicketData) -> Any:
        kwargs = self.form_kwargs(data) if self.form_kwargs else {}
        return self.form(posted, ticket=data.ticket, **kwargs)


def _reply(ticket: Ticket, user: Any, c: dict[str, Any], form: Any) -> str:
    services.ticket_reply(ticket=ticket, actor=user, body=c["body"])
    return _("Reply sent to the customer.")


def _note(ticket: Ticket, user: Any, c: dict[str, Any], form: Any) -> str:
    services.ticket_note(ticket=ticket, actor=user, body=c["body"])
    return _("Internal note added.")


def _call(ticket: Ticket, user: Any, c: dict[str, Any], form: Any) -> str:
    services.ticket_log_call(
        ticket=ticket, actor=user, body=c["body"], direction=c["direction"], minutes=c["minutes"]
    )
    return _("Call logged.")


def _status(ticket: Ticket, user: Any, c: dict[str, Any], form: Any) -> str:
    services.ticket_change_status(ticket=ticket, actor=user, status=c["status"], reason=c["reason"])
    return _("Status changed to %(status)s.") % {"status": Status(c["status"]).label}


def _severity(ticket: Ticket, user: Any, c: dict[str, Any], form: Any) -> str:
    before = ticket.severity.level
    services.ticket_change_severity(ticket=ticket, actor=user, level=c["level"], reason=c["reason"])
    text = _("Severity changed to %(level)s.") % {"level": c["level"]}
    if c["level"] > before:
        text += " " + _("The customer is told of the lower severity, with your reason.")
    return text


def _assign(ticket: Ticket, user: Any, c: dict[str, Any], form: Any) -> str:
    changes = form.changes()
    before = (ticket.assignee_id, ticket.team_id)
    services.ticket_assign(ticket=ticket, actor=user, **changes)
    if (ticket.assignee_id, ticket.team_id) == before:
        return _("Nothing to change.")
    return _("Assignment saved.")


def _onsite_required(ticket: Ticket, user: Any, c: dict[str, Any], form: Any) -> str:
    services.ticket_onsite_required(ticket=ticket, actor=user, note=c["note"])
    return _("On-site visit recorded as required: the on-site clock is running.")


def _onsite_arrived(ticket: Ticket, user: Any, c: dict[str, Any], form: Any) -> str:
    services.ticket_onsite_arrived(ticket=ticket, actor=user, note=c["note"])
    return _("The engineer's arrival on site is recorded.")


def _adhoc_accept(ticket: Ticket, user: Any, c: dict[str, Any], form: Any) -> str:
    services.ticket_adhoc_accept(ticket=ticket, actor=user, note=c["note"])
    return _("Case accepted as chargeable; its clocks are running.")


def _adhoc_decline(ticket: Ticket, user: Any, c: dict[str, Any], form: Any) -> str:
    services.ticket_adhoc_decline(ticket=ticket, actor=user, reason=c["reason"])
    return _("Case declined; the customer is told why.")


ACTIONS: dict[str, Action] = {
    "reply": Action(console_forms.ReplyForm, "reply", _reply),
    "note": Action(console_forms.NoteForm, "note", _note),
    "call": Action(console_forms.CallForm, "call", _call),
    "status": Action(console_forms.StatusForm, "status", _status),
    "severity": Action(
        console_forms.SeverityForm, "severity", _severity, form_kwargs=lambda d: {"severities": d.severities}
    ),
    "assign": Action(console_forms.AssignForm, "assign", _assign),
    "onsite-required": Action(console_forms.OnsiteRequiredForm, "onsite", _onsite_required),
    "onsite-arrived": Action(console_forms.OnsiteArrivedForm, "onsite", _onsite_arrived),
    "adhoc-accept": Action(console_forms.AdhocAcceptForm, "adhoc", _adhoc_accept),
    "adhoc-decline": Action(console_forms.AdhocDeclineForm, "adhoc", _adhoc_decline),
}
BLOCKS = {
    "reply": "console/blocks/reply.html",
    "note": "console/blocks/note.html",
    "call": "console/blocks/call.html",
    "status": "console/blocks/status.html",
    "severity": "console/blocks/severity.html",
    "assign": "console/blocks/assign.html",
    "onsite": "console/blocks/onsite.html",
    "adhoc": "console/blocks/adhoc.html",
}


@agent_required
@require_POST
def ticket_action(request: HttpRequest, number: str, action: str) -> HttpResponse:
    """Run one action on the ticket.

    Success: a plain request is redirected back to the ticket page (303, with a message); an htmx
    request gets the acted-on block afresh plus, out of band, the header, the timeline, the SLA panel,
    every other block whose state changed, and the message for the live region.
    Refusal (a form error, or a `TicketError` from the service): the form again with the agent's text
    and the reason, status 422, as a fragment for htmx or within the whole page otherwise.
    """
    if action not in ACTIONS:
        raise Http404("No such action")
    spec = ACTIONS[action]
    ticket = ticket_get_for(request.user, number)
    data = ticket_data(ticket)
    form = spec.make_form(request.POST, data)
    before = block_keys(data)
    if form.is_valid():
        try:
            text = spec.run(ticket, request.user, form.cleaned_data, form)
        except services.TicketError as exc:
            form.add_error(None, str(exc))
        else:
            if not _htmx(request):
                messages.success(request, text)
                return _see_other(_ticket_url(ticket))
            return _vary(_after_action(request, ticket.number, spec, before, text))
    form.focus_first_error()
    if _htmx(request):
        context = {"ticket": ticket, "data": data, "forms": _forms(data, form), "errored": True}
        context["status_choices"] = status_choices(ticket)
        context["me"] = agent_of(request.user)
        response = render(request, BLOCKS[spec.block], context, status=422)
        return _vary(response)
    context = _page_context(request, data, bound=form)
    context["errored"] = True
    return _vary(render(request, "console/ticket.html", context, status=422))


def _see_other(url: str) -> HttpResponse:
    response = HttpResponse(status=303)
    response["Location"] = url
    return response


def _after_action(
    request: HttpRequest, number: str, spec: Action, before: dict[str, Any], text: str
) -> HttpResponse:
    # Read the ticket again through the chokepoint: the page shows what is stored now.
    data = ticket_data(ticket_get_for(request.user, number))
    context = _page_context(request, data)
    context["flash"] = text
    after = block_keys(data)
    parts = [render_to_string(BLOCKS[spec.block], {**context, "focus_after": True}, request)]
    for block, key in after.items():
        if block != spec.block and key != before.get(block):
            parts.append(render_to_string(BLOCKS[block], {**context, "oob": True}, request))
    for fragment in ("_ticket_header", "_timeline", "_sla_panel", "_flash"):
        parts.append(render_to_string(f"console/{fragment}.html", {**context, "oob": True}, request))
    return HttpResponse("".join(parts))


# -- notifications ---------------------------------------------------------------------------------


@agent_required
@require_GET
def notification_list(request: HttpRequest) -> HttpResponse:
    return _vary(render(request, "console/notifications.html", _notification_context(request.user)))


def _notification_context(user: Any) -> dict[str, Any]:
    items = list(notifications_for(user).select_related("ticket")[:100])
    return {"items": items, "has_unread": any(n.read_at is None for n in items)}


@agent_required
@require_POST
def notification_read(request: HttpRequest) -> HttpResponse:
    """Mark one notification read (`id`), or all of them; back to where the agent was."""
    ids = None
    if request.POST.get("id"):
        try:
            ids = [int(request.POST["id"])]
        except ValueError:
            raise Http404("No such notification") from None
    notifications_mark_read(user=request.user, now=clock.now(), ids=ids)
    if _htmx(request):
        context = {
            **_notification_context(request.user),
            "oob": True,
            "unread": notifications_unread_count(request.user),
        }
        return _vary(render(request, "console/_notification_list.html", context))
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = reverse("console:notifications")
    return _see_other(back)
