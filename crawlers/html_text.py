"""Third-party HTML -> safe HTML (nh3) and plain text, for statements and their pages.

Feed items and release pages are somebody else's markup: everything we store in `body_html`
passes through `safe_html` first (no script/style content, no event-handler attributes, no
javascript:/data: URLs), and `body_text` is read from that sanitised markup.
"""

from __future__ import annotations

import lxml.html
import nh3

from models.text import LINK_SCHEMES

# Only the schemes of the one URL allow-list (models.text: http, https) survive in href/src;
# everything else (javascript:, data:, vbscript:, mailto:) is dropped with the attribute.
URL_SCHEMES = set(LINK_SCHEMES)
# Elements after which the text starts a new line.
BLOCKS = frozenset(
    {"p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6"}
    | {"blockquote", "table", "tr", "pre", "section", "article"}
)
_BREAK = "\u2029"  # paragraph separator: never in feed text, marks our block breaks


def squash(text: str) -> str:
    """One line: runs of whitespace (newlines included) become one space."""
    return " ".join(text.split())


def safe_html(html: str) -> str:
    """The markup with only harmless tags, attributes and URLs left."""
    if not html.strip():
        return ""
    return nh3.clean(html, url_schemes=URL_SCHEMES, clean_content_tags={"script", "style"}).strip()


def html_text(html: str) -> str:
    """Readable plain text of (sanitised) markup: block elements become line breaks.

    Line breaks inside the source text are only layout (HTML renders them as spaces).
    """
    cleaned = safe_html(html)
    if not cleaned:
        return ""
    root = lxml.html.fragment_fromstring(cleaned, create_parent="div")
    for element in root.iter():
        if element.tag in BLOCKS:
            element.tail = _BREAK + (element.tail or "")
    lines = (squash(line) for line in root.text_content().split(_BREAK))
    return "\n".join(line for line in lines if line)
