"""Every word a template shows goes through {% translate %} or {% blocktranslate %}.

Each template under templates/ is one test (its id is the path, so `-k journeys` runs one app's).
The scan removes what is translated or not text: comments, translate tags and blocktranslate blocks,
other tags, {{ variables }}, HTML tags and attribute values. What is left of the page, and the
attributes people read (placeholder, title, aria-label, alt, the value of a button input ...), must
hold no letter. It also flags literal text handed to templates in a way that skips the catalogue:
`|default:"none"` and `|yesno:"yes,no"` (write `|default:_("none")`), and prose passed to an include
or a `{% with %}` (`with label="were reopened"`: write `with label=_("were reopened")`).

A few names stay as written in every language (the product's name and metric abbreviations such as
NPS): UNTRANSLATED_TERMS lists them.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings

TEMPLATES_DIR = Path(settings.BASE_DIR) / "templates"

# Names and abbreviations kept as they are in el, vi and fa alike.
UNTRANSLATED_TERMS = ("CX Hub", "NPS", "CSAT", "CES", "SLA", "FCR", "API", "CSV", "JSON", "URL", "HMAC",
                      "SHA-256", "UTC", "HTTP", "HTTPS", "ID", "CRM", "htmx")

# Attributes whose values people read or hear; every other attribute value is markup or data.
VISIBLE_ATTRIBUTES = {"placeholder", "title", "aria-label", "aria-description", "aria-placeholder",
                      "aria-roledescription", "aria-valuetext", "alt", "label", "abbr"}
# Elements whose text is code people type or read as it stands (a header name, a command).
CODE_ELEMENTS = {"code", "kbd", "samp"}
# <input type=...> whose value is the button's caption.
BUTTON_INPUT_TYPES = {"submit", "button", "reset"}
# Keyword names of {% include ... with %} / {% with %} whose literal values are markup or data, not text.
NON_TEXT_KEYWORD = re.compile(r"(^|_)(class|classes|css|id|ids|url|href|icon|kind|field|name|mode|"
                              r"prefix|target|size|variant|status|key|param|window)$")

_COMMENT_BLOCK = re.compile(r"{%\s*comment\b.*?%}.*?{%\s*endcomment\s*%}", re.S)
_COMMENT = re.compile(r"{#.*?#}", re.S)
_VERBATIM = re.compile(r"{%\s*verbatim\b.*?%}(.*?){%\s*endverbatim\s*%}", re.S)
_BLOCKTRANSLATE = re.compile(r"{%\s*blocktrans(?:late)?\b.*?%}.*?{%\s*endblocktrans(?:late)?\s*%}", re.S)
_TAG = re.compile(r"{%.*?%}", re.S)
_VARIABLE = re.compile(r"{{.*?}}", re.S)
_LETTER = re.compile(r"[^\W\d_]")
# A literal argument of a filter that prints it: |default:"none", |yesno:"yes,no".
_FILTER_LITERAL = re.compile(r"""\|\s*(default|default_if_none|yesno)\s*:\s*("[^"]*"|'[^']*')""")
# A literal keyword value in an include/with tag: label="were reopened" (not label=_("...")).
_KEYWORD_LITERAL = re.compile(r"""(\w+)\s*=\s*("[^"]*"|'[^']*')""")
_INCLUDE_OR_WITH = re.compile(r"{%\s*(include|with)\b(.*?)%}", re.S)


# What a removed construct leaves: a separator (whitespace to html.parser, so a tag inside a start tag
# stays harmless; text on either side is reported apart) and its line breaks, so line numbers stay true.
_SEPARATOR = "\x1f"


# A {{ variable }} that prints a literal (|default:"none") is replaced by a numbered mark, so the parser
# can tell whether it lands in text or a readable attribute (a problem) or in markup (id="x-{{ ...}}").
_MARK = "\x1e"
_MARKED = re.compile(_MARK + r"(\d+)" + _MARK)


