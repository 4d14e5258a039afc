"""The words of every e-mail the desk sends to customers, in their language (call these inside
`translation.override(language)`), with times in their time zone.

Plain text only: the customer's own words (subjects, replies, reasons) are put in as values and
never used as template source, so `{{ 7*7 }}` in a subject stays `{{ 7*7 }}` (TPL-2), and no HTML
rendering of customer text exists to escape. Every sentence is marked for translation; the owner
fills the catalogues.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import formats, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from tierdesk.catalog.models import ChannelAccess, Plan, Provider
from tierdesk.catalog.vocabulary import Channel, RequiredDetail

# Dates in words in each language: "Monday 23 November, 11:50 GMT".
_DATE_FORMATS = {
    "en": "l j F, H:i T",
    "fr": r"l j F \à H\hi T",
    "de": "l, j. F, H:i T",
    "nb": r"l j. F \k\l. H:i T",
}


def reply_marker() -> str:
    """The first line of every mail we send; everything from it down is history when the customer
    replies (mail/quotes.py trims there for display)."""
    return "##- " + _("Please type your reply above this line") + " -##"


def when(moment: datetime, timezone: str) -> str:
    local = moment.astimezone(ZoneInfo(timezone))
    language = (translation.get_language() or "en").split("-")[0]
    return formats.date_format(local, _DATE_FORMATS.get(language, _DATE_FORMATS["en"]))


def duration_words(value: timedelta, *, business: bool) -> str:
    """ "4 business hours", "30 minutes", "1 hour 30 minutes" (business time when `business`)."""
    minutes = int(value.total_seconds() // 60)
    hours, rest = divmod(minutes, 60)
    if business and hours and not rest:
        return ngettext("%(n)d business hour", "%(n)d business hours", hours) % {"n": hours}
    parts = []
    if hours:
        parts.append(ngettext("%(n)d hour", "%(n)d hours", hours) % {"n": hours})
    if rest or not hours:
        parts.append(ngettext("%(n)d minute", "%(n)d minutes", rest) % {"n": rest})
    text = " ".join(parts)
    return _("%(duration)s of business time") % {"duration": text} if business else text


def target_words(target_text: str, duration: timedelta, *, business: bool) -> str:
    match = re.fullmatch(r"(\d+)bd", target_text or "")
    if match:
        days = int(match.group(1))
        return ngettext("%(n)d business day", "%(n)d business days", days) % {"n": days}
    return duration_words(duration, business=business)


def subject_for(number: str, subject: str) -> str:
    return f"[{number}] {subject}"[:255]


def greeting(name: str) -> str:
    name = " ".join(name.split())
    return _("Dear %(name)s,") % {"name": name} if name else _("Hello,")


def signature(provider: Provider) -> str:
    lines = ["", _("Kind regards,"), _("%(provider)s support") % {"provider": provider.name}]
    contact = " · ".join(x for x in (desk_address(provider), provider.phone, provider.portal_url) if x)
    if contact:
        lines.append(contact)
    return "\n".join(lines)


def desk_address(provider: Provider | None) -> str:
    if provider is not None and provider.email:
        return provider.email
    from email.utils import parseaddr

    return parseaddr(settings.DEFAULT_FROM_EMAIL)[1]


def _keep_number() -> str:
    return _("Please keep the case number in the subject when you write to us about this case.")


def _join(*blocks: str | None) -> str:
    text = "\n\n".join(b.strip("\n") for b in blocks if b)
    return re.sub(r"\n{3,}", "\n\n", text).rstrip() + "\n"


def _quote(text: str) -> str:
    return "\n".join(f"    {line}" if line else "" for line in text.strip().splitlines())


# -- acknowledgement ------------------------------------------------------------------------------


def channel_route(plan: Plan | None, provider: Provider, at: datetime) -> str | None:
    """The telephone line that is answered at `at` when the plan's desk is closed, in words."""
    if plan is None:
        return None
    for access in plan.channels.all():
        if access.channel == Channel.PHONE and access.calendar.as_sla().is_open(at):
            number = provider.out_of_hours_phone or provider.phone
            if number:
                return _("If it is urgent, call us on %(phone)s: the line is answered at this time.") % {
                    "phone": number
                }
    return None


