"""Every page of the portal renders in all four languages with no untranslated interface string.

The pages come from walking the portal's URL patterns (every GET page, as the persona that can see
it); the interface strings are the msgids of every template those pages render (read with Django's
own `templatize`, as makemessages reads them) and of the portal's Python modules (form labels,
messages). Each must have a translation in French, German and Norwegian Bokmål. This fails until the
translations are added; it is meant to.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.template import engines
from django.test import Client
from django.utils import translation
from django.utils.translation import trans_real
from django.utils.translation.template import templatize

from .conftest import sign_in
from .test_access_matrix import portal_routes

pytestmark = pytest.mark.django_db

SRC = Path(__file__).resolve().parents[2] / "src" / "tierdesk"
# The portal's own code, and monitoring's, whose status board and fault pages are portal pages.
PACKAGES = (SRC / "portal", SRC / "monitoring")
LANGUAGES = ("fr", "de", "nb")

_LITERAL = re.compile(r"""\s*u?('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")\s*,?""")


def _template_msgids(name: str) -> set[str]:
    template = engines["django"].engine.get_template(name)
    source = Path(template.origin.name).read_text(encoding="utf-8")
    code = templatize(source, origin=template.origin.name)
    found: set[str] = set()
    for match in re.finditer(r"\b(gettext|ngettext|pgettext|npgettext)\(", code):
        strings, position = [], match.end()
        while (literal := _LITERAL.match(code, position)) is not None:
            strings.append(ast.literal_eval(literal.group(1)))
            position = literal.end()
        assert strings, (name, code[match.start() : match.start() + 80])
        if match.group(1).startswith("p") or match.group(1).startswith("np"):
            found.add(f"{strings[0]}\x04{strings[1]}")
        else:
            found.add(strings[0])
    return found


def _python_msgids() -> set[str]:
    found: set[str] = set()
    for path in (p for package in PACKAGES for p in package.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in ("_", "gettext", "gettext_lazy")
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                found.add(node.args[0].value)
    return found


def _translated(language: str, msgid: str) -> bool:
    catalog = trans_real.translation(language)._catalog
    return msgid in catalog or (msgid, 0) in catalog


def _pages(world, agent):
    """(persona, path) for every GET page the portal has, found by walking its URL patterns."""
    concrete = {
        "case": f"/portal/cases/{world.case_a.number}/",
        "attachment": None,  # a file, not a page
        "case-promise": "/portal/cases/new/promise/",
        "case-suggest": "/portal/cases/new/suggestions/?subject=printer+jam",
        "kb-article": f"/portal/kb/{world.article_public.pk}/?from=suggest&q=printer",
        "reset-confirm": "/portal/password/reset/MQ/bad-token/",
    }
    pages = []
    for path, name in portal_routes():
        if not path.startswith("/portal/") or name in ("sign-out", "case-reply", "case-confirm", "case-reopen",
                                                       "kb-solved", "two-step-off", "sign-in-code"):  # fmt: skip
            continue  # POST-only actions: they redirect to pages listed here
        path = concrete.get(name, path)
        if path is None:
            continue
        persona = "anonymous" if name in ("sign-in", "reset", "reset-done", "reset-confirm") else "contact"
        pages.append((persona, path))
    # Pages a route shows to other visitors: the Bronze plan's, the agents', the missing case's.
    pages += [
        ("bronze", "/portal/"),
        ("agent", "/portal/"),
        ("contact", "/portal/cases/NX-2026-999999/"),
        ("contact", "/portal/kb/?q=printer"),
    ]
    return pages


def test_every_portal_page_renders_in_all_four_languages_with_no_untranslated_interface_string(world, agent):
    clients = {"anonymous": Client(), "contact": Client(), "bronze": Client(), "agent": Client()}
    sign_in(clients["contact"], "it@acme.example")
    sign_in(clients["bronze"], world.bronze_contact.email)
    clients["agent"].force_login(agent.user)

    templates: set[str] = set()
    for language in ("en", *LANGUAGES):
        for client in clients.values():
            client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        for persona, path in _pages(world, agent):
            response = clients[persona].get(path, follow=True)
            assert response.status_code in (200, 403, 404), (language, path, response.status_code)
            if "<html" in response.content.decode():
                assert f'<html lang="{language}">' in response.content.decode(), (language, path)
            templates |= {
                t.name
                for t in response.templates
                if t.name and t.name.startswith(("portal/", "kb/", "monitoring/"))
            }
    # Templates only reached by a form's answer.
    templates |= {"portal/two_step_codes.html", "portal/kb_not_included.html", "portal/reset_sent.html"}
    # The fault page (needs a firing alert) and the board of a plan without monitoring.
    templates |= {
        "monitoring/_alert.html",
        "monitoring/portal_alert.html",
        "monitoring/portal_not_included.html",
    }

    assert "monitoring/_board.html" in templates  # the status board is a portal page too
    msgids = set().union(*(_template_msgids(t) for t in templates)) | _python_msgids()
    missing = {language: sorted(m for m in msgids if not _translated(language, m)) for language in LANGUAGES}
    translation.activate("en")
    report = "\n".join(
        f"{lang}: {len(ids)} untranslated, e.g. {ids[:5]}" for lang, ids in missing.items() if ids
    )
    assert not any(missing.values()), report
