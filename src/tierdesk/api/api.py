"""Tierdesk REST API v1, mounted at /api/v1/ (see tierdesk/urls.py).

Every operation needs an agent's token (tierdesk/api/auth.py) except the schema and its docs page.
Handlers stay thin: authenticate, fetch through the access helpers (`tickets.selectors`,
`customers.selectors`), validate, call the service, serialise. Errors map to statuses in one place
(tierdesk/api/errors.py).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError

from tierdesk.customers.services import CustomerError, DuplicateError
from tierdesk.tickets.services import EntitlementError, TicketError, TransitionError

from . import auth, customers, docs, plans, tickets
from .auth import AgentToken
from .errors import FieldError, validation_body

DESCRIPTION = """\
The service desk's cases, their SLA clocks, the customers and contracts behind them, and the plans
that make the promises.

**Authentication.** Every operation needs `Authorization: Bearer td_…`, a token made for an agent
with `tierdesk token create USERNAME`. Session cookies are ignored. An agent sees only the providers
their teams serve; anything else answers 404, exactly as if it did not exist.

**Conventions.** Instants are ISO 8601 with a UTC offset; durations are ISO 8601 in hours, minutes
and seconds (`PT17H`), negative once overdue. Plans are addressed as `provider/plan`, customers as
`provider/code`.

**Errors.** 400 unreadable body · 401 no valid token · 403 not allowed · 404 not found or not yours
· 409 the case cannot make that move, or the thing exists already · 422 an invalid value, with
`loc` naming the field.
"""

api = NinjaAPI(
    title="Tierdesk API",
    version="1",
    description=DESCRIPTION,
    auth=AgentToken(),
    urls_namespace="api-v1",
    docs=docs.SelfHostedSwagger(),
)


def _detail(request: HttpRequest, message: str, status: int) -> HttpResponse:
    return api.create_response(request, {"detail": message}, status=status)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    response = _detail(
        request, "Send a valid API token of an active agent as 'Authorization: Bearer td_…'.", 401
    )
    response["WWW-Authenticate"] = 'Bearer realm="tierdesk"'
    return response


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    # One answer for "missing" and "not yours": the message never echoes what was asked for.
    return _detail(request, "Not found.", 404)


@api.exception_handler(PermissionDenied)
def _forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return _detail(request, str(exc) or "You may not do this.", 403)


@api.exception_handler(FieldError)
def _field_error(request: HttpRequest, exc: FieldError) -> HttpResponse:
    return api.create_response(request, validation_body(exc.loc, exc.message, exc.kind), status=422)


@api.exception_handler(TransitionError)
def _conflict(request: HttpRequest, exc: TransitionError) -> HttpResponse:
    return _detail(request, str(exc), 409)


@api.exception_handler(TicketError)
def _refused(request: HttpRequest, exc: TicketError) -> HttpResponse:
    # TransitionError has its own handler above; ninja picks the most specific class.
    kind = "entitlement" if isinstance(exc, EntitlementError) else "ticket_rule"
    return api.create_response(request, validation_body(["body"], str(exc), kind), status=422)


@api.exception_handler(CustomerError)
def _provisioning_refused(request: HttpRequest, exc: CustomerError) -> HttpResponse:
    if isinstance(exc, DuplicateError):
        return _detail(request, exc.message, 409)
    loc: list[Any] = ["body", "payload", exc.field] if exc.field else ["body"]
    return api.create_response(request, validation_body(loc, exc.message, "value_error"), status=422)


api.add_router("/tickets", tickets.router, tags=["tickets"])
api.add_router("/customers", customers.router, tags=["customers"])
api.add_router("/plans", plans.router, tags=["plans"])
api.add_router("", auth.router, tags=["meta"])
api.add_router("", docs.router, tags=["meta"])
