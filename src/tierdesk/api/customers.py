"""Customers, their contacts and contracts: provisioning as a CRM or billing system does it.

A customer is addressed as `/customers/{provider}/{code}`: codes are unique per provider, and two
providers may both have an "acme". Reading needs an agent's token and is limited to the providers
the agent serves (`customers.selectors`); creating also needs the matching Django permission
(customers.add_customer, add_contact, add_contract), which superusers have and which an
administrator grants to the account a CRM integration uses.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpRequest
from ninja import Query, Router, Status
from pydantic import Field, StringConstraints

from tierdesk.customers.models import Contact, Contract, Customer
from tierdesk.customers.selectors import (
    customer_get_for,
    customer_scope_for,
    plan_scope_for,
    provider_scope_for,
)
from tierdesk.customers.services import contact_create, contract_create, customer_create

from .errors import PROVISION, READ, body_error, responses
from .pagination import DEFAULT_LIMIT, Limit, Offset, page_of
from .schemas import (
    Code,
    ContactIn,
    ContactOut,
    ContactPageOut,
    ContractIn,
    ContractOut,
    ContractPageOut,
    CustomerIn,
    CustomerOut,
    CustomerPageOut,
    Email,
)

router = Router()

PathCode = Annotated[str, StringConstraints(max_length=50, pattern=r"^[A-Za-z0-9_-]+$")]
PathId = Annotated[int, Field(ge=1, le=2**53)]
Search = Annotated[
    Annotated[str, StringConstraints(max_length=100, pattern=r"^[^\x00]*$")] | None,
    Query(description="Words of the name, or the code."),
]


def _require(request: HttpRequest, permission: str, what: str) -> None:
    if not request.auth.has_perm(permission):
        raise PermissionDenied(f"You may not create {what}: ask an administrator for the permission.")


def _customer(request: HttpRequest, provider: str, code: str) -> Customer:
    customer = customer_get_for(request.auth, provider=provider, code=code)
    if customer is None:
        raise Http404
    return customer


def customer_out(customers: Iterable[Customer]) -> list[dict[str, Any]]:
    return [
        {
            "provider": c.provider.slug,
            "code": c.slug,
            "name": c.name,
            "language": c.language,
            "timezone": c.timezone,
            "email_domains": list(c.email_domains or []),
            "is_active": c.is_active,
            "created_at": c.created_at,
        }
        for c in customers
    ]


def contact_out(contacts: Iterable[Contact]) -> list[dict[str, Any]]:
    return [
        {
            "id": c.pk,
            "provider": c.customer.provider.slug,
            "customer": c.customer.slug,
            "name": c.name,
            "email": c.email,
            "phone": c.phone,
            "role": c.role,
            "language": c.language or None,
            "timezone": c.timezone or None,
            "sees_company_cases": c.sees_company_cases,
            "is_active": c.is_active,
        }
        for c in contacts
    ]


def contract_out(contracts: Iterable[Contract]) -> list[dict[str, Any]]:
    return [
        {
            "id": c.pk,
            "provider": c.customer.provider.slug,
            "customer": c.customer.slug,
            "plan": c.plan.key,
            "reference": c.reference,
            "starts_on": c.starts_on,
            "ends_on": c.ends_on,
            "units": dict(c.units or {}),
        }
        for c in contracts
    ]


# -- customers ------------------------------------------------------------------------------------


@router.get("", response=responses(CustomerPageOut, READ), summary="List customers")
def customer_list(
    request: HttpRequest,
    provider: Annotated[Code | None, Query(description="Only this provider's customers.")] = None,
    search: Search = None,
    limit: Limit = DEFAULT_LIMIT,
    offset: Offset = 0,
) -> dict[str, Any]:
    """The customers of the providers you serve, by name."""
    customers = customer_scope_for(request.auth).select_related("provider").order_by("name", "pk")
    if provider:
        customers = customers.filter(provider__slug=provider)
    if search and search.strip():
        term = search.strip()
        customers = customers.filter(Q(slug__iexact=term) | Q(name__icontains=term))
    return page_of(customers, limit=limit, offset=offset, serialise=customer_out)


@router.post("", response=responses(CustomerOut, PROVISION, 201), summary="Create a customer")
def customer_create_op(request: HttpRequest, payload: CustomerIn) -> Status[dict[str, Any]]:
    """Add a customer of one of your providers. Language and time zone default to the provider's."""
    _require(request, "customers.add_customer", "customers")
    provider = provider_scope_for(request.auth).filter(slug=payload.provider).first()
    if provider is None:
        raise body_error("provider", f"No provider {payload.provider!r} among those you serve.")
    customer = customer_create(
        provider=provider,
        code=payload.code,
        name=payload.name,
        language=payload.language,
        timezone=payload.timezone,
        email_domains=payload.email_domains,
    )
    return Status(201, customer_out([customer])[0])


@router.get("/{provider}/{code}", response=responses(CustomerOut, READ), summary="Get a customer")
def customer_get(request: HttpRequest, provider: PathCode, code: PathCode) -> dict[str, Any]:
    return customer_out([_customer(request, provider, code)])[0]


