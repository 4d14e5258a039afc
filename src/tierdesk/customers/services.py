"""Every write operation on customers, contacts and contracts (STYLE.md, habit 1).

The REST API (as a CRM or billing system uses it), the importer and the demo call these; the admin
edits the same rows through Django's forms. Each function validates everything first and raises
`CustomerError` naming the field at fault, so a caller can point at it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date

from django.core.exceptions import ValidationError
from django.core.validators import DomainNameValidator, validate_email
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from tierdesk.catalog.models import Plan, Provider
from tierdesk.catalog.vocabulary import Unit
from tierdesk.i18n import LANGUAGE_CODES
from tierdesk.timezones import is_timezone

from .models import Contact, Contract, Customer

CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,49}$")
_domain = DomainNameValidator(accept_idna=True)


class CustomerError(ValueError):
    """A provisioning request refused; `field` names the input at fault (None: the request as a whole)."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class DuplicateError(CustomerError):
    """It exists already: a customer code, a contact's e-mail address, a contract reference."""


def _text(value: str, *, field: str, max_length: int, required: bool = False) -> str:
    value = " ".join(value.split())
    if required and not value:
        raise CustomerError(_("This field may not be empty."), field=field)
    if len(value) > max_length:
        raise CustomerError(
            _("At most %(max)s characters, please.") % {"max": max_length},
            field=field,
        )
    return value


def _language(value: str, *, field: str = "language") -> str:
    if value not in LANGUAGE_CODES:
        raise CustomerError(
            _("Unknown language %(value)s; Tierdesk speaks %(known)s.")
            % {"value": value, "known": ", ".join(sorted(LANGUAGE_CODES))},
            field=field,
        )
    return value


def _timezone(value: str, *, field: str = "timezone") -> str:
    if not is_timezone(value):
        raise CustomerError(
            _("%(value)s is not a known time zone (e.g. Europe/London).") % {"value": value}, field=field
        )
    return value


def _email(value: str) -> str:
    """An address as mail intake will look it up: trimmed, its domain in lower case."""
    value = value.strip()
    try:
        validate_email(value)
    except ValidationError:
        raise CustomerError(
            _("%(value)s is not an e-mail address.") % {"value": value}, field="email"
        ) from None
    local, _at, domain = value.rpartition("@")
    return f"{local}@{domain.lower()}"


def _domains(values: Iterable[str], *, provider: Provider, exclude: Customer | None = None) -> list[str]:
    domains: list[str] = []
    for raw in values:
        domain = raw.strip().lstrip("@").lower().rstrip(".")
        try:
            _domain(domain)
        except ValidationError:
            raise CustomerError(
                _("%(value)s is not a domain name (e.g. example.com).") % {"value": raw},
                field="email_domains",
            ) from None
        if domain not in domains:
            domains.append(domain)
    # Mail from a domain must lead to one customer of the provider, or intake could not choose.
    others = Customer.objects.filter(provider=provider)
    if exclude is not None:
        others = others.exclude(pk=exclude.pk)
    for name, taken in others.values_list("name", "email_domains"):
        clash = sorted(set(domains) & set(taken or []))
        if clash:
            raise CustomerError(
                _("%(domain)s is already the e-mail domain of %(customer)s.")
                % {"domain": clash[0], "customer": name},
                field="email_domains",
            )
    return domains


@transaction.atomic
def customer_create(
    *,
    provider: Provider,
    code: str,
    name: str,
    language: str | None = None,
    timezone: str | None = None,
    email_domains: Iterable[str] = (),
    notes: str = "",
) -> Customer:
    """Add a customer of `provider`. The code is the customer's stable key (a CRM account id, say):
    unique at the provider regardless of letter case. Language and time zone default to the
    provider's."""
    code = code.strip()
    if not CODE_RE.match(code):
        raise CustomerError(
            _("A code is 1–50 letters, digits, hyphens or underscores, starting with a letter or digit."),
            field="code",
        )
    if Customer.objects.filter(provider=provider, slug__iexact=code).exists():
        raise DuplicateError(
            _("%(provider)s already has a customer with the code %(code)s.")
            % {"provider": provider.name, "code": code},
            field="code",
        )
    customer = Customer(
        provider=provider,
        slug=code,
        name=_text(name, field="name", max_length=160, required=True),
        language=_language(language if language is not None else provider.language),
        timezone=_timezone(timezone if timezone is not None else provider.timezone),
        email_domains=_domains(email_domains, provider=provider),
        notes=notes.strip(),
    )
    try:
        with transaction.atomic():
            customer.save()
    except IntegrityError:
        # Another request created the same code between the check and the insert.
        raise DuplicateError(
            _("%(provider)s already has a customer with the code %(code)s.")
            % {"provider": provider.name, "code": code},
            field="code",
        ) from None
    return customer