def how_to_reach(plan: Plan | None, provider: Provider, timezone: str, now: datetime) -> str:
    """The ways in the customer's plan offers (for a refusal), one per line."""
    lines = []
    accesses: Iterable[ChannelAccess] = plan.channels.all() if plan is not None else []
    for access in accesses:
        hours = access.calendar.as_sla()
        always = access.calendar.is_always
        if access.channel == Channel.PORTAL and provider.portal_url:
            lines.append(_("- our customer portal: %(url)s") % {"url": provider.portal_url})
        elif access.channel == Channel.PHONE and provider.phone:
            if always:
                lines.append(_("- by telephone, around the clock: %(phone)s") % {"phone": provider.phone})
            else:
                opens = when(hours.next_open(now), timezone)
                lines.append(
                    _("- by telephone: %(phone)s (answered in business hours; next open %(when)s)")
                    % {"phone": provider.phone, "when": opens}
                )
        elif access.channel == Channel.EMAIL:
            lines.append(_("- by e-mail: %(address)s") % {"address": desk_address(provider)})
    if not lines:
        if provider.portal_url:
            lines.append(_("- our customer portal: %(url)s") % {"url": provider.portal_url})
        if provider.phone:
            lines.append(_("- by telephone: %(phone)s") % {"phone": provider.phone})
    return "\n".join(lines)


def _missing_details(plan: Plan, body: str, has_images: bool) -> list[str]:
    """What the plan asks with an incident that the message seems to lack (a heuristic: a version
    number, system words, enough words, an image attachment, a way in)."""
    wanted = [code for code in (plan.required_details or []) if code in RequiredDetail.values]
    lower = body.lower()
    missing = []
    for code in wanted:
        present = {
            RequiredDetail.SOFTWARE_VERSION: bool(
                re.search(r"\b(v(ersion)?\.?\s*)?\d+\.\d+(\.\d+)*\b", lower)
                or re.search(r"\b(version|versjon)\s*:?\s*\w*\d", lower)
            ),
            RequiredDetail.SYSTEM_DETAILS: bool(
                re.search(
                    r"\b(windows|linux|macos|mac os|ubuntu|debian|red ?hat|rhel|centos|suse|vmware|esxi"
                    r"|hyper-v|server|betriebssystem|système|operativsystem|os)\b",
                    lower,
                )
            ),
            RequiredDetail.DESCRIPTION: len(body.split()) >= 25,
            RequiredDetail.SCREENSHOTS: has_images,
            RequiredDetail.REMOTE_ACCESS: bool(
                re.search(r"\b(remote|vpn|teamviewer|anydesk|fernzugriff|fernwartung|accès|ip)\b", lower)
            ),
        }.get(code, False)
        if not present:
            missing.append(str(RequiredDetail(code).label))
    return missing


def acknowledgement(
    *,
    ticket: Any,
    name: str,
    timezone: str,
    clocks: list[Any],
    body: str,
    has_images: bool,
    refused: list[dict[str, Any]],
    opened_at: datetime,
) -> tuple[str, str]:
    """ "We have opened case NX-2026-000123", the SLA promise with its due time, out-of-hours
    information, what the plan asks to be given with an incident, and refused attachments."""
    plan: Plan | None = ticket.plan
    provider: Provider = ticket.provider
    blocks = [reply_marker(), greeting(name)]
    blocks.append(
        _('Thank you for your message. We have opened case %(number)s for it: "%(subject)s".')
        % {"number": ticket.number, "subject": ticket.subject}
    )
    first = next((c for c in clocks if c.metric == "first_response" and c.due_at), None)
    resolution = next((c for c in clocks if c.metric == "resolution" and c.due_at), None)
    desk = plan.calendar.as_sla() if plan is not None else None
    open_now = desk.is_open(opened_at) if desk is not None else True

    if ticket.adhoc_status == "pending":
        price = _adhoc_price(plan)
        if price:
            blocks.append(
                _(
                    "Your company has no support contract with us that covers this request. We can handle "
                    "it as a chargeable case (%(price)s). An agent will confirm whether we can take it on "
                    "before any work starts."
                )
                % {"price": price}
            )
        else:
            blocks.append(
                _(
                    "Your company has no support contract with us that covers this request. An agent will "
                    "confirm whether we can take it on, and on what terms, before any work starts."
                )
            )
    elif first is not None:
        business = not first.calendar.is_always
        promise = _("We will respond within %(within)s, by %(due)s.") % {
            "within": target_words(first.target.within_text, first.duration, business=business),
            "due": when(first.due_at, timezone),
        }
        if resolution is not None:
            promise += " " + _("We aim to resolve it within %(within)s, by %(due)s.") % {
                "within": target_words(
                    resolution.target.within_text,
                    resolution.duration,
                    business=not resolution.calendar.is_always,
                ),
                "due": when(resolution.due_at, timezone),
            }
        blocks.append(promise)
    elif desk is not None:
        if open_now:
            blocks.append(_("Our desk is open now and will look at your message as soon as it can."))
        else:
            blocks.append(
                _("We will look at your message when our desk opens, on %(when)s.")
                % {"when": when(desk.next_open(opened_at), timezone)}
            )

    if desk is not None and not open_now and ticket.adhoc_status != "pending":
        closed = _("Our desk is closed at the moment; it opens again on %(when)s.") % {
            "when": when(desk.next_open(opened_at), timezone)
        }
        route = channel_route(plan, provider, opened_at)
        blocks.append(f"{closed} {route}" if route else closed)

    if plan is not None and ticket.type == "incident":
        missing = _missing_details(plan, body, has_images)
        if missing:
            blocks.append(
                _("To help us work on it, please reply with:")
                + "\n"
                + "\n".join(f"- {item}" for item in missing)
            )
    if refused:
        blocks.append(refused_block(refused))
    blocks.append(_keep_number())
    blocks.append(signature(provider))
    return subject_for(ticket.number, ticket.subject), _join(*blocks)


