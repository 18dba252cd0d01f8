"""Markdown to safe HTML: markdown-it-py (CommonMark, raw HTML off) renders, nh3 (Ammonia)
sanitises. Nothing here parses HTML by hand; both steps are well-kept libraries."""

import nh3
from markdown_it import MarkdownIt

# Raw HTML in the source is shown as text, never passed through; links are checked by
# markdown-it (no javascript:, vbscript:, file: or data:) and again by nh3's URL schemes.
_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).disable("image")

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "a", "ul", "ol", "li", "blockquote", "code", "pre", "h1", "h2", "h3", "h4",
    "h5", "h6", "hr",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
URL_SCHEMES = {"http", "https", "mailto"}


def render_markdown(source: str) -> str:
    """Sanitised HTML for a Markdown source: safe to mark safe in a page or an HTML email."""
    html = _md.render(source)
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    )
