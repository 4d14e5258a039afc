"""The customers' pages. Thin views (STYLE.md, habit 2): `portal_view` decides who is here and what
their plan allows; tickets are fetched through the one chokepoint (`ticket_scope_for` /
`ticket_get_for`), articles through `kb.selectors`; every change is a service call.
"""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordChangeForm
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Prefetch, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tierdesk import clock
from tierdesk.catalog.models import Impact, Urgency
from tierdesk.catalog.vocabulary import Channel, RequiredDetail
from tierdesk.kb.selectors import article_get_for, article_list_for, contact_of, version_for
from tierdesk.kb.services import KbError, deflection_record
from tierdesk.tickets.models import OPEN_STATUSES, Attachment, EventKind, Status, Ticket, TicketEvent
from tierdesk.tickets.selectors import ticket_get_for, ticket_scope_for
from tierdesk.tickets.services import TicketError, ticket_change_status, ticket_open, ticket_reply

from . import forms as portal_forms
from . import throttle
from .access import SEEN_KEY, activate_language, idle_seconds, portal_view
from .attachments import AttachmentError, attachments_store, check_uploads, download_response
from .auth import (
    ISSUER,
    PENDING_KEY,
    PENDING_SECONDS,
    new_secret,
    qr_data_uri,
    sign_in_check,
    totp_uri,
    two_step_enrol,
    two_step_remove,
    two_step_verify,
)
from .models import TwoStep
from .promise import promise_for
from .services import PortalError, password_reset_request, portal_preferences_set

ModelBackend = "django.contrib.auth.backends.ModelBackend"


def _htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


def _language() -> str:
    return translation.get_language() or "en"


# -- signing in ------------------------------------------------------------------------------------