def _blank(match: re.Match[str]) -> str:
    return _SEPARATOR + "\n" * match.group(0).count("\n")


def _printed_literals(expression: str) -> list[str]:
    return [f"|{m.group(1)}:{m.group(2)}" for m in _FILTER_LITERAL.finditer(expression)
            if _has_letters(m.group(2)[1:-1])]


def _has_letters(text: str) -> bool:
    for term in UNTRANSLATED_TERMS:
        text = text.replace(term, " ")
    return bool(_LETTER.search(text))


def _looks_like_prose(value: str) -> bool:
    """A literal that reads as words for people: several words, or a capitalised word ("Journey")."""
    if not _has_letters(value):
        return False
    return bool(re.search(r"[^\W\d_]\s+[^\W\d_]", value)) or value[:1].isupper()


class _TextCollector(HTMLParser):
    def __init__(self, literals: dict[int, list[str]]) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[int, str]] = []
        self._literals = literals
        self._raw_tag: str | None = None
        self._code_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in {"script", "style"}:
            self._raw_tag = tag
        if tag in CODE_ELEMENTS:
            self._code_depth += 1
        values = dict(attrs)
        for name, value in attrs:
            if not value:
                continue
            visible = name in VISIBLE_ATTRIBUTES or (
                name == "value" and tag == "input" and (values.get("type") or "").lower() in BUTTON_INPUT_TYPES)
            if visible and _has_letters(value):
                self.found.append((self.getpos()[0], f'{name}="{_MARKED.sub("", value).strip()}"'))
            if visible:
                self._report_literals(value, self.getpos()[0])

    def _report_literals(self, text: str, line: int) -> None:
        for mark in _MARKED.finditer(text):
            for literal in self._literals[int(mark.group(1))]:
                self.found.append((line + text.count("\n", 0, mark.start()), literal))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag == self._raw_tag:
            self._raw_tag = None
        if tag in CODE_ELEMENTS and self._code_depth:
            self._code_depth -= 1

    def handle_data(self, data: str) -> None:
        if self._raw_tag is not None or self._code_depth:
            return
        line = self.getpos()[0]
        for piece in data.split(_SEPARATOR):
            self._report_literals(piece, line)
            if _has_letters(piece):
                self.found.append((line + piece[: len(piece) - len(piece.lstrip())].count("\n"),
                                   " ".join(piece.split())))
            line += piece.count("\n")


def untranslated_text(source: str) -> list[tuple[int, str]]:
    """(line, text) of every piece of visible text in a template's source that is not translated."""
    found: list[tuple[int, str]] = []
    source = _COMMENT_BLOCK.sub(_blank, source)
    source = _COMMENT.sub(_blank, source)
    source = _BLOCKTRANSLATE.sub(_blank, source)

    def line_of(match: re.Match[str]) -> int:
        return source.count("\n", 0, match.start()) + 1

    for match in _TAG.finditer(source):
        found.extend((line_of(match), literal) for literal in _printed_literals(match.group(0)))
    for match in _INCLUDE_OR_WITH.finditer(source):
        for keyword in _KEYWORD_LITERAL.finditer(match.group(2)):
            name, value = keyword.group(1), keyword.group(2)[1:-1]
            if not NON_TEXT_KEYWORD.search(name) and _looks_like_prose(value):
                found.append((line_of(match), f"{name}={keyword.group(2)}"))

    # {% verbatim %} content is printed as it stands: keep it as text, drop the tags around it.
    source = _VERBATIM.sub(lambda m: m.group(1), source)
    source = _TAG.sub(_blank, source)
    literals: dict[int, list[str]] = {}

    def variable(match: re.Match[str]) -> str:
        if not (printed := _printed_literals(match.group(0))):
            return _blank(match)
        literals[len(literals)] = printed
        return f"{_MARK}{len(literals) - 1}{_MARK}" + "\n" * match.group(0).count("\n")

    source = _VARIABLE.sub(variable, source)
    collector = _TextCollector(literals)
    collector.feed(source)
    collector.close()
    return sorted(found + collector.found, key=lambda problem: problem[0])


