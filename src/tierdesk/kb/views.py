"""The agents' knowledge-base pages under /kb/ (they extend the console's base.html).

Agents see the articles of the providers they serve (`kb.selectors.article_scope_for`), write one
version per language, publish internal or public, and turn a resolved case into an article.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tierdesk.catalog.models import Provider
from tierdesk.console.access import agent_required
from tierdesk.i18n import LANGUAGE_CHOICES, LANGUAGE_CODES
from tierdesk.tickets.selectors import ticket_get_for

from . import forms as kb_forms
from .models import Category, Deflection
from .selectors import agent_providers, article_get_for, article_list_for
from .services import (
    KbError,
    article_create,
    article_draft_from_ticket,
    article_update,
    article_version_save,
    category_create,
)


def _providers(user: Any) -> Any:
    providers = agent_providers(user)
    return Provider.objects.all() if providers is None else providers


def _language() -> str:
    return translation.get_language() or "en"


@agent_required
@require_GET
def article_list(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")[:200]
    cards = article_list_for(request.user, language=_language(), query=query, limit=100)
    counts = dict(
        Deflection.objects.filter(article__in=[c.article for c in cards])
        .values("article")
        .annotate(n=Count("id"))
        .values_list("article", "n")
    )
    providers = _providers(request.user)
    totals = (
        Deflection.objects.filter(provider__in=providers)
        .values("provider__name")
        .annotate(n=Count("id"))
        .order_by("provider__name")
    )
    rows = [(card, counts.get(card.pk, 0)) for card in cards]
    return render(request, "kb/list.html", {"rows": rows, "query": query, "totals": totals})


@agent_required
@require_http_methods(["GET", "POST"])
def article_new(request: HttpRequest) -> HttpResponse:
    providers = _providers(request.user)
    ticket = None
    initial: dict[str, Any] = {"language": _language()}
    source = request.GET.get("from") or request.POST.get("from")
    if source:
        ticket = ticket_get_for(request.user, source)
        try:
            initial.update(article_draft_from_ticket(ticket=ticket))
        except KbError as exc:
            messages.error(request, str(exc))
            return redirect("console:ticket", number=ticket.number)
        initial["provider"] = ticket.provider_id
    form = kb_forms.ArticleForm(request.POST or None, providers=providers, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            article = article_create(
                provider=data["provider"],
                language=data["language"],
                title=data["title"],
                body=data["body"],
                actor=request.user,
                category=data["category"],
                visibility=data["visibility"],
                source_ticket=ticket,
            )
        except KbError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("The article is saved."))
            return redirect("kb:article", pk=article.pk)
    return render(request, "kb/new.html", {"form": form, "ticket": ticket})


@agent_required
@require_GET
def article_detail(request: HttpRequest, pk: int) -> HttpResponse:
    article = article_get_for(request.user, pk)
    versions = {v.language: v for v in article.versions.all()}
    deflections = Deflection.objects.filter(article=article).select_related("customer")
    return render(
        request,
        "kb/detail.html",
        {
            "article": article,
            "versions": [(code, label, versions.get(code)) for code, label in LANGUAGE_CHOICES],
            "deflection_count": deflections.count(),
            "recent_deflections": deflections[:10],
            "publish_form": kb_forms.PublishForm(
                provider=article.provider,
                initial={"visibility": article.visibility, "category": article.category_id},
            ),
        },
    )


@agent_required
@require_http_methods(["GET", "POST"])
def version_edit(request: HttpRequest, pk: int, language: str) -> HttpResponse:
    article = article_get_for(request.user, pk)
    if language not in LANGUAGE_CODES:
        raise Http404("No such language")
    existing = next((v for v in article.versions.all() if v.language == language), None)
    initial = {"title": existing.title, "body": existing.body} if existing else {}
    form = kb_forms.VersionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            article_version_save(
                article=article,
                language=language,
                title=form.cleaned_data["title"],
                body=form.cleaned_data["body"],
                actor=request.user,
            )
        except KbError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("The article is saved."))
            return redirect("kb:article", pk=article.pk)
    return render(
        request,
        "kb/edit.html",
        {
            "article": article,
            "form": form,
            "language": dict(LANGUAGE_CHOICES)[language],
            "existing": existing,
        },
    )


@agent_required
@require_POST
def article_publish(request: HttpRequest, pk: int) -> HttpResponse:
    article = article_get_for(request.user, pk)
    form = kb_forms.PublishForm(request.POST, provider=article.provider)
    if form.is_valid():
        try:
            article_update(
                article=article,
                category=form.cleaned_data["category"],
                visibility=form.cleaned_data["visibility"],
            )
        except KbError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("The article is saved."))
    else:
        messages.error(request, _("Choose a visibility."))
    return redirect("kb:article", pk=article.pk)


@agent_required
@require_http_methods(["GET", "POST"])
def category_list(request: HttpRequest) -> HttpResponse:
    providers = _providers(request.user)
    form = kb_forms.CategoryForm(request.POST or None, providers=providers)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            category_create(provider=data["provider"], names={c: data[f"name_{c}"] for c in LANGUAGE_CODES})
        except KbError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("The category is added."))
            return redirect("kb:categories")
    categories = Category.objects.filter(provider__in=providers).select_related("provider")
    return render(
        request,
        "kb/categories.html",
        {"form": form, "categories": [(c, c.name_in(_language())) for c in categories]},
    )
