"""Every write to the knowledge base. Views call these; each keeps the SQLite search index in step
in the same transaction (kb/search.py)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from tierdesk import clock
from tierdesk.catalog.models import Provider
from tierdesk.customers.models import Contact
from tierdesk.i18n import LANGUAGE_CODES
from tierdesk.tickets.models import EventKind, Status, Ticket

from .models import Article, ArticleVersion, Category, Deflection, Visibility
from .search import index_version, unindex_versions


class KbError(ValueError):
    """A knowledge-base operation refused for a reason to show to the person."""


def _clean(title: str, body: str, language: str) -> tuple[str, str]:
    title = " ".join((title or "").split())
    if not title:
        raise KbError(_("An article needs a title."))
    if not (body or "").strip():
        raise KbError(_("An article needs some text."))
    if language not in LANGUAGE_CODES:
        raise KbError(_("Unknown language %(language)s.") % {"language": language})
    return title[:200], body.strip()


@transaction.atomic
def article_create(
    *,
    provider: Provider,
    language: str,
    title: str,
    body: str,
    actor: Any,
    category: Category | None = None,
    visibility: str = Visibility.DRAFT,
    source_ticket: Ticket | None = None,
) -> Article:
    title, body = _clean(title, body, language)
    if category is not None and category.provider_id != provider.pk:
        raise KbError(_("The category belongs to another provider."))
    if visibility not in Visibility.values:
        raise KbError(_("Unknown visibility."))
    if source_ticket is not None and source_ticket.provider_id != provider.pk:
        raise KbError(_("The case belongs to another provider."))
    now = clock.now()
    article = Article.objects.create(
        provider=provider,
        category=category,
        visibility=visibility,
        source_ticket=source_ticket,
        created_by=actor,
        created_at=now,
        updated_at=now,
        published_at=now if visibility != Visibility.DRAFT else None,
    )
    version = ArticleVersion.objects.create(
        article=article, language=language, title=title, body=body, updated_at=now, updated_by=actor
    )
    index_version(version)
    return article


@transaction.atomic
def article_version_save(
    *, article: Article, language: str, title: str, body: str, actor: Any
) -> ArticleVersion:
    """Write (or rewrite) the article in one language."""
    title, body = _clean(title, body, language)
    now = clock.now()
    version, _created = ArticleVersion.objects.update_or_create(
        article=article,
        language=language,
        defaults={"title": title, "body": body, "updated_at": now, "updated_by": actor},
    )
    Article.objects.filter(pk=article.pk).update(updated_at=now)
    index_version(version)
    return version


@transaction.atomic
def article_version_delete(*, article: Article, language: str) -> None:
    versions = list(article.versions.all())
    if len(versions) <= 1:
        raise KbError(_("An article keeps at least one language."))
    doomed = [v.pk for v in versions if v.language == language]
    ArticleVersion.objects.filter(pk__in=doomed).delete()
    unindex_versions(doomed)


_UNSET: Any = object()


@transaction.atomic
def article_update(
    *, article: Article, category: Category | None = _UNSET, visibility: str | None = None
) -> Article:
    """Move the article to another category (None: none) and/or publish it (internal or public)."""
    fields = ["updated_at"]
    if category is not _UNSET:
        if category is not None and category.provider_id != article.provider_id:
            raise KbError(_("The category belongs to another provider."))
        article.category = category
        fields.append("category")
    if visibility is not None:
        if visibility not in Visibility.values:
            raise KbError(_("Unknown visibility."))
        if visibility != Visibility.DRAFT and article.published_at is None:
            article.published_at = clock.now()
            fields.append("published_at")
        article.visibility = visibility
        fields.append("visibility")
    article.updated_at = clock.now()
    article.save(update_fields=fields)
    return article


@transaction.atomic
def article_delete(*, article: Article) -> None:
    ids = list(article.versions.values_list("pk", flat=True))
    article.delete()
    unindex_versions(ids)


def category_create(*, provider: Provider, names: dict[str, str], position: int = 0) -> Category:
    names = {k: " ".join(v.split()) for k, v in names.items() if k in LANGUAGE_CODES and v and v.strip()}
    if not names:
        raise KbError(_("A category needs a name."))
    base = slugify(names.get("en") or next(iter(names.values()))) or "category"
    slug, n = base[:45], 2
    while Category.objects.filter(provider=provider, slug=slug).exists():
        slug, n = f"{base[:40]}-{n}", n + 1
    return Category.objects.create(provider=provider, slug=slug, names=names, position=position)


# -- from a resolved case ------------------------------------------------------------------------------


def article_draft_from_ticket(*, ticket: Ticket) -> dict[str, str]:
    """A title and body to start an article from a resolved case: its subject, and what the desk told
    the customer — the public replies and the public reason given when it was resolved. Never an
    internal note, nor anything only agents saw."""
    if ticket.status not in (Status.RESOLVED, Status.CLOSED):
        raise KbError(_("Only a resolved or closed case can become an article."))
    events = ticket.events.filter(public=True).order_by("at", "id")
    replies = [e.body.strip() for e in events if e.kind == EventKind.REPLY and e.body.strip()]
    resolution = [
        e.body.strip()
        for e in events
        if e.kind == EventKind.STATUS
        and e.data.get("to") in (Status.RESOLVED, Status.CLOSED)
        and e.body.strip()
    ]
    opened = next((e.body.strip() for e in events if e.kind == EventKind.OPENED), "")
    parts = []
    if opened:
        parts += ["## " + _("Problem"), opened]
    solution = (replies[-1:] if replies else []) + resolution[-1:]
    if solution:
        parts += ["## " + _("Solution"), *solution]
    language = ticket.contact.effective_language if ticket.contact else ticket.customer.language
    return {"title": ticket.subject, "body": "\n\n".join(parts), "language": language}


# -- deflection ----------------------------------------------------------------------------------------

DEFLECTION_DEDUPE = timedelta(hours=1)


@transaction.atomic
def deflection_record(
    *, article: Article, contact: Contact, subject: str, language: str
) -> Deflection | None:
    """The contact read `article` from a suggestion and it solved their problem: a case not opened.
    Counted once per contact and article within an hour (a double click is one case)."""
    if article.provider_id != contact.customer.provider_id or article.visibility != Visibility.PUBLIC:
        raise KbError(_("This article is not one of your provider's."))
    now = clock.now()
    recent = Deflection.objects.filter(
        article=article, contact=contact, created_at__gte=now - DEFLECTION_DEDUPE
    ).exists()
    if recent:
        return None
    return Deflection.objects.create(
        provider_id=article.provider_id,
        article=article,
        customer_id=contact.customer_id,
        contact=contact,
        subject=" ".join((subject or "").split())[:255],
        language=language[:8],
        created_at=now,
    )
