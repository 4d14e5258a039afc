"""Who reads which articles: the one access chokepoint of the knowledge base.

* a superuser reads every article;
* an agent reads every article (drafts included) of the providers their teams serve;
* a customer contact with a portal account reads the public articles of its own provider, and only
  while its plan (the contract in force) includes the knowledge base and the portal;
* anyone else reads nothing.

Like `ticket_get_for`, `article_get_for` answers the same 404 whether an article is missing or not
the visitor's to read.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.http import Http404

from tierdesk import clock
from tierdesk.catalog.models import Provider
from tierdesk.catalog.vocabulary import Channel, Feature
from tierdesk.tickets.selectors import agent_of

from .markdown import plain_text
from .models import Article, ArticleVersion, Category, Visibility
from .search import search_version_ids


def agent_providers(user: Any) -> QuerySet[Provider] | None:
    """The providers an agent works for; None means all of them (superusers, desk-wide teams)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Provider.objects.none()
    if user.is_superuser:
        return None
    agent = agent_of(user)
    if agent is None or not agent.is_active:
        return Provider.objects.none()
    teams = list(agent.teams.values_list("provider_id", flat=True))
    if None in teams:
        return None
    return Provider.objects.filter(pk__in=teams)


def contact_of(user: Any) -> Any:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    contact = getattr(user, "contact", None)
    if contact is None or not contact.is_active or not contact.customer.is_active:
        return None
    return contact


def kb_included(contact: Any) -> bool:
    """Whether the contact's plan in force includes the knowledge base in the portal."""
    from tierdesk.tickets.services import contract_for

    contract = contract_for(customer=contact.customer, at=clock.now())
    if contract is None:
        return False
    plan = contract.plan
    return plan.has_feature(Feature.KNOWLEDGE_BASE) and any(
        c.channel == Channel.PORTAL for c in plan.channels.all()
    )


def article_scope_for(user: Any) -> QuerySet[Article]:
    articles = Article.objects.all()
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return articles.none()
    if agent_of(user) is not None or user.is_superuser:
        providers = agent_providers(user)
        return articles if providers is None else articles.filter(provider__in=providers)
    contact = contact_of(user)
    if contact is not None and kb_included(contact):
        return articles.filter(provider_id=contact.customer.provider_id, visibility=Visibility.PUBLIC)
    return articles.none()


def article_get_for(user: Any, pk: int) -> Article:
    article = (
        article_scope_for(user)
        .select_related("provider", "category__provider", "source_ticket")
        .prefetch_related("versions")
        .filter(pk=pk)
        .first()
    )
    if article is None:
        raise Http404("No such article")
    return article


def version_for(article: Article, language: str) -> ArticleVersion | None:
    """The version to show in `language`: that language, else the provider's, else English, else any."""
    versions = {v.language: v for v in article.versions.all()}
    for code in (language, article.provider.language, "en"):
        if code in versions:
            return versions[code]
    return next(iter(versions.values()), None)


@dataclass(frozen=True)
class ArticleCard:
    """An article as a list or search shows it, in the reader's language (or the fallback)."""

    article: Article
    version: ArticleVersion
    summary: str
    category: str
    language: str = "en"

    @property
    def pk(self) -> int:
        return self.article.pk

    @property
    def title(self) -> str:
        return self.version.title

    @property
    def fallback(self) -> bool:
        """Shown in another language than the reader's, for want of a version in theirs."""
        return self.version.language != self.language


def _cards(articles: list[Article], language: str) -> list[ArticleCard]:
    cards = []
    for article in articles:
        version = version_for(article, language)
        if version is None:
            continue
        category = article.category.name_in(language) if article.category else ""
        cards.append(ArticleCard(article, version, plain_text(version.body), category, language))
    return cards


def _with_versions(query: QuerySet[Article]) -> QuerySet[Article]:
    return query.select_related("provider", "category__provider").prefetch_related(
        Prefetch("versions", queryset=ArticleVersion.objects.order_by("language"))
    )


def article_list_for(
    user: Any, *, language: str, query: str = "", mode: str = "all", limit: int = 50
) -> list[ArticleCard]:
    """The articles the user may read, matching `query` (best first), or all (newest first)."""
    scope = article_scope_for(user)
    if not query.strip():
        return _cards(list(_with_versions(scope)[:limit]), language)
    version_ids = search_version_ids(
        ArticleVersion.objects.filter(article__in=scope), query, mode=mode, limit=limit * 4
    )
    order: list[int] = []
    by_version = dict(ArticleVersion.objects.filter(pk__in=version_ids).values_list("pk", "article_id"))
    for pk in version_ids:
        article_id = by_version.get(pk)
        if article_id is not None and article_id not in order:
            order.append(article_id)
    order = order[:limit]
    found = {a.pk: a for a in _with_versions(scope.filter(pk__in=order))}
    return _cards([found[pk] for pk in order if pk in found], language)


def categories_for(provider: Provider) -> QuerySet[Category]:
    return Category.objects.filter(provider=provider).select_related("provider")
