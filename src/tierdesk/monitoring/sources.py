"""What the monitoring systems people already run send, turned into `ParsedAlert`s. Plain Python.

One parser per kind of source, each `parse(data) -> list[ParsedAlert]` raising `PayloadError` with a
message fit to return to the sender (a malformed payload will not improve on retry).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

MAX_ALERTS = 500
MAX_TEXT = 4000


class PayloadError(ValueError):
    """The payload is not what the source sends; `retryable` is always False (resend won't help)."""

    retryable = False


@dataclass(frozen=True)
class ParsedAlert:
    fingerprint: str
    name: str
    firing: bool
    summary: str = ""
    labels: dict[str, str] = field(default_factory=dict)
    starts_at: datetime | None = None


def labels_fingerprint(labels: dict[str, str]) -> str:
    return hashlib.sha256(json.dumps(labels, sort_keys=True).encode()).hexdigest()[:16]


def _labels(value: Any, where: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise PayloadError(f"{where}: labels must be an object of strings")
    return value


def _instant(value: Any, where: str) -> datetime | None:
    if value in (None, "", "0001-01-01T00:00:00Z"):
        return None
    if not isinstance(value, str):
        raise PayloadError(f"{where}: expected an RFC 3339 time")
    try:
        moment = datetime.fromisoformat(re.sub(r"(\.\d{6})\d+", r"\1", value).replace("Z", "+00:00"))
    except ValueError:
        raise PayloadError(f"{where}: {value[:40]!r} is not an RFC 3339 time") from None
    if moment.tzinfo is None:
        raise PayloadError(f"{where}: the time must carry a time zone")
    return moment


def parse_alertmanager(data: Any) -> list[ParsedAlert]:
    """Prometheus Alertmanager's webhook (payload version 4)."""
    if not isinstance(data, dict):
        raise PayloadError("expected a JSON object")
    if data.get("version") != "4":
        raise PayloadError(f'unsupported Alertmanager payload version {data.get("version")!r}; expected "4"')
    alerts = data.get("alerts")
    if not isinstance(alerts, list) or not alerts:
        raise PayloadError("alerts: expected a non-empty list")
    if len(alerts) > MAX_ALERTS:
        raise PayloadError(f"alerts: at most {MAX_ALERTS} per request")
    common = data.get("commonAnnotations") if isinstance(data.get("commonAnnotations"), dict) else {}
    out = []
    for i, alert in enumerate(alerts):
        where = f"alerts[{i}]"
        if not isinstance(alert, dict):
            raise PayloadError(f"{where}: expected an object")
        status = alert.get("status")
        if status not in ("firing", "resolved"):
            raise PayloadError(f"{where}.status: expected firing or resolved")
        labels = _labels(alert.get("labels"), f"{where}.labels")
        annotations = _labels(alert.get("annotations"), f"{where}.annotations")
        fingerprint = alert.get("fingerprint") or labels_fingerprint(labels)
        if not isinstance(fingerprint, str) or len(fingerprint) > 150:
            raise PayloadError(f"{where}.fingerprint: expected a string")
        name = labels.get("alertname") or fingerprint
        summary = (
            annotations.get("summary")
            or annotations.get("description")
            or common.get("summary", "")
            or ", ".join(f"{k}={v}" for k, v in sorted(labels.items()))
        )
        out.append(
            ParsedAlert(
                fingerprint=f"am:{fingerprint}",
                name=name[:200],
                firing=status == "firing",
                summary=str(summary)[:MAX_TEXT],
                labels=labels,
                starts_at=_instant(alert.get("startsAt"), f"{where}.startsAt"),
            )
        )
    return out


def parse_generic(data: Any) -> list[ParsedAlert]:
    """The generic webhook: one alert object, or ``{"alerts": [...]}``. Each alert has ``name`` and
    ``status`` (firing or resolved), and optionally ``fingerprint``, ``summary`` and ``labels``."""
    if isinstance(data, dict) and "alerts" in data:
        items = data["alerts"]
        if not isinstance(items, list) or not items:
            raise PayloadError("alerts: expected a non-empty list")
    else:
        items = [data]
    if len(items) > MAX_ALERTS:
        raise PayloadError(f"alerts: at most {MAX_ALERTS} per request")
    out = []
    for i, item in enumerate(items):
        where = f"alerts[{i}]" if len(items) > 1 or "alerts" in (data or {}) else "alert"
        if not isinstance(item, dict):
            raise PayloadError(f"{where}: expected a JSON object")
        name = item.get("name")
        if not isinstance(name, str) or not name.strip():
            raise PayloadError(f"{where}.name: required, a non-empty string")
        status = item.get("status")
        if status not in ("firing", "resolved"):
            raise PayloadError(f"{where}.status: required, firing or resolved")
        labels = _labels(item.get("labels"), f"{where}.labels")
        summary = item.get("summary", "")
        if not isinstance(summary, str):
            raise PayloadError(f"{where}.summary: expected a string")
        fingerprint = item.get("fingerprint") or labels_fingerprint({"name": name.strip(), **labels})
        if not isinstance(fingerprint, str) or not fingerprint.strip() or len(fingerprint) > 150:
            raise PayloadError(f"{where}.fingerprint: expected a string of at most 150 characters")
        out.append(
            ParsedAlert(
                fingerprint=f"gen:{fingerprint.strip()}",
                name=name.strip()[:200],
                firing=status == "firing",
                summary=summary[:MAX_TEXT],
                labels=labels,
            )
        )
    return out


# Nagios: "** PROBLEM Service Alert: web01/HTTP is CRITICAL **", "** RECOVERY Host Alert: web01 is UP **"
_NAGIOS = re.compile(
    r"\*\*\s*(?P<type>PROBLEM|RECOVERY)\s+(?:Service|Host)\s+Alert:\s*(?P<host>[^/]+?)"
    r"(?:/(?P<service>.+?))?\s+is\s+(?P<state>[A-Z]+)\s*\*\*",
    re.IGNORECASE,
)
# Icinga 2: "[PROBLEM] HTTP on web01 is CRITICAL!", "[RECOVERY] web01 is UP!"
_ICINGA = re.compile(
    r"\[(?P<type>PROBLEM|RECOVERY)\]\s*(?:(?P<service>.+?)\s+on\s+)?(?P<host>\S+)\s+is\s+(?P<state>[A-Z]+)!?",
    re.IGNORECASE,
)


def parse_nagios_mail(subject: str, body: str) -> ParsedAlert | None:
    """A Nagios or Icinga notification e-mail, from its subject; None when it is not a problem or a
    recovery (acknowledgements, flapping and downtime notices are the monitoring system's own)."""
    match = _NAGIOS.search(subject) or _ICINGA.search(subject)
    if match is None:
        return None
    host, service = match["host"].strip(), (match["service"] or "").strip()
    name = f"{host}/{service}" if service else host
    return ParsedAlert(
        fingerprint=f"nagios:{name.lower()}"[:200],
        name=f"{name} is {match['state'].upper()}"[:200],
        firing=match["type"].upper() == "PROBLEM",
        summary=body.strip()[:MAX_TEXT],
        labels={"host": host, **({"service": service} if service else {}), "state": match["state"].upper()},
    )
