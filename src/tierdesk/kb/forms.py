from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from tierdesk.catalog.models import Provider
from tierdesk.i18n import LANGUAGE_CHOICES

from .models import Category, Visibility


class VersionForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    body = forms.CharField(
        label=_("Text"),
        widget=forms.Textarea(attrs={"rows": 16}),
        max_length=100_000,
        help_text=_(
            "Markdown: # headings, **bold**, lists, [links](https://…). HTML tags are shown as text."
        ),
    )


class ArticleForm(VersionForm):
    provider = forms.ModelChoiceField(label=_("Provider"), queryset=Provider.objects.none(), empty_label=None)
    language = forms.ChoiceField(label=_("Language"), choices=LANGUAGE_CHOICES)
    category = forms.ModelChoiceField(label=_("Category"), queryset=Category.objects.none(), required=False)
    visibility = forms.ChoiceField(
        label=_("Visibility"), choices=Visibility.choices, initial=Visibility.DRAFT
    )

    field_order = ["provider", "language", "category", "visibility", "title", "body"]

    def __init__(self, *args: Any, providers: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["provider"].queryset = providers
        self.fields["category"].queryset = Category.objects.filter(provider__in=providers).select_related(
            "provider"
        )
        self.fields["category"].label_from_instance = lambda c: f"{c.provider.name} · {c.name_in('en')}"

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        category, provider = data.get("category"), data.get("provider")
        if category is not None and provider is not None and category.provider_id != provider.pk:
            self.add_error("category", _("This category belongs to another provider."))
        return data


class PublishForm(forms.Form):
    visibility = forms.ChoiceField(label=_("Visibility"), choices=Visibility.choices)
    category = forms.ModelChoiceField(label=_("Category"), queryset=Category.objects.none(), required=False)

    def __init__(self, *args: Any, provider: Provider, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = Category.objects.filter(provider=provider).select_related(
            "provider"
        )


class CategoryForm(forms.Form):
    provider = forms.ModelChoiceField(label=_("Provider"), queryset=Provider.objects.none(), empty_label=None)
    name_en = forms.CharField(label=_("Name in English"), max_length=80, required=False)
    name_fr = forms.CharField(label=_("Name in French"), max_length=80, required=False)
    name_de = forms.CharField(label=_("Name in German"), max_length=80, required=False)
    name_nb = forms.CharField(label=_("Name in Norwegian Bokmål"), max_length=80, required=False)

    def __init__(self, *args: Any, providers: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["provider"].queryset = providers
