"""Markdown to safe HTML: Python-Markdown, then nh3 against an explicit allow-list."""

import markdown as md
import nh3
from markdown.extensions import Extension
from markdown.extensions.tables import TableExtension
from markdown.extensions.toc import TocExtension, slugify_unicode
from markdown.treeprocessors import Treeprocessor
from markupsafe import Markup

ID_PREFIX = "doc-"  # keeps heading ids clear of the page's own ids (#main, form fields)
_ALIGN = {"left", "right", "center"}
_TAGS = {
    "h2", "h3", "h4", "h5", "h6", "p", "br", "hr", "div", "blockquote", "pre", "code",
    "ul", "ol", "li", "table", "caption", "thead", "tbody", "tfoot", "tr", "th", "td",
    "a", "em", "strong", "del", "ins",
}  # fmt: skip
_ATTRIBUTES = {
    **{h: {"id"} for h in ("h2", "h3", "h4", "h5", "h6")},
    "a": {"href", "title"},
    "ol": {"start"},
    "th": {"colspan", "rowspan"},
    "td": {"colspan", "rowspan"},
}
_ATTRIBUTE_VALUES = {
    "th": {"scope": {"col", "row", "colgroup", "rowgroup"}, "align": _ALIGN},
    "td": {"align": _ALIGN},
}


class _Tidy(Treeprocessor):
    """Column headers get scope="col"; images become links to them, because a remote image
    can change after both sides agreed the text (the hash covers only its address), can track
    readers, and is blocked by the Content-Security-Policy anyway."""

    def run(self, root):
        for th in root.iter("th"):
            th.set("scope", "col")
        for img in list(root.iter("img")):
            alt, src, title = img.get("alt") or "", img.get("src", ""), img.get("title")
            img.tag, img.text = "a", f"Image: {alt or src}"
            img.attrib.clear()
            img.set("href", src)
            if title:
                img.set("title", title)


class _TidyExtension(Extension):
    def extendMarkdown(self, md_):  # noqa: N802 (Python-Markdown's name)
        md_.treeprocessors.register(_Tidy(md_), "coi_tidy", 15)


def _slugify(value: str, separator: str) -> str:
    return ID_PREFIX + slugify_unicode(value, separator)


def _filter_attribute(tag: str, attr: str, value: str) -> str | None:
    """Prefix ids, and point in-document links (#roles) at the prefixed ids."""
    if attr == "id" and not value.startswith(ID_PREFIX):
        return ID_PREFIX + value
    if attr == "href" and value.startswith("#") and not value.startswith("#" + ID_PREFIX):
        return "#" + ID_PREFIX + value[1:]
    return value


def render(markdown_src: str) -> Markup:
    """Safe HTML for a Markdown document: `#` headings become <h2>, raw HTML is sanitised
    against an allow-list, links may only be https, mailto, relative or #fragments."""
    extensions = [
        TableExtension(use_align_attribute=True),  # align="", since style="" is stripped
        "sane_lists",
        TocExtension(baselevel=2, slugify=_slugify),
        _TidyExtension(),
    ]
    html = md.markdown(markdown_src, extensions=extensions)
    return Markup(
        nh3.clean(
            html,
            tags=_TAGS,
            attributes=_ATTRIBUTES,
            tag_attribute_values=_ATTRIBUTE_VALUES,
            attribute_filter=_filter_attribute,
            url_schemes={"https", "mailto"},
            link_rel="noopener noreferrer",
            strip_comments=True,
        )
    )
