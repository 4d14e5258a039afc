"""Forms of the console: they check types and required fields only. Every rule about tickets (which
transitions are allowed, when a reason is needed, what an ad hoc case may do) belongs to
`tickets.services`, whose `TicketError` the views show as a form error."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tierdesk.accounts.models import Agent, Team
from tierdesk.catalog.vocabulary import Channel
from tierdesk.tickets.models import Status, Ticket, TicketType
from tierdesk.tickets.selectors import QUEUES

TEXT_LIMIT = 50_000  # a pasted log is welcome; a megabyte in one message is a mistake


class _TicketForm(forms.Form):
    """A form acting on one ticket; ids are unique per form, as several share one page."""

    action = ""

    def __init__(self, *args: Any, ticket: Ticket, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"{self.action}-%s")
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.ticket = ticket

    def focus_first_error(self) -> None:
        """Put the keyboard on the first field in error when the form comes back (``autofocus``: the
        browser honours it on a page load, htmx after a swap)."""
        for name in self.fields:
            if name in self.errors:
                self.fields[name].widget.attrs["autofocus"] = True
                return


def _text(label: Any, *, required: bool, rows: int = 3, help_text: Any = "") -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=TEXT_LIMIT,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": rows}),
    )


class ReplyForm(_TicketForm):
    action = "reply"
    body = _text(_("Message to the customer"), required=True, rows=6)


class NoteForm(_TicketForm):
    action = "note"
    body = _text(_("Note for the team"), required=True, rows=6, help_text=_("Only agents see this."))


class CallForm(_TicketForm):
    action = "call"
    direction = forms.ChoiceField(
        label=_("Direction"),
        choices=[("outbound", _("Outbound: we called")), ("inbound", _("Inbound: the customer called"))],
        initial="outbound",
    )
    minutes = forms.IntegerField(label=_("Minutes"), required=False, min_value=0, max_value=24 * 60)
    body = _text(_("What was said"), required=False, rows=4)


class StatusForm(_TicketForm):
    action = "status"
    # Every status is accepted here; the service decides which moves are allowed and says why not.
    status = forms.ChoiceField(label=_("New status"), choices=Status.choices)
    reason = _text(_("Reason"), required=False, rows=2, help_text=_("The customer sees it."))


class SeverityForm(_TicketForm):
    action = "severity"
    level = forms.TypedChoiceField(label=_("New severity"), coerce=int, choices=())
    reason = _text(_("Reason"), required=True, rows=2, help_text=_("The customer sees it."))

    def __init__(self, *args: Any, severities: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["level"].choices = [(s.level, f"{s.level} · {s.label}") for s in severities]
        self.fields["level"].initial = self.ticket.severity.level


def assignable_agents(ticket: Ticket):
    """Active agents who can see the ticket: their team serves its provider, or serves everyone."""
    return (
        Agent.objects.filter(is_active=True, user__is_active=True)
        .filter(
            Q(teams__provider_id=ticket.provider_id)
            | Q(teams__isnull=False, teams__provider__isnull=True)
            | Q(user__is_superuser=True)
        )
        .select_related("user")
        .distinct()
    )


def assignable_teams(ticket: Ticket):
    return Team.objects.filter(Q(provider_id=ticket.provider_id) | Q(provider__isnull=True))


class AssignForm(_TicketForm):
    """Assignee and team; a field left out of the POST is left as it is (the "Assign to me" button
    sends the assignee only)."""

    action = "assign"
    assignee = forms.ModelChoiceField(
        label=_("Agent"), queryset=Agent.objects.none(), required=False, empty_label=_("Nobody")
    )
    team = forms.ModelChoiceField(
        label=_("Team"), queryset=Team.objects.none(), required=False, empty_label=_("No team")
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = assignable_agents(self.ticket)
        self.fields["team"].queryset = assignable_teams(self.ticket)
        self.fields["assignee"].initial = self.ticket.assignee_id
        self.fields["team"].initial = self.ticket.team_id

    def changes(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in ("assignee", "team") if name in self.data}


class OnsiteRequiredForm(_TicketForm):
    action = "onsite-required"
    note = _text(_("Note"), required=False, rows=2, help_text=_("The customer sees it."))


class OnsiteArrivedForm(_TicketForm):
    action = "onsite-arrived"
    note = _text(_("Note"), required=False, rows=2, help_text=_("The customer sees it."))


class AdhocAcceptForm(_TicketForm):
    action = "adhoc-accept"
    note = _text(_("Note to the customer"), required=False, rows=2)


class AdhocDeclineForm(_TicketForm):
    action = "adhoc-decline"
    reason = _text(_("Reason for declining"), required=True, rows=2, help_text=_("The customer sees it."))


# -- the queue's filters ---------------------------------------------------------------------------

ANY_STATUS = "any"
SLA_FILTERS = ("breached", "soon", "paused")


class QueueForm(forms.Form):
    """The queue's filters, read from the query string. Values that do not parse are ignored (a
    hand-edited URL still shows a queue); customer, provider and plan are matched exactly inside the
    agent's scope, so an unknown value simply finds nothing."""

    queue = forms.ChoiceField(choices=[(q, q) for q in QUEUES], required=False)
    q = forms.CharField(label=_("Search"), max_length=120, required=False)
    customer = forms.RegexField(label=_("Customer"), regex=r"^[-\w]+/[-\w]+$", required=False, max_length=120)
    provider = forms.SlugField(label=_("Provider"), required=False, max_length=50)
    plan = forms.RegexField(label=_("Plan"), regex=r"^[-\w]+/[-\w]+$", required=False, max_length=120)
    severity = forms.IntegerField(label=_("Severity"), min_value=1, max_value=99, required=False)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Open")), (ANY_STATUS, _("Any status")), *Status.choices],
    )
    type = forms.ChoiceField(
        label=_("Type"), required=False, choices=[("", _("Any type")), *TicketType.choices]
    )
    channel = forms.ChoiceField(
        label=_("Channel"), required=False, choices=[("", _("Any channel")), *Channel.choices]
    )
    sla = forms.ChoiceField(required=False, choices=[(s, s) for s in SLA_FILTERS])

    def values(self) -> dict[str, Any]:
        """The valid filters; an invalid one is dropped."""
        self.is_valid()
        return {
            name: value
            for name, value in getattr(self, "cleaned_data", {}).items()
            if value not in ("", None)
        }
