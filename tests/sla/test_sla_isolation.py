"""The pure core must not import Django (DESIGN.md: tierdesk.sla imports nothing from Django)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import tierdesk.sla

PACKAGE = Path(tierdesk.sla.__file__).parent


def test_importing_and_using_the_sla_package_loads_no_django_module() -> None:
    script = (
        "import sys\n"
        "from datetime import datetime, timedelta, UTC\n"
        "import tierdesk.sla, tierdesk.sla.bulk, tierdesk.sla.explain\n"
        "cal = tierdesk.sla.Calendar.from_dict({'timezone': 'Europe/London', 'hours': {'mon': ['08:00-18:00']},"
        " 'holidays': {'country': 'GB', 'subdiv': 'ENG'}})\n"
        "start = datetime(2026, 3, 9, 9, 0, tzinfo=UTC)\n"
        "cal.explain(start, timedelta(hours=30)).text()\n"
        "cal.add_many([start], [timedelta(hours=1)])\n"
        "loaded = sorted(m for m in sys.modules if m == 'django' or m.startswith('django.'))\n"
        "print(','.join(loaded))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == ""


def test_no_module_in_the_package_names_django_in_an_import() -> None:
    for path in PACKAGE.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            assert not any(name.split(".")[0] == "django" for name in names), path.name


def test_the_example_in_the_package_docstring_is_right() -> None:
    import doctest

    assert doctest.testmod(tierdesk.sla).failed == 0
