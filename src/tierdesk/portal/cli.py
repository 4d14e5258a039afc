"""`tierdesk portal …`: give a contact a portal account from the command line.

tierdesk portal invite EMAIL [--customer CODE]    mail the contact a link to choose a password
tierdesk portal reset-two-step EMAIL [--customer CODE]   remove a contact's two-step verification

Hooked into the `tierdesk` command by `register(subparsers)` (the owner wires it in cli.py).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any


def register(subparsers: Any) -> None:
    portal = subparsers.add_parser("portal", help="customer portal accounts")
    sub = portal.add_subparsers(title="portal commands", metavar="ACTION")
    invite = sub.add_parser("invite", help="mail a contact a link to the portal (creates the account)")
    invite.add_argument("email")
    invite.add_argument("--customer", help="the customer's code, when several customers have that address")
    invite.set_defaults(handler=_invite)
    reset = sub.add_parser("reset-two-step", help="remove a contact's two-step verification")
    reset.add_argument("email")
    reset.add_argument("--customer", help="the customer's code, when several customers have that address")
    reset.set_defaults(handler=_reset_two_step)


def _contact(args: argparse.Namespace) -> Any:
    from tierdesk.customers.models import Contact

    contacts = Contact.objects.filter(email__iexact=args.email).select_related("customer__provider", "user")
    if args.customer:
        contacts = contacts.filter(customer__slug=args.customer)
    found = list(contacts[:2])
    if not found:
        print(f"tierdesk: no contact with the address {args.email}", file=sys.stderr)
        return None
    if len(found) > 1:
        print(f"tierdesk: several customers have {args.email}; add --customer CODE", file=sys.stderr)
        return None
    return found[0]


def _invite(args: argparse.Namespace) -> int:
    from .services import PortalError, portal_invite

    contact = _contact(args)
    if contact is None:
        return 1
    try:
        portal_invite(contact=contact)
    except PortalError as exc:
        print(f"tierdesk: {exc}", file=sys.stderr)
        return 1
    print(f"Invitation to the portal written to the outbox for {contact.email} ({contact.customer.name}).")
    return 0


def _reset_two_step(args: argparse.Namespace) -> int:
    from .auth import two_step_remove

    contact = _contact(args)
    if contact is None or contact.user is None:
        if contact is not None:
            print(f"tierdesk: {contact.email} has no portal account", file=sys.stderr)
        return 1
    removed = two_step_remove(user=contact.user)
    print("Two-step verification removed." if removed else "Two-step verification was not on.")
    return 0
