"""`tierdesk portal invite` / `reset-two-step` (portal/cli.py), through its argparse entry point."""

from __future__ import annotations

import argparse

import pytest

from tierdesk.notify.models import OutboundEmail
from tierdesk.portal.cli import register
from tierdesk.portal.models import TwoStep

pytestmark = pytest.mark.django_db


def _run(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="tierdesk")
    register(parser.add_subparsers())
    args = parser.parse_args(argv)
    return args.handler(args)


def test_invite_writes_a_link_to_the_outbox(contact_b, capsys):
    assert _run("portal", "invite", "IT@globex.example") == 0
    contact_b.refresh_from_db()
    assert contact_b.user is not None
    assert OutboundEmail.objects.get().to == ["it@globex.example"]
    assert _run("portal", "invite", "nobody@nowhere.example") == 1
    assert "no contact" in capsys.readouterr().err


def test_reset_two_step(portal_user):
    from tierdesk import clock

    TwoStep.objects.create(user=portal_user, secret="JBSWY3DPEHPK3PXP", confirmed_at=clock.now())
    assert _run("portal", "reset-two-step", "it@acme.example") == 0
    assert not TwoStep.objects.exists()
