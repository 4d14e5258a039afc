"""How refusals become HTTP answers, the same way in every operation.

* 400: the body is not JSON.
* 401: no token, an unknown or revoked one, or one whose user is not an active agent.
* 403: an agent without the right to provision customers, contacts or contracts.
* 404: no such thing, or one the agent may not see: the same answer, `Not found.`
* 409: the ticket cannot make that move from where it is (`TransitionError`), or the thing to
  create exists already (a customer code, a contact's address, a contract reference).
* 422: a value is invalid: by the schema, or unknown to the desk (a customer code, an impact of
  another provider), or refused by a ticket or provisioning rule.

All but 422 answer `{"detail": "…"}`. A 422 answers, as django-ninja does for schema errors,
`{"detail": [{"loc": […], "msg": "…", "type": "…"}]}`, with `loc` naming the field whenever one
field is at fault; a ticket rule about the request as a whole (e.g. "the plan does not include
phone") has `loc: ["body"]`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .schemas import ErrorOut, ValidationErrorOut


class FieldError(Exception):
    """A value that is well formed but wrong here: an unknown customer, an impact of another provider."""

    def __init__(self, loc: Sequence[str | int], message: str, kind: str = "value_error") -> None:
        super().__init__(message)
        self.loc = list(loc)
        self.message = message
        self.kind = kind


def body_error(field: str, message: str, kind: str = "value_error") -> FieldError:
    return FieldError(["body", "payload", field], message, kind)


def query_error(field: str, message: str) -> FieldError:
    return FieldError(["query", field], message)


def validation_body(loc: Sequence[str | int], message: str, kind: str) -> dict[str, Any]:
    return {"detail": [{"loc": list(loc), "msg": message, "type": kind}]}


AUTH = {401: ErrorOut}
READ = {401: ErrorOut, 404: ErrorOut, 422: ValidationErrorOut}
WRITE = {400: ErrorOut, 401: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ValidationErrorOut}
PROVISION = {**WRITE, 403: ErrorOut}


def responses(ok: Any, errors: dict[int, Any], status: int = 200) -> dict[int, Any]:
    """An operation's declared answers: `ok` on success, and the errors it may give."""
    return {status: ok, **errors}