def _safe_next(request: HttpRequest, value: str | None) -> str:
    home = reverse("portal:home")
    if not value or not value.startswith("/portal/"):
        return home
    ok = url_has_allowed_host_and_scheme(
        value, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return value if ok else home


def _complete_sign_in(request: HttpRequest, user: Any, next_url: str) -> HttpResponse:
    request.session.pop(PENDING_KEY, None)
    login(request, user, backend=ModelBackend)  # rotates the session key (ATO-3)
    request.session[SEEN_KEY] = time.time()
    return redirect(next_url)


@never_cache
@require_http_methods(["GET", "POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    contact = contact_of(request.user)
    activate_language(request, contact)
    next_url = _safe_next(request, request.POST.get("next") or request.GET.get("next"))
    if contact is not None:
        return redirect(next_url)
    form = portal_forms.SignInForm(request.POST or None)
    error, status = "", 200
    if request.method == "POST" and form.is_valid():
        result = sign_in_check(
            email=form.cleaned_data["email"],
            password=form.cleaned_data["password"],
            ip=throttle.client_ip(request),
        )
        if result.outcome == "throttled":
            error, status = _("Too many attempts. Please wait 15 minutes and try again."), 429
        elif result.outcome == "wrong":
            error = _("That e-mail address and password do not match. Please try again.")
        elif result.outcome == "not_contact":
            return render(request, "portal/not_for_agents.html", status=403)
        elif result.outcome == "code":
            request.session.cycle_key()
            request.session[PENDING_KEY] = {"user": result.user.pk, "at": time.time(), "next": next_url}
            return redirect("portal:sign-in-code")
        else:
            return _complete_sign_in(request, result.user, next_url)
    elif request.method == "POST":
        error = _("That e-mail address and password do not match. Please try again.")
    return render(
        request, "portal/sign_in.html", {"form": form, "error": error, "next": next_url}, status=status
    )


def _pending_user(request: HttpRequest) -> Any:
    from django.contrib.auth import get_user_model

    pending = request.session.get(PENDING_KEY)
    if not isinstance(pending, dict) or time.time() - float(pending.get("at", 0)) > PENDING_SECONDS:
        request.session.pop(PENDING_KEY, None)
        return None, ""
    user = get_user_model().objects.filter(pk=pending.get("user"), is_active=True).first()
    return user, pending.get("next") or reverse("portal:home")


@never_cache
@require_http_methods(["GET", "POST"])
def sign_in_code(request: HttpRequest) -> HttpResponse:
    activate_language(request)
    user, next_url = _pending_user(request)
    if user is None:
        return redirect("portal:sign-in")
    form = portal_forms.CodeForm(request.POST or None)
    error, status = "", 200
    if request.method == "POST":
        key = f"user:{user.pk}"
        if throttle.exceeded("code", key):
            error, status = _("Too many attempts. Please wait 15 minutes and try again."), 429
        elif form.is_valid() and two_step_verify(user=user, code=form.cleaned_data["code"]):
            throttle.clear("code", key)
            return _complete_sign_in(request, user, _safe_next(request, next_url))
        else:
            throttle.hit("code", key)
            error = _("That code is not right, or was already used. Try the code your app shows now.")
    return render(request, "portal/sign_in_code.html", {"form": form, "error": error}, status=status)


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    activate_language(request, contact_of(request.user))
    logout(request)
    messages.info(request, _("You are signed out."))
    return redirect("portal:sign-in")


@never_cache
@require_http_methods(["GET", "POST"])
def reset_request(request: HttpRequest) -> HttpResponse:
    activate_language(request)
    form = portal_forms.ResetRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        ip = throttle.client_ip(request)
        if throttle.exceeded("reset-ip", ip):
            return render(
                request, "portal/reset_request.html",
                {"form": form, "error": _("Too many attempts. Please wait and try again.")}, status=429,
            )  # fmt: skip
        throttle.hit("reset-ip", ip)
        email = form.cleaned_data["email"]
        # Past its limit an address gets no more mail, and the same answer (ENUM-1).
        if throttle.hit("reset-account", email) <= throttle.limits()["reset-account"].attempts:
            password_reset_request(email=email)
        return render(request, "portal/reset_sent.html")
    return render(request, "portal/reset_request.html", {"form": form})


class ResetConfirmView(auth_views.PasswordResetConfirmView):
    """Django's reset view (token checked in constant time, moved from the URL into the session
    before the form shows, so it never leaks through a Referer), with the portal's look."""

    template_name = "portal/reset_confirm.html"
    success_url = reverse_lazy("portal:reset-done")
    post_reset_login = False

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        activate_language(request)
        return super().dispatch(request, *args, **kwargs)


@require_GET
def reset_done(request: HttpRequest) -> HttpResponse:
    activate_language(request)
    return render(request, "portal/reset_done.html")


# -- cases -------------------------------------------------------------------------------------------

STATES = {
    "open": Q(status__in=OPEN_STATUSES),
    "closed": ~Q(status__in=OPEN_STATUSES),
    "all": Q(),
}


@portal_view
@require_GET
def case_list(request: HttpRequest) -> HttpResponse:
    state = request.GET.get("state", "open")
    if state not in STATES:
        state = "open"
    tickets = (
        ticket_scope_for(request.user)
        .filter(STATES[state])
        .select_related("severity", "contact")
        .order_by("-updated_at", "-id")
    )
    page = Paginator(tickets, 25).get_page(request.GET.get("page"))
    counts = {
        "open": ticket_scope_for(request.user).filter(STATES["open"]).count(),
    }
    return render(
        request,
        "portal/case_list.html",
        {"page": page, "state": state, "counts": counts, "company": request.contact.sees_company_cases},
    )


def _axes(request: HttpRequest, data: Any) -> tuple[Impact | None, Urgency | None]:
    provider = request.contact.customer.provider
    impact = urgency = None
    raw_impact, raw_urgency = data.get("impact", ""), data.get("urgency", "")
    if str(raw_impact).isdigit():
        impact = Impact.objects.filter(provider=provider, pk=int(raw_impact)).first()
    if str(raw_urgency).isdigit():
        urgency = Urgency.objects.filter(provider=provider, pk=int(raw_urgency)).first()
    return impact, urgency


def _promise_context(request: HttpRequest, data: Any) -> dict[str, Any]:
    impact, urgency = _axes(request, data)
    promise = None
    if impact is not None and urgency is not None:
        promise = promise_for(
            customer=request.contact.customer,
            plan=request.entitlements.plan,
            impact=impact,
            urgency=urgency,
            now=clock.now(),
        )
    return {"promise": promise, "plan": request.entitlements.plan}


def _compose_body(form: portal_forms.CaseForm, language: str) -> str:
    """The description, then the details the plan asks for, labelled in the provider's language
    (the desk's agents read them)."""
    data = form.cleaned_data
    parts = [data["description"].strip()]
    with translation.override(language):
        details = [
            (RequiredDetail.SOFTWARE_VERSION.label, data.get("software_version", "")),
            (RequiredDetail.SYSTEM_DETAILS.label, data.get("system_details", "")),
            (RequiredDetail.REMOTE_ACCESS.label, data.get("remote_access", "")),
        ]
        lines = [f"{label}: {value.strip()}" for label, value in details if value and value.strip()]
    if lines:
        parts.append("\n".join(lines))
    return "\n\n".join(parts)


@portal_view
@require_http_methods(["GET", "POST"])
def case_new(request: HttpRequest) -> HttpResponse:
    contact = request.contact
    provider = contact.customer.provider
    plan = request.entitlements.plan
    form = portal_forms.CaseForm(
        request.POST or None,
        request.FILES or None,
        provider=provider,
        plan=plan,
        initial={"subject": request.GET.get("subject", "")[:200]},
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                files = check_uploads(form.cleaned_data["files"])
                with transaction.atomic():
                    ticket = ticket_open(
                        customer=contact.customer,
                        contact=contact,
                        subject=form.cleaned_data["subject"],
                        body=_compose_body(form, provider.language),
                        channel=Channel.PORTAL,
                        actor=contact,
                        impact=form.cleaned_data["impact"],
                        urgency=form.cleaned_data["urgency"],
                        type=form.cleaned_data["type"],
                    )
                    opened = ticket.events.filter(kind=EventKind.OPENED).order_by("id").first()
                    attachments_store(ticket=ticket, event=opened, files=files)
            except AttachmentError as exc:
                form.add_error("files", str(exc))
            except TicketError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(
                    request,
                    _("Case %(number)s is open. We will keep you informed here.") % {"number": ticket.number},
                )
                return redirect("portal:case", number=ticket.number)
        status = 422
    context = {
        "form": form,
        "impacts": list(form.fields["impact"].queryset),
        "urgencies": list(form.fields["urgency"].queryset),
        "kb": request.entitlements.knowledge_base,
        "channel": request.entitlements.portal,
        **_promise_context(request, request.POST if request.method == "POST" else request.GET),
    }
    return render(request, "portal/case_new.html", context, status=status)


@portal_view
@require_GET
def case_promise(request: HttpRequest) -> HttpResponse:
    """The severity and SLA promise for the impact and urgency chosen so far (an htmx fragment)."""
    response = render(request, "portal/_promise.html", _promise_context(request, request.GET))
    patch_vary_headers(response, ("HX-Request",))
    return response


@portal_view
@require_GET
def case_suggest(request: HttpRequest) -> HttpResponse:
    """Articles that may answer the subject being typed (an htmx fragment; empty without the KB)."""
    subject = request.GET.get("subject", "")[:200]
    cards = []
    if request.entitlements.knowledge_base and len(subject.strip()) >= 3:
        cards = article_list_for(request.user, language=_language(), query=subject, mode="any", limit=5)
    return render(request, "portal/_suggestions.html", {"cards": cards, "subject": subject})


def _timeline(ticket: Ticket) -> list[TicketEvent]:
    """The public history only: never an internal note, an assignment or other agents-only data."""
    events = list(
        ticket.events.filter(public=True)
        .select_related("actor_user", "actor_contact")
        .prefetch_related(Prefetch("attachments", queryset=Attachment.objects.order_by("id")))
        .order_by("at", "id")
    )
    for event in events:
        # Who did it, as the customer may know them: a contact's name, an agent's first name.
        if event.actor_contact is not None:
            event.who = event.actor_contact.name
        elif event.actor_user is not None:
            event.who = event.actor_user.first_name or ticket.provider.name
        else:
            event.who = ""
    return events


def _case_context(request: HttpRequest, ticket: Ticket, **forms: Any) -> dict[str, Any]:
    severities = {s.level: s.label for s in ticket.provider.severities.all()}
    reopen_until = None
    if ticket.status in (Status.RESOLVED, Status.CLOSED) and ticket.plan is not None:
        resolved = ticket.resolved_at or ticket.closed_at
        reopen_until = resolved + ticket.plan.reopen_within if resolved else None
    return {
        "ticket": ticket,
        "events": _timeline(ticket),
        "severities": severities,
        "statuses": dict(Status.choices),
        "clocks": list(ticket.clocks.order_by("metric")),
        "reply_form": forms.get("reply_form") or portal_forms.ReplyForm(),
        "reason_form": portal_forms.ReasonForm(),
        "can_confirm": ticket.status == Status.RESOLVED,
        "can_reopen": ticket.status in (Status.RESOLVED, Status.CLOSED),
        "reopen_until": reopen_until,
        "now": clock.now(),
    }


@portal_view
@require_GET
def case_detail(request: HttpRequest, number: str) -> HttpResponse:
    ticket = ticket_get_for(request.user, number)
    return render(request, "portal/case_detail.html", _case_context(request, ticket))


@portal_view
@require_POST
def case_reply(request: HttpRequest, number: str) -> HttpResponse:
    ticket = ticket_get_for(request.user, number)
    form = portal_forms.ReplyForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            files = check_uploads(form.cleaned_data["files"])
            with transaction.atomic():
                ticket_reply(ticket=ticket, actor=request.contact, body=form.cleaned_data["body"])
                event = (
                    ticket.events.filter(kind=EventKind.CUSTOMER_MESSAGE, actor_contact=request.contact)
                    .order_by("-id")
                    .first()
                )
                attachments_store(ticket=ticket, event=event, files=files)
        except AttachmentError as exc:
            form.add_error("files", str(exc))
        except TicketError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Your message is added to the case."))
            return redirect(f"{reverse('portal:case', args=[ticket.number])}#latest")
    return render(
        request, "portal/case_detail.html", _case_context(request, ticket, reply_form=form), status=422
    )


def _status_action(request: HttpRequest, number: str, status: str, done: str) -> HttpResponse:
    ticket = ticket_get_for(request.user, number)
    form = portal_forms.ReasonForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        ticket_change_status(ticket=ticket, actor=request.contact, status=status, reason=reason)
    except TicketError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, done)
    return redirect("portal:case", number=ticket.number)


@portal_view
@require_POST
def case_confirm(request: HttpRequest, number: str) -> HttpResponse:
    return _status_action(request, number, Status.CLOSED, _("Thank you: the case is closed."))


@portal_view
@require_POST
def case_reopen(request: HttpRequest, number: str) -> HttpResponse:
    return _status_action(request, number, Status.IN_PROGRESS, _("The case is open again."))


@portal_view
@require_GET
def attachment(request: HttpRequest, number: str, pk: int) -> HttpResponse:
    ticket = ticket_get_for(request.user, number)
    found = Attachment.objects.filter(ticket=ticket, pk=pk, event__public=True).first()
    if found is None:
        raise Http404("No such file")
    return download_response(found)


# -- knowledge base ------------------------------------------------------------------------------------


def _kb_or_refuse(request: HttpRequest) -> HttpResponse | None:
    if not request.entitlements.knowledge_base:
        return render(request, "portal/kb_not_included.html", {"plan": request.entitlements.plan}, status=403)
    return None


@portal_view
@require_GET
def kb_index(request: HttpRequest) -> HttpResponse:
    refused = _kb_or_refuse(request)
    if refused:
        return refused
    query = request.GET.get("q", "")[:200]
    cards = article_list_for(request.user, language=_language(), query=query, limit=50)
    groups: dict[str, list[Any]] = {}
    if not query.strip():
        for card in cards:
            groups.setdefault(card.category or _("Other articles"), []).append(card)
    return render(request, "portal/kb_index.html", {"query": query, "cards": cards, "groups": groups})


@portal_view
@require_GET
def kb_article(request: HttpRequest, pk: int) -> HttpResponse:
    refused = _kb_or_refuse(request)
    if refused:
        return refused
    article = article_get_for(request.user, pk)
    version = version_for(article, _language())
    if version is None:
        raise Http404("No version")
    from_suggestion = request.GET.get("from") == "suggest"
    subject = request.GET.get("q", "")[:200]
    return render(
        request,
        "portal/kb_article.html",
        {
            "article": article,
            "version": version,
            "category": article.category.name_in(_language()) if article.category else "",
            "from_suggestion": from_suggestion,
            "subject": subject,
            "new_case_url": f"{reverse('portal:case-new')}?{urlencode({'subject': subject})}",
        },
    )


@portal_view
@require_POST
def kb_solved(request: HttpRequest, pk: int) -> HttpResponse:
    refused = _kb_or_refuse(request)
    if refused:
        return refused
    article = article_get_for(request.user, pk)
    form = portal_forms.DeflectForm(request.POST)
    subject = form.cleaned_data["subject"] if form.is_valid() else ""
    try:
        deflection_record(article=article, contact=request.contact, subject=subject, language=_language())
    except KbError as exc:  # pragma: no cover — the selector already refused such an article
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Glad it helped. No case was opened; you can always log one later."))
    return redirect("portal:home")


# -- the contact's account -------------------------------------------------------------------------------


@portal_view(needs_portal=False)
@require_http_methods(["GET", "POST"])
def account(request: HttpRequest) -> HttpResponse:
    contact = request.contact
    form = portal_forms.PreferencesForm(
        request.POST or None, initial={"language": contact.language, "timezone": contact.timezone}
    )
    if request.method == "POST" and form.is_valid():
        try:
            portal_preferences_set(
                contact=contact,
                language=form.cleaned_data["language"],
                timezone=form.cleaned_data["timezone"],
            )
        except PortalError as exc:
            form.add_error(None, str(exc))
        else:
            language = form.cleaned_data["language"]
            with translation.override(language or contact.effective_language):
                messages.success(request, _("Your preferences are saved."))
            response = redirect("portal:account")
            # The profile's language now applies; an earlier choice in the switcher would hide it.
            if language:
                response.set_cookie(settings.LANGUAGE_COOKIE_NAME, language, samesite="Lax")
            else:
                response.delete_cookie(settings.LANGUAGE_COOKIE_NAME)
            return response
    two_step = TwoStep.objects.filter(user=request.user).first()
    return render(
        request,
        "portal/account.html",
        {
            "form": form,
            "two_step": two_step,
            "contact": contact,
            "customer": contact.customer,
            "idle_minutes": idle_seconds() // 60,
        },
    )


@portal_view(needs_portal=False)
@require_http_methods(["GET", "POST"])
def account_password(request: HttpRequest) -> HttpResponse:
    form = PasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        # Keeps this session (under a new key) and ends every other one (ATO-4).
        update_session_auth_hash(request, user)
        messages.success(request, _("Your password is changed. Other sessions are signed out."))
        return redirect("portal:account")
    return render(request, "portal/account_password.html", {"form": form})


PENDING_SECRET = "portal_totp_secret"  # noqa: S105 — a session key name, not a secret


@portal_view(needs_portal=False)
@require_http_methods(["GET", "POST"])
def two_step(request: HttpRequest) -> HttpResponse:
    enrolled = TwoStep.objects.filter(user=request.user).first()
    if enrolled is not None:
        return render(
            request,
            "portal/two_step.html",
            {
                "enrolled": enrolled,
                "remaining": len(enrolled.recovery_hashes),
                "form": portal_forms.DisableTwoStepForm(),
            },
        )
    secret = request.session.get(PENDING_SECRET) or new_secret()
    request.session[PENDING_SECRET] = secret
    form = portal_forms.EnrolForm(request.POST or None)
    status = 200
    if request.method == "POST":
        codes = two_step_enrol(user=request.user, secret=secret, code=request.POST.get("code", ""))
        if codes is not None:
            request.session.pop(PENDING_SECRET, None)
            request.session.cycle_key()  # a new session key with the new factor (ATO-3)
            return render(request, "portal/two_step_codes.html", {"codes": codes})
        form.add_error(
            "code", _("That code is not right. Check the time on your phone and try the new code.")
        )
        status = 422
    uri = totp_uri(
        secret=secret, user=request.user, issuer=f"{ISSUER} {request.contact.customer.provider.name}"
    )
    return render(
        request,
        "portal/two_step.html",
        {
            "enrolled": None,
            "form": form,
            "qr": qr_data_uri(uri),
            # In groups of four, easier to read and type into an app (which ignores the spaces).
            "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        },
        status=status,
    )


@portal_view(needs_portal=False)
@require_POST
def two_step_disable(request: HttpRequest) -> HttpResponse:
    form = portal_forms.DisableTwoStepForm(request.POST)
    if form.is_valid() and request.user.check_password(form.cleaned_data["password"]):
        two_step_remove(user=request.user)
        messages.success(request, _("Two-step verification is off."))
    else:
        messages.error(request, _("That password is not right; two-step verification stays on."))
    return redirect("portal:account")
