"""Knowledge-base articles.

An article belongs to one provider and has a version per language (en/fr/de/nb). Its visibility
decides who reads it: a draft only the provider's agents, an internal article the agents, a public
article also the provider's customers whose plan includes the knowledge base. A `Deflection` is a
case that was not opened because an article suggested while typing the subject solved it.

Search has no table of its own on PostgreSQL (the versions are searched with `to_tsvector` in the
version's language); on SQLite an FTS5 virtual table, `kb_search`, mirrors the versions and is kept
in sync by `kb.services` (see `kb/search.py`).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tierdesk.catalog.models import Provider
from tierdesk.i18n import LANGUAGE_CHOICES

# PostgreSQL text-search configurations for the article languages ("norwegian" is Bokmål's stemmer).
SEARCH_CONFIGS = {"en": "english", "fr": "french", "de": "german", "nb": "norwegian"}


class Category(models.Model):
    """A shelf of a provider's knowledge base, named in each language it has a name for."""

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="kb_categories")
    slug = models.SlugField(_("slug"))
    names = models.JSONField(
        _("names"),
        default=dict,
        help_text=_('The name per language, e.g. {"en": "Printing", "fr": "Impression"}.'),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["provider", "position", "slug"]
        constraints = [models.UniqueConstraint(fields=["provider", "slug"], name="kb_category_unique_slug")]
        verbose_name = _("knowledge-base category")
        verbose_name_plural = _("knowledge-base categories")

    def __str__(self) -> str:
        return self.name_in("en")

    def name_in(self, language: str) -> str:
        """The name in `language`, else in the provider's language, English, or any language it has."""
        names = self.names or {}
        for code in (language, self.provider.language if self.provider_id else "", "en"):
            if code and names.get(code):
                return str(names[code])
        return next((str(v) for v in names.values() if v), self.slug)


class Visibility(models.TextChoices):
    DRAFT = "draft", _("Draft")
    INTERNAL = "internal", _("Internal (agents only)")
    PUBLIC = "public", _("Public (customers too)")


class Article(models.Model):
    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="kb_articles")
    category = models.ForeignKey(
        Category,
        verbose_name=_("category"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="articles",
    )
    visibility = models.CharField(
        _("visibility"), max_length=10, choices=Visibility.choices, default=Visibility.DRAFT
    )
    source_ticket = models.ForeignKey(
        "tickets.Ticket",
        verbose_name=_("written from case"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"))
    updated_at = models.DateTimeField(_("updated"))
    published_at = models.DateTimeField(_("published"), null=True, blank=True)

    class Meta:
        ordering = ["-updated_at", "-id"]
        indexes = [models.Index(fields=["provider", "visibility"], name="kb_article_provider_vis")]
        verbose_name = _("article")
        verbose_name_plural = _("articles")

    def __str__(self) -> str:
        version = self.versions.first()
        return version.title if version else f"#{self.pk}"


class ArticleVersion(models.Model):
    """The article in one language. The body is Markdown; raw HTML in it is never rendered."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="versions")
    language = models.CharField(_("language"), max_length=8, choices=LANGUAGE_CHOICES)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), help_text=_("Markdown. HTML tags are shown as text, not run."))
    updated_at = models.DateTimeField(_("updated"))
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["article", "language"]
        constraints = [
            models.UniqueConstraint(fields=["article", "language"], name="kb_version_unique_language")
        ]
        verbose_name = _("article version")
        verbose_name_plural = _("article versions")

    def __str__(self) -> str:
        return f"{self.title} [{self.language}]"

    @property
    def search_config(self) -> str:
        return SEARCH_CONFIGS.get(self.language, "simple")


class Deflection(models.Model):
    """A case not opened: an article suggested while the customer typed a subject solved it."""

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="+")
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="deflections")
    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="+")
    contact = models.ForeignKey(
        "customers.Contact", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    subject = models.CharField(_("subject typed"), max_length=255, blank=True)
    language = models.CharField(_("language"), max_length=8, blank=True)
    created_at = models.DateTimeField(_("when"))

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["provider", "article"], name="kb_deflection_article")]
        verbose_name = _("deflected case")
        verbose_name_plural = _("deflected cases")

    def __str__(self) -> str:
        return f"{self.article_id}: {self.subject}"
