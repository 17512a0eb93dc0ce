"""`manage.py compile_translations`: locale/*/LC_MESSAGES/*.po into the .mo files Django reads.

The build runs it (`make` before the app or the tests start, and the image build), so the compiled
catalogues are never committed and a fresh machine needs nothing but Python: Babel reads and writes
the files, where Django's own compilemessages would need GNU gettext's msgfmt.

A .po file that cannot be read, or whose translation breaks a %(name)s placeholder or the plural forms,
stops the build with its path and line. Fuzzy entries are left out, as msgfmt does; each catalogue is
reported with its counts of translated, fuzzy and untranslated messages.
"""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from babel.messages.catalog import Catalog, Message
from babel.messages.mofile import write_mo
from babel.messages.pofile import PoFileError, read_po
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser


@dataclass(frozen=True)
class CatalogCounts:
    translated: int
    fuzzy: int
    untranslated: int


def _is_translated(message: Message) -> bool:
    if isinstance(message.string, list | tuple):
        return all(message.string)
    return bool(message.string)


def catalog_counts(catalog: Catalog) -> CatalogCounts:
    """Messages of a catalogue by state; the header entry is not a message."""
    translated = fuzzy = untranslated = 0
    for message in catalog:
        if not message.id:
            continue
        if message.fuzzy:
            fuzzy += 1
        elif _is_translated(message):
            translated += 1
        else:
            untranslated += 1
    return CatalogCounts(translated, fuzzy, untranslated)


# The grammar of a .po file, checked line by line before Babel reads it: Babel forgives an unclosed
# quote, a second msgstr or a repeated msgid, which msgfmt refuses and which would lose a translation.
_KEYWORD = re.compile(r"(msgctxt|msgid_plural|msgid|msgstr\[\d+\]|msgstr)\s+(.*)")
_STRING = re.compile(r'"(?:[^"\\]|\\(?:[ntrabfv"\\?\']|[0-7]{1,3}|x[0-9A-Fa-f]+))*"')
# Which keyword may follow which, inside one entry ("" is the start of a file or of a new entry).
_FOLLOWS = {
    "msgctxt": {"", "msgstr", "msgstr[]"},
    "msgid": {"", "msgctxt", "msgstr", "msgstr[]"},
    "msgid_plural": {"msgid"},
    "msgstr": {"msgid"},
    "msgstr[]": {"msgid_plural", "msgstr[]"},
}


def po_syntax_errors(text: str) -> list[tuple[int, str]]:
    """(line, problem) of every line that breaks the .po grammar, and every msgid given twice."""
    errors: list[tuple[int, str]] = []
    state, context, msgid, entry_line = "", "", "", 0
    seen: dict[tuple[str, str], int] = {}

    def close_entry() -> None:
        key = (context, msgid)
        if key in seen:
            errors.append((entry_line, f"msgid {msgid!r} is given twice (first on line {seen[key]})"))
        else:
            seen[key] = entry_line

    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue  # comments, flags, references and obsolete (#~) entries
        if line.startswith('"'):
            keyword, value = None, line
        elif match := _KEYWORD.fullmatch(line):
            keyword, value = match.group(1), match.group(2)
        else:
            errors.append((number, f"not a .po line: {line[:60]!r}"))
            continue
        if not _STRING.fullmatch(value):
            errors.append((number, f"not one properly quoted string: {value[:60]!r}"))
            continue
        if keyword is None:
            if not state:
                errors.append((number, "a continued string outside any entry"))
            elif state == "msgctxt":
                context += value[1:-1]
            elif state == "msgid":
                msgid += value[1:-1]
            continue
        kind = "msgstr[]" if keyword.startswith("msgstr[") else keyword
        if state not in _FOLLOWS[kind]:
            errors.append((number, f"{keyword} cannot follow {state or 'the start of an entry'}"))
            continue
        if kind in {"msgctxt", "msgid"} and state.startswith("msgstr"):
            close_entry()
            context = ""
        if kind == "msgctxt":
            context, entry_line = value[1:-1], number
        elif kind == "msgid":
            msgid = value[1:-1]
            entry_line = number if state != "msgctxt" else entry_line
        state = kind
    if state.startswith("msgstr"):
        close_entry()
    elif state:
        errors.append((len(text.splitlines()), f"the last entry has no msgstr (it stops after {state})"))
    return errors


