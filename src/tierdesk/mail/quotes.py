"""Trim the quoted history off a reply, for display only (the full text is always kept).

Recognised, in any of Tierdesk's languages and the usual mail clients:

* our own marker line at the top of every notification ("##- … -##"): everything from the line
  before it that introduces the quote is history;
* Gmail, Apple Mail, Thunderbird: "On <date>, <name> wrote:" (also wrapped over two lines), "Le … a
  écrit :", "Am … schrieb …:", "Den … skrev …:", "… skrev …:";
* Outlook: "-----Original Message-----", "-----Ursprüngliche Nachricht-----", "-----Message
  d'origine-----", "-----Opprinnelig melding-----", and the "From: … Sent: …" header block (also
  "De : … Envoyé : …", "Von: … Gesendet: …", "Fra: … Sendt: …"), with or without the underscore rule;
* a trailing run of "> " lines.

A forward ("---------- Forwarded message ---------", "Begin forwarded message:") is not history: it
is what the sender wants us to read, so it is never trimmed. If trimming would leave nothing, the
text is shown whole.
"""

from __future__ import annotations

import re

MARKER = re.compile(r"^\s*##-.*-##\s*$")
_WROTE = re.compile(
    r"^\s*(On\b.{0,200}\bwrote|Le\b.{0,200}\ba écrit|Am\b.{0,200}\bschrieb\b.{0,200}"
    r"|Den\b.{0,200}\bskrev\b.{0,200}"
    r"|.{0,120}<[^>\s]+@[^>\s]+>\s*(wrote|a écrit|schrieb|skrev))\s*:\s*$",
    re.IGNORECASE,
)
_WROTE_START = re.compile(r"^\s*(On|Le|Am|Den)\s.{5,}$")
_WROTE_END = re.compile(r"(wrote|a écrit|schrieb|skrev)\s*:\s*$", re.IGNORECASE)
_ORIGINAL = re.compile(
    r"^\s*-{2,}\s*(Original Message|Ursprüngliche Nachricht|Message d'origine|Opprinnelig melding"
    r"|Originalmelding|Original-Nachricht)\s*-{2,}\s*$",
    re.IGNORECASE,
)
_HEADER_FROM = re.compile(r"^\s*\**(From|De|Von|Fra)\s*\**\s*:\s*\S", re.IGNORECASE)
_HEADER_SENT = re.compile(
    r"^\s*\**(Sent|Date|Envoyé|Gesendet|Datum|Sendt|Dato)\s*\**\s*:\s*\S", re.IGNORECASE
)
_RULE = re.compile(r"^\s*_{10,}\s*$")
_FORWARD = re.compile(
    r"^\s*(-{3,}\s*(Forwarded message|Message transféré|Weitergeleitete Nachricht|Videresendt melding)"
    r"|Begin forwarded message:|Début du message réexpédié)",
    re.IGNORECASE,
)


def trim_quoted(text: str) -> str:
    """The new part of a reply (see the module docstring); `text` itself if nothing is recognised."""
    lines = text.split("\n")
    cut = _cut_line(lines)
    if cut is None:
        return text
    kept = "\n".join(lines[:cut]).rstrip()
    return kept if kept.strip() else text


def _cut_line(lines: list[str]) -> int | None:
    for index, line in enumerate(lines):
        if _FORWARD.match(line):
            return None
        if MARKER.match(line):
            # The client puts its "On … wrote:" line (and perhaps a blank) right before the quote.
            start = index
            while start > 0 and (not lines[start - 1].strip() or lines[start - 1].lstrip().startswith(">")):
                start -= 1
            if start > 0 and (_WROTE.match(lines[start - 1]) or _WROTE_END.search(lines[start - 1])):
                start -= 1
            return start
        if _WROTE.match(line):
            return index
        if _WROTE_START.match(line) and index + 1 < len(lines) and _WROTE_END.search(lines[index + 1]):
            return index
        if _ORIGINAL.match(line):
            return index
        if _RULE.match(line) and _header_block(lines, index + 1):
            return index
        if _HEADER_FROM.match(line) and _header_block(lines, index):
            return index
    # A trailing run of quoted lines (bottom-posting clients put nothing after them).
    end = len(lines)
    while end > 0 and not lines[end - 1].strip():
        end -= 1
    start = end
    while start > 0 and (lines[start - 1].lstrip().startswith(">") or not lines[start - 1].strip()):
        start -= 1
    if start < end and any(line.lstrip().startswith(">") for line in lines[start:end]):
        return start
    return None


def _header_block(lines: list[str], index: int) -> bool:
    """An Outlook header block starts here: a From: line with a Sent:/Date: line within the next four."""
    while index < len(lines) and not lines[index].strip():
        index += 1
    if index >= len(lines) or not _HEADER_FROM.match(lines[index]):
        return False
    return any(_HEADER_SENT.match(line) for line in lines[index + 1 : index + 5])