def _adhoc_price(plan: Plan | None) -> str:
    if plan is None:
        return ""
    price = next((p for p in plan.prices.all() if p.kind == "per_incident" and p.amount is not None), None)
    if price is None:
        return ""
    return price_words(str(price.amount), price.currency, price.excludes_vat, price.max_hours)


def price_words(amount: str, currency: str, excludes_vat: bool, max_hours: Any) -> str:
    text = f"{amount} {currency}"
    if excludes_vat:
        text = _("%(price)s plus VAT") % {"price": text}
    text = _("%(price)s per incident") % {"price": text}
    if max_hours not in (None, ""):
        text += ", " + _("up to %(hours)s hours") % {"hours": str(max_hours).rstrip("0").rstrip(".")}
    return text


def refused_block(refused: list[dict[str, Any]]) -> str:
    lines = [_("We could not accept these attachments:")]
    for item in refused:
        if item["reason"] == "size":
            why = _("larger than %(limit)s") % {"limit": size_words(item["limit"])}
        elif item["reason"] == "type":
            why = _("files of this type (%(type)s) are not accepted") % {"type": item["content_type"]}
        else:
            why = _("it could not be read")
        lines.append(f"- {item['filename']} ({why})")
    lines.append(_("Please send them another way, for example as a link, or in a format we accept."))
    return "\n".join(lines)


def size_words(size: int) -> str:
    if size >= 1_000_000:
        return _("%(n)s MB") % {"n": f"{size / 1_000_000:.0f}"}
    return _("%(n)s kB") % {"n": f"{max(1, size // 1000)}"}


# -- what happens on a case -----------------------------------------------------------------------


def agent_reply(*, ticket: Any, name: str, text: str, agent: str) -> tuple[str, str]:
    blocks = [reply_marker(), greeting(name), text.strip()]
    if agent:
        blocks.append(f"— {agent}")
    blocks.append(_keep_number())
    blocks.append(signature(ticket.provider))
    return subject_for(ticket.number, ticket.subject), _join(*blocks)


def status_changed(
    *, ticket: Any, name: str, to: str, reason: str, at: datetime, timezone: str
) -> tuple[str, str] | None:
    plan: Plan | None = ticket.plan
    blocks = [reply_marker(), greeting(name)]
    if to == "waiting_customer":
        blocks.append(
            _("To continue working on case %(number)s we need something from you:")
            % {"number": ticket.number}
        )
        blocks.append(_quote(reason) if reason else _("Please see our previous message."))
        blocks.append(_("Please reply to this e-mail with what we asked for."))
        if plan is not None and "waiting_customer" in (plan.pause_on or []):
            blocks.append(_("Our response times are paused until you reply."))
    elif to == "resolved":
        window = plan.reopen_within if plan is not None else timedelta(days=14)
        blocks.append(_("We have resolved case %(number)s.") % {"number": ticket.number})
        if reason:
            blocks.append(_quote(reason))
        blocks.append(
            _(
                "If the problem is not solved, reply to this e-mail by %(until)s and we will reopen the "
                "case. After that, please open a new case."
            )
            % {"until": when(at + window, timezone)}
        )
    elif to == "closed":
        blocks.append(_("Case %(number)s is now closed.") % {"number": ticket.number})
        if reason:
            blocks.append(_quote(reason))
        blocks.append(_("If you need more help, write to us and we will open a new case."))
    else:
        return None
    blocks.append(signature(ticket.provider))
    return subject_for(ticket.number, ticket.subject), _join(*blocks)


def severity_changed(
    *, ticket: Any, name: str, old: str, new: str, downgrade: bool, reason: str
) -> tuple[str, str]:
    blocks = [reply_marker(), greeting(name)]
    if downgrade:
        blocks.append(
            _("We have lowered the severity of case %(number)s from %(old)s to %(new)s.")
            % {"number": ticket.number, "old": old, "new": new}
        )
    else:
        blocks.append(
            _("We have raised the severity of case %(number)s from %(old)s to %(new)s.")
            % {"number": ticket.number, "old": old, "new": new}
        )
    if reason:
        blocks.append(_("The reason:") + "\n" + _quote(reason))
    blocks.append(_("Our response and resolution times now follow the new severity."))
    blocks.append(signature(ticket.provider))
    return subject_for(ticket.number, ticket.subject), _join(*blocks)