def _plural_placeholder(message: Message, error: str) -> bool:
    """Whether `error` is Babel objecting to a plural form naming a placeholder of the plural msgid.

    Babel checks the first form against the singular msgid alone, but in a language with one plural
    form (Vietnamese), or whose first form also covers other counts, that form must name the count
    just as the plural msgid does; gettext's own msgfmt accepts it.
    """
    match = re.fullmatch(r"unknown named placeholder '(\w+)'", error)
    return bool(match and isinstance(message.id, (list, tuple))
                and f"%({match.group(1)})" in message.id[-1])


def read_catalog(po_path: Path) -> Catalog:
    """The catalogue of a .po file; CommandError naming the file and line when it is not valid."""
    try:
        text = po_path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise CommandError(f"{po_path}: not UTF-8: {exc}") from None
    if errors := po_syntax_errors(text):
        raise CommandError("Invalid .po file:\n" + "\n".join(f"{po_path}:{line}: {problem}"
                                                               for line, problem in errors))
    try:
        with po_path.open("rb") as handle:
            catalog = read_po(handle, abort_invalid=True)
    except PoFileError as exc:
        raise CommandError(f"{po_path}:{exc.lineno + 1}: {exc}") from None
    except ValueError as exc:
        raise CommandError(f"{po_path}: not a readable .po file: {exc}") from None
    problems = []
    for message, errors in catalog.check():
        if message.fuzzy:
            continue  # left out of the .mo, so it cannot break a page
        for error in errors:
            if _plural_placeholder(message, str(error)):
                continue
            line = f":{message.lineno}" if message.lineno else ""
            problems.append(f"{po_path}{line}: {message.id!r}: {error}")
    if problems:
        raise CommandError("Translations that would break when shown:\n" + "\n".join(problems))
    return catalog


def write_catalog(catalog: Catalog, mo_path: Path) -> None:
    """Write the .mo beside the .po through a temporary file, so a running server never reads half a file."""
    fd, tmp_name = tempfile.mkstemp(dir=mo_path.parent, prefix=".", suffix=".mo.tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            write_mo(handle, catalog, use_fuzzy=False)
        os.chmod(tmp_name, 0o644)
        os.replace(tmp_name, mo_path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise


class Command(BaseCommand):
    help = ("Compile the translations (locale/<language>/LC_MESSAGES/*.po) into .mo files with Babel, "
            "reporting translated, fuzzy and untranslated messages per language; an invalid .po fails.")

    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--locale-dir", action="append", dest="locale_dirs", metavar="DIR",
                            help="A locale directory to compile (repeatable); default: settings.LOCALE_PATHS.")

    def handle(self, *args: Any, **options: Any) -> None:
        locale_dirs = [Path(d) for d in (options["locale_dirs"] or settings.LOCALE_PATHS)]
        po_paths = sorted(path for locale_dir in locale_dirs for path in locale_dir.glob("*/LC_MESSAGES/*.po"))
        if not po_paths:
            self.stdout.write("No .po files under " + ", ".join(str(d) for d in locale_dirs) + ".")
            return
        # Read every file before writing any: one broken catalogue leaves all the .mo files as they were.
        catalogs = [(po_path, read_catalog(po_path)) for po_path in po_paths]
        for po_path, catalog in catalogs:
            write_catalog(catalog, po_path.with_suffix(".mo"))
            counts = catalog_counts(catalog)
            language = po_path.parent.parent.name
            self.stdout.write(f"{language} ({po_path.stem}): {counts.translated} translated, {counts.fuzzy} fuzzy, "
                              f"{counts.untranslated} untranslated")