@transaction.atomic
def contact_create(
    *,
    customer: Customer,
    name: str,
    email: str,
    phone: str = "",
    role: str = Contact.Role.USER,
    language: str = "",
    timezone: str = "",
    sees_company_cases: bool = False,
) -> Contact:
    """Add a person at `customer` who may raise cases. One e-mail address is one contact per
    customer (mail intake finds the sender by it), compared regardless of letter case."""
    email = _email(email)
    if role not in Contact.Role.values:
        raise CustomerError(
            _("Unknown role %(value)s; one of %(known)s.")
            % {"value": role, "known": ", ".join(Contact.Role.values)},
            field="role",
        )
    contact = Contact(
        customer=customer,
        name=_text(name, field="name", max_length=160, required=True),
        email=email,
        phone=_text(phone, field="phone", max_length=40),
        role=role,
        language=_language(language) if language else "",
        timezone=_timezone(timezone) if timezone else "",
        sees_company_cases=sees_company_cases,
    )
    duplicate = DuplicateError(
        _("%(customer)s already has a contact with the address %(email)s.")
        % {"customer": customer.name, "email": email},
        field="email",
    )
    if Contact.objects.filter(customer=customer, email__iexact=email).exists():
        raise duplicate
    try:
        with transaction.atomic():
            contact.save()
    except IntegrityError:
        raise duplicate from None
    return contact


def _units(units: Mapping[str, object]) -> dict[str, int]:
    out: dict[str, int] = {}
    for unit, count in units.items():
        if unit not in Unit.values:
            raise CustomerError(
                _("Unknown unit %(value)s; one of %(known)s.")
                % {"value": unit, "known": ", ".join(Unit.values)},
                field="units",
            )
        if isinstance(count, bool) or not isinstance(count, int) or not 0 < count <= 1_000_000:
            raise CustomerError(
                _("The number of %(unit)s units must be a whole number from 1 to 1,000,000.")
                % {"unit": unit},
                field="units",
            )
        out[unit] = count
    return out


@transaction.atomic
def contract_create(
    *,
    customer: Customer,
    plan: Plan,
    starts_on: date,
    ends_on: date | None = None,
    units: Mapping[str, object] | None = None,
    reference: str = "",
    notes: str = "",
) -> Contract:
    """Put `customer` on `plan` from `starts_on` (until `ends_on` inclusive, or open-ended).

    The plan must be one of the customer's provider's, and not its ad hoc plan (that one applies
    when there is no contract). A reference, when given, is unique per customer, so a billing
    system that retries a request does not sign the customer up twice.
    """
    if plan.provider_id != customer.provider_id:
        raise CustomerError(
            _("%(plan)s is not a plan of %(provider)s, the customer's provider.")
            % {"plan": plan.key, "provider": customer.provider.name},
            field="plan",
        )
    if plan.adhoc:
        raise CustomerError(
            _("%(plan)s is charged per case without a contract; choose another plan.") % {"plan": plan.key},
            field="plan",
        )
    if ends_on is not None and ends_on < starts_on:
        raise CustomerError(_("A contract cannot end before it starts."), field="ends_on")
    reference = _text(reference, field="reference", max_length=64)
    if reference and Contract.objects.filter(customer=customer, reference=reference).exists():
        raise DuplicateError(
            _("%(customer)s already has a contract with the reference %(reference)s.")
            % {"customer": customer.name, "reference": reference},
            field="reference",
        )
    return Contract.objects.create(
        customer=customer,
        plan=plan,
        starts_on=starts_on,
        ends_on=ends_on,
        units=_units(units or {}),
        reference=reference,
        notes=notes.strip(),
    )