# -- contacts -------------------------------------------------------------------------------------


@router.get(
    "/{provider}/{code}/contacts",
    response=responses(ContactPageOut, READ),
    summary="List a customer's contacts",
)
def contact_list(
    request: HttpRequest,
    provider: PathCode,
    code: PathCode,
    email: Annotated[Email | None, Query(description="Only the contact with this address.")] = None,
    limit: Limit = DEFAULT_LIMIT,
    offset: Offset = 0,
) -> dict[str, Any]:
    customer = _customer(request, provider, code)
    contacts = customer.contacts.order_by("name", "pk")
    if email:
        contacts = contacts.filter(email__iexact=email.strip())
    return page_of(
        contacts,
        limit=limit,
        offset=offset,
        serialise=lambda rows: contact_out(_with_customer(rows, customer)),
    )


def _with_customer(rows: Iterable[Any], customer: Customer) -> list[Any]:
    """Attach the customer already loaded, instead of one query per row."""
    out = list(rows)
    for row in out:
        row.customer = customer
    return out


@router.post(
    "/{provider}/{code}/contacts",
    response=responses(ContactOut, PROVISION, 201),
    summary="Create a contact",
)
def contact_create_op(
    request: HttpRequest, provider: PathCode, code: PathCode, payload: ContactIn
) -> Status[dict[str, Any]]:
    """Add a person at the customer who may raise cases; the e-mail address is unique per customer."""
    customer = _customer(request, provider, code)
    _require(request, "customers.add_contact", "contacts")
    contact = contact_create(
        customer=customer,
        name=payload.name,
        email=payload.email,
        phone=payload.phone,
        role=payload.role,
        language=payload.language or "",
        timezone=payload.timezone or "",
        sees_company_cases=payload.sees_company_cases,
    )
    return Status(201, contact_out([contact])[0])


@router.get(
    "/{provider}/{code}/contacts/{contact_id}", response=responses(ContactOut, READ), summary="Get a contact"
)
def contact_get(
    request: HttpRequest, provider: PathCode, code: PathCode, contact_id: PathId
) -> dict[str, Any]:
    customer = _customer(request, provider, code)
    contact = customer.contacts.filter(pk=contact_id).first()
    if contact is None:
        raise Http404
    return contact_out(_with_customer([contact], customer))[0]


# -- contracts ------------------------------------------------------------------------------------


@router.get(
    "/{provider}/{code}/contracts",
    response=responses(ContractPageOut, READ),
    summary="List a customer's contracts",
)
def contract_list(
    request: HttpRequest,
    provider: PathCode,
    code: PathCode,
    limit: Limit = DEFAULT_LIMIT,
    offset: Offset = 0,
) -> dict[str, Any]:
    """The customer's contracts, the latest start first."""
    customer = _customer(request, provider, code)
    contracts = customer.contracts.select_related("plan__provider").order_by("-starts_on", "-pk")
    return page_of(
        contracts,
        limit=limit,
        offset=offset,
        serialise=lambda rows: contract_out(_with_customer(rows, customer)),
    )


@router.post(
    "/{provider}/{code}/contracts",
    response=responses(ContractOut, PROVISION, 201),
    summary="Create a contract",
)
def contract_create_op(
    request: HttpRequest, provider: PathCode, code: PathCode, payload: ContractIn
) -> Status[dict[str, Any]]:
    """Put the customer on a plan of their provider from `starts_on` (to `ends_on` inclusive, or
    open-ended). Cases opened from then on follow that plan's promises."""
    customer = _customer(request, provider, code)
    _require(request, "customers.add_contract", "contracts")
    plan_provider, _, plan_slug = payload.plan.partition("/")
    plan = (
        plan_scope_for(request.auth)
        .select_related("provider")
        .filter(provider__slug=plan_provider, slug=plan_slug)
        .first()
    )
    if plan is None:
        offered = customer.provider.plans.filter(adhoc=False).order_by("rank", "slug")
        keys = ", ".join(p.key for p in offered.select_related("provider")) or "none"
        raise body_error("plan", f"No plan {payload.plan!r}. {customer.provider.name} offers: {keys}.")
    contract = contract_create(
        customer=customer,
        plan=plan,
        starts_on=payload.starts_on,
        ends_on=payload.ends_on,
        units=payload.units,
        reference=payload.reference,
    )
    return Status(201, contract_out(_with_customer([contract], customer))[0])


@router.get(
    "/{provider}/{code}/contracts/{contract_id}",
    response=responses(ContractOut, READ),
    summary="Get a contract",
)
def contract_get(
    request: HttpRequest, provider: PathCode, code: PathCode, contract_id: PathId
) -> dict[str, Any]:
    customer = _customer(request, provider, code)
    contract = customer.contracts.select_related("plan__provider").filter(pk=contract_id).first()
    if contract is None:
        raise Http404
    return contract_out(_with_customer([contract], customer))[0]