def _templates() -> list[str]:
    return sorted(str(path.relative_to(TEMPLATES_DIR)) for path in TEMPLATES_DIR.rglob("*")
                  if path.is_file() and path.suffix in {".html", ".txt"})


@pytest.mark.parametrize("template", _templates())
def test_it_shows_no_untranslated_text(template: str) -> None:
    source = (TEMPLATES_DIR / template).read_text(encoding="utf-8")
    problems = untranslated_text(source)
    assert not problems, f"templates/{template} shows text outside translate tags:\n" + "\n".join(
        f"  line {line}: {text}" for line, text in problems)


# The scanner itself: it must catch what it is there to catch, and leave translated text alone.

def test_it_flags_plain_text_with_its_line() -> None:
    assert untranslated_text('{% load i18n %}\n<h1>\n  Tickets</h1>') == [(3, "Tickets")]


def test_it_accepts_translate_and_blocktranslate() -> None:
    source = """{% load i18n %}<h1>{% translate "Tickets" %}</h1>
    <p>{% blocktranslate trimmed count counter=n %}
      One ticket for {{ name }}.{% plural %}{{ counter }} tickets for {{ name }}.
    {% endblocktranslate %}</p>
    <p>{{ ticket.subject }} · {{ n }} — 42 %</p>"""
    assert untranslated_text(source) == []


def test_it_ignores_comments_markup_and_scripts() -> None:
    source = """{# Draft text #}{% comment %}Not shown{% endcomment %}<!-- nor this -->
    <a class="btn primary" href="{% url 'home' %}" data-kind="open">{{ x }}</a>
    <script src="app.js"></script><p><code>Authorization: Token</code> <kbd>Ctrl</kbd></p>"""
    assert untranslated_text(source) == []


def test_it_flags_readable_attributes_and_submit_values() -> None:
    source = """<input placeholder="Search" name="q"><img alt="Logo" src="x.png">
    <input type="submit" value="Save"><input type="hidden" value="open">
    <a title="{% translate 'Edit' %}" aria-label="Close">×</a>"""
    assert untranslated_text(source) == [
        (1, 'placeholder="Search"'), (1, 'alt="Logo"'), (2, 'value="Save"'), (3, 'aria-label="Close"')]


def test_it_flags_literals_that_templates_print() -> None:
    source = """{{ owner|default:"nobody" }} {{ owner|default:"—" }} {{ x|default:_("none") }}
    {{ flag|yesno:"yes,no" }} <h2 id="head-{{ pk|default:'all' }}" title="{{ x|default:'Untitled' }}">
    {% include "row.html" with label="were reopened" field="program" css_class="btn small" %}
    {% include "row.html" with label=_("were reopened") place="Touchpoint" %}"""
    assert untranslated_text(source) == [
        (1, '|default:"nobody"'), (2, '|yesno:"yes,no"'), (2, "|default:'Untitled'"), (3, 'label="were reopened"'),
        (4, 'place="Touchpoint"')]


def test_it_reports_text_on_each_side_of_a_tag_apart() -> None:
    source = '<p>{% if late %}Late{% else %}\n  On time{% endif %}</p><a {% if x %}title="Edit"{% endif %}>'
    assert untranslated_text(source) == [(1, "Late"), (2, "On time"), (2, 'title="Edit"')]


def test_it_reads_every_script() -> None:
    assert untranslated_text("<p>Εισιτήρια</p><p>Phiếu</p><p>تیکت‌ها</p>") == [
        (1, "Εισιτήρια"), (1, "Phiếu"), (1, "تیکت‌ها")]


def test_it_lets_product_names_and_abbreviations_stand() -> None:
    assert untranslated_text("<th>NPS</th><th>CSAT</th><a>CX Hub</a>") == []
