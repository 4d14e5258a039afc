"""The portal's forms. They validate input only; the views call services to change anything."""

from __future__ import annotations

import zoneinfo
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from tierdesk.catalog.models import Impact, Plan, Provider, Urgency
from tierdesk.catalog.vocabulary import RequiredDetail
from tierdesk.i18n import LANGUAGE_CHOICES
from tierdesk.tickets.models import TicketType


class SignInForm(forms.Form):
    email = forms.CharField(label=_("E-mail address"), max_length=254)
    password = forms.CharField(label=_("Password"), strip=False, max_length=4096)


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=32,
        help_text=_("The six digits your authenticator app shows, or one of your recovery codes."),
    )


class ResetRequestForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address"), max_length=254)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        files = [d for d in data if d] if isinstance(data, list | tuple) else ([data] if data else [])
        if not files:
            if self.required:
                raise forms.ValidationError(self.error_messages["required"], code="required")
            return []
        return [super(MultipleFileField, self).clean(f, initial) for f in files]


class CaseForm(forms.Form):
    """A new case. Impact and urgency are the provider's own words; the plan's required details
    (NETCOR: software version, system details, screenshots) become required fields."""

    type = forms.ChoiceField(
        label=_("What do you need?"), choices=TicketType.choices, initial=TicketType.INCIDENT
    )
    impact = forms.ModelChoiceField(
        label=_("Who or what is affected?"),
        queryset=Impact.objects.none(),
        widget=forms.RadioSelect,
        empty_label=None,
    )
    urgency = forms.ModelChoiceField(
        label=_("How much does it stop your work?"),
        queryset=Urgency.objects.none(),
        widget=forms.RadioSelect,
        empty_label=None,
    )
    subject = forms.CharField(label=_("Subject"), max_length=200)
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 7}), max_length=20000
    )
    software_version = forms.CharField(label=_("Software version"), max_length=200, required=False)
    system_details = forms.CharField(
        label=_("System details"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=4000,
        required=False,
        help_text=_("Operating system, hardware, network: what we need to reproduce the problem."),
    )
    remote_access = forms.CharField(
        label=_("Remote access"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        required=False,
        help_text=_("How our engineers can reach the system (never send a password here)."),
    )
    files = MultipleFileField(
        label=_("Attachments and screenshots"),
        required=False,
        help_text=_("Images, PDF, text or zip files."),
    )

    def __init__(self, *args: Any, provider: Provider, plan: Plan | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["impact"].queryset = Impact.objects.filter(provider=provider).order_by("rank")
        self.fields["urgency"].queryset = Urgency.objects.filter(provider=provider).order_by("rank")
        self.required_details = set(plan.required_details if plan else [])
        for detail in (
            RequiredDetail.SOFTWARE_VERSION,
            RequiredDetail.SYSTEM_DETAILS,
            RequiredDetail.REMOTE_ACCESS,
        ):
            self.fields[detail].required = detail in self.required_details
        if RequiredDetail.SCREENSHOTS in self.required_details:
            self.fields["files"].required = True
            self.fields["files"].help_text = _("Your plan asks for screenshots of the problem.")
        self.fields["type"].widget.attrs["autocomplete"] = "off"
        self.fields["subject"].widget.attrs.update({"autocomplete": "off"})

    @property
    def asks_for(self) -> list[str]:
        """The optional detail fields to show: the required ones, and software/system always."""
        shown = [RequiredDetail.SOFTWARE_VERSION, RequiredDetail.SYSTEM_DETAILS]
        if RequiredDetail.REMOTE_ACCESS in self.required_details:
            shown.append(RequiredDetail.REMOTE_ACCESS)
        return [str(s) for s in shown]


class ReplyForm(forms.Form):
    body = forms.CharField(
        label=_("Your message"), widget=forms.Textarea(attrs={"rows": 5}), max_length=20000
    )
    files = MultipleFileField(label=_("Attachments and screenshots"), required=False)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Why? (optional)"), max_length=2000, required=False)


def _timezones() -> list[tuple[str, str]]:
    names = sorted(
        n for n in zoneinfo.available_timezones() if "/" in n and not n.startswith(("Etc/", "SystemV/"))
    )
    return [("", _("My company's time zone")), *[(n, n.replace("_", " ")) for n in names]]


class PreferencesForm(forms.Form):
    language = forms.ChoiceField(label=_("Language"), required=False)
    timezone = forms.ChoiceField(label=_("Time zone"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = [("", _("My company's language")), *LANGUAGE_CHOICES]
        self.fields["timezone"].choices = _timezones()


class EnrolForm(forms.Form):
    code = forms.CharField(
        label=_("Code from your app"),
        max_length=10,
        min_length=6,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )


class DisableTwoStepForm(forms.Form):
    password = forms.CharField(label=_("Your password"), strip=False, widget=forms.PasswordInput)


class DeflectForm(forms.Form):
    subject = forms.CharField(max_length=255, required=False)