def adhoc_accepted(*, ticket: Any, name: str, data: dict[str, Any], note: str) -> tuple[str, str]:
    blocks = [reply_marker(), greeting(name)]
    if data.get("price"):
        price = price_words(
            data["price"], data.get("currency", ""), data.get("excludes_vat", True), data.get("max_hours")
        )
        blocks.append(
            _("We have accepted case %(number)s as a chargeable case: %(price)s.")
            % {"number": ticket.number, "price": price}
        )
    else:
        blocks.append(_("We have accepted case %(number)s as a chargeable case.") % {"number": ticket.number})
    if note:
        blocks.append(_quote(note))
    blocks.append(_("We will be in touch about the next steps."))
    blocks.append(signature(ticket.provider))
    return subject_for(ticket.number, ticket.subject), _join(*blocks)


def adhoc_declined(*, ticket: Any, name: str, reason: str) -> tuple[str, str]:
    blocks = [reply_marker(), greeting(name)]
    blocks.append(_("We are sorry: we cannot take on case %(number)s.") % {"number": ticket.number})
    if reason:
        blocks.append(_("The reason:") + "\n" + _quote(reason))
    blocks.append(signature(ticket.provider))
    return subject_for(ticket.number, ticket.subject), _join(*blocks)


def onsite_required(
    *, ticket: Any, name: str, note: str, due: datetime | None, timezone: str
) -> tuple[str, str]:
    blocks = [reply_marker(), greeting(name)]
    blocks.append(_("An engineer will come to your site for case %(number)s.") % {"number": ticket.number})
    if due is not None:
        blocks.append(_("The engineer will be with you by %(due)s.") % {"due": when(due, timezone)})
    if note:
        blocks.append(_quote(note))
    blocks.append(signature(ticket.provider))
    return subject_for(ticket.number, ticket.subject), _join(*blocks)


# -- notices about a message we could not take as it was ------------------------------------------


def _re(subject: str) -> str:
    subject = " ".join(subject.split())
    return subject if subject.lower().startswith("re:") else f"Re: {subject}".strip()


def unknown_sender(*, provider: Provider, address: str, subject: str, now: datetime) -> tuple[str, str]:
    blocks = [
        _("Hello,"),
        _(
            "Thank you for your message. We could not open a case for it, because your address %(address)s "
            "is not registered with %(provider)s."
        )
        % {"address": address, "provider": provider.name},
        _(
            "If your company has a support contract with us, please ask your administrator to register you "
            "as a contact, or reach us another way:"
        ),
        how_to_reach(None, provider, provider.timezone, now),
        signature(provider),
    ]
    return _re(subject)[:255], _join(*blocks)


def not_entitled(
    *, provider: Provider, plan: Plan, name: str, subject: str, timezone: str, now: datetime
) -> tuple[str, str]:
    blocks = [
        greeting(name),
        _(
            "Thank you for your message. Your support plan (%(plan)s) does not include support by e-mail, "
            "so we could not open a case from it."
        )
        % {"plan": plan.name},
        _("Please reach us this way:"),
        how_to_reach(plan, provider, timezone, now),
        signature(provider),
    ]
    return _re(subject)[:255], _join(*blocks)


def foreign_case(*, provider: Provider, number: str, subject: str) -> tuple[str, str]:
    blocks = [
        _("Hello,"),
        _(
            "We could not add your message to case %(number)s, because your address is not registered for "
            "that case. Please ask the person who opened it to forward your information, or write to us "
            "without the case number to open a new case."
        )
        % {"number": number},
        signature(provider),
    ]
    return _re(subject)[:255], _join(*blocks)


def too_large(*, provider: Provider | None, size: int, limit: int, subject: str) -> tuple[str, str]:
    blocks = [
        _("Hello,"),
        _(
            "Your message (%(size)s) was larger than the %(limit)s we accept, so it could not be added. "
            "Please send it again without the large files, and share them another way, for example as a "
            "link."
        )
        % {"size": size_words(size), "limit": size_words(limit)},
    ]
    if provider is not None:
        blocks.append(signature(provider))
    return _re(subject)[:255], _join(*blocks)


def attachments_refused(*, ticket: Any, name: str, refused: list[dict[str, Any]]) -> tuple[str, str]:
    blocks = [
        greeting(name),
        _("We have added your message to case %(number)s.") % {"number": ticket.number},
        refused_block(refused),
        signature(ticket.provider),
    ]
    return subject_for(ticket.number, ticket.subject), _join(*blocks)
