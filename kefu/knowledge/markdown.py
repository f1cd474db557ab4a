"""Article Markdown -> sanitized HTML, plain text and a table of contents.

Two layers keep script out of the help center: markdown-it runs with raw HTML off (a `<script>`
in an article is shown as text, `javascript:` links are not links), and its output then goes
through nh3 (ammonia) with an allow-list of tags, attributes, classes and URL schemes. The
allow-list, not the renderer, is what the security test holds.

Help-center conventions on top of CommonMark + tables:
- a link whose target is a bare slug (`[text](deposit-memo-tag)`) is another article; the
  caller's `resolve` turns it into a URL, or drops the link (keeps the text) when the target is
  unknown or not visible to the article's readers (a public article never links to an internal one);
- `::video[Title](https://…)` on its own line is a video card (nothing is fetched until played);
- a step image whose file is not shipped renders as a drawn placeholder with its caption;
- `> **Warning:** …` blockquotes become callouts; tables scroll sideways on a phone;
- the leading `# Title` is dropped (the page prints the title itself) and h2/h3 get anchors.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from html import escape
from typing import Any

import nh3
from django.contrib.staticfiles import finders
from django.utils.text import slugify
from markdown_it import MarkdownIt
from markdown_it.token import Token

SLUG_LINK = re.compile(r"^([a-z0-9][a-z0-9-]{0,119})(#[\w-]+)?$")
_VIDEO = re.compile(r"^::video\[([^\]\n]{1,200})\]\((https://[^\s)]{1,500})\)\s*$")
_STEP_NO = re.compile(r"-(\d+)\.\w+$")

CALLOUTS = {
    "warning": "warning", "警告": "warning", "advertencia": "warning", "atención": "warning",
    "important": "warning", "重要": "warning", "importante": "warning",
    "note": "note", "说明": "note", "注意": "note", "nota": "note",
    "tip": "tip", "提示": "tip", "consejo": "tip",
}

ALLOWED_TAGS = {
    "a", "p", "h2", "h3", "h4", "ul", "ol", "li", "strong", "em", "code", "pre", "blockquote",
    "table", "thead", "tbody", "tr", "th", "td", "hr", "br", "del", "img", "span", "div",
    "figure", "figcaption", "button", "kbd",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title", "rel"},
    "img": {"src", "alt", "loading", "width", "height"},
    "h2": {"id"}, "h3": {"id"}, "h4": {"id"},
    "ol": {"start"},
    "th": {"scope"},
    "span": {"role", "aria-label", "aria-hidden", "data-step"},
    "figure": {"data-video"},
    "button": {"type", "aria-label"},
}
# Classes are part of the allow-list too: article markup may only use the help center's own.
ALLOWED_CLASSES = {
    "blockquote": {"callout", "callout-warning", "callout-note", "callout-tip"},
    "div": {"table-wrap"},
    "span": {"kb-shot", "kb-shot-frame", "kb-shot-bar", "kb-shot-line", "kb-shot-line kb-short",
             "kb-short", "kb-shot-button", "kb-shot-step", "kb-shot-caption"},
    "figure": {"kb-video"},
    "figcaption": {"kb-video-title"},
    "button": {"kb-video-play"},
    "a": {"kb-external", "kb-video-link"},
    "ol": {"kb-steps"},
}


@dataclass
class Rendered:
    html: str
    text: str  # plain text of the body, for snippets and the lexical index
    lead: str  # the first paragraph
    toc: list[dict[str, Any]] = field(default_factory=list)  # [{"id", "title", "level"}]
    headings: list[str] = field(default_factory=list)
    article_links: list[str] = field(default_factory=list)  # slugs this article links to


Resolver = Callable[[str], str | None]


def _video_rule(state: Any, start: int, end: int, silent: bool) -> bool:
    pos = state.bMarks[start] + state.tShift[start]
    line = state.src[pos : state.eMarks[start]]
    m = _VIDEO.match(line)
    if not m:
        return False
    if silent:
        return True
    token = state.push("video", "", 0)
    token.meta = {"title": m.group(1), "url": m.group(2)}
    token.map = [start, start + 1]
    state.line = start + 1
    return True


def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable(["table", "strikethrough"])
    md.block.ruler.before("paragraph", "video", _video_rule, {"alt": ["paragraph"]})
    for name, fn in _RULES.items():
        md.add_render_rule(name, fn)
    return md




def _inline_text(token: Token) -> str:
    parts = []
    for child in token.children or []:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif child.type == "image":
            continue
    return "".join(parts)


def _static_exists(src: str) -> bool:
    if not src.startswith("/static/"):
        return False
    path = src[len("/static/") :].split("?")[0]
    if ".." in path:
        return False
    return finders.find(path) is not None


def render(body: str, *, resolve: Resolver, video_label: str = "Play video") -> Rendered:
    """Render an article body. `resolve(slug)` returns a URL for a linkable article, or None."""
    tokens = _MD.parse(body)
    # Drop the leading "# Title": the page shows the title as its own <h1>.
    if len(tokens) >= 3 and tokens[0].type == "heading_open" and tokens[0].tag == "h1":
        tokens = tokens[3:]

    toc: list[dict[str, Any]] = []
    headings: list[str] = []
    used_ids: set[str] = set()
    links: list[str] = []
    text_parts: list[str] = []
    lead = ""
    depth = 0  # blockquote/list nesting, for finding the first top-level paragraph

    for i, tok in enumerate(tokens):
        if tok.type == "heading_open":
            if tok.tag == "h1":  # only one h1 per page: demote the others
                tok.tag = "h2"
                tokens[i + 2].tag = "h2"
            title = _inline_text(tokens[i + 1])
            headings.append(title)
            if tok.tag in ("h2", "h3"):
                base = slugify(title, allow_unicode=True) or "section"
                anchor, n = base, 2
                while anchor in used_ids:
                    anchor, n = f"{base}-{n}", n + 1
                used_ids.add(anchor)
                tok.attrSet("id", anchor)
                toc.append({"id": anchor, "title": title, "level": int(tok.tag[1])})
        elif tok.type in ("blockquote_open", "bullet_list_open", "ordered_list_open"):
            depth += 1
            if tok.type == "blockquote_open":
                tok.attrSet("class", _callout_class(tokens, i))
            elif tok.type == "ordered_list_open" and _has_images(tokens, i):
                tok.attrSet("class", "kb-steps")
        elif tok.type in ("blockquote_close", "bullet_list_close", "ordered_list_close"):
            depth -= 1
        elif tok.type == "inline":
            text = _inline_text(tok)
            text_parts.append(text)
            if not lead and depth == 0 and i > 0 and tokens[i - 1].type == "paragraph_open":
                lead = text
            for child in tok.children or []:
                if child.type == "link_open":
                    _link(child, resolve, links)
        elif tok.type == "video":
            text_parts.append(tok.meta["title"])

    html = _MD.renderer.render(tokens, _MD.options, {"video_label": video_label})
    clean = sanitize(html)
    return Rendered(
        html=clean, text=re.sub(r"\s+", " ", " ".join(text_parts)).strip(), lead=lead.strip(),
        toc=toc, headings=headings, article_links=links,
    )


def _callout_class(tokens: list[Token], i: int) -> str:
    if i + 2 < len(tokens) and tokens[i + 2].type == "inline":
        children = [c for c in tokens[i + 2].children or [] if not (c.type == "text" and not c.content)]
        if len(children) >= 2 and children[0].type == "strong_open":
            label = children[1].content.strip().rstrip(":：").strip().lower()
            kind = CALLOUTS.get(label)
            if kind:
                return f"callout callout-{kind}"
    return "callout"


def _has_images(tokens: list[Token], i: int) -> bool:
    level = tokens[i].level
    for tok in tokens[i + 1 :]:
        if tok.type == "ordered_list_close" and tok.level == level:
            return False
        if tok.type == "inline" and any(c.type == "image" for c in tok.children or []):
            return True
    return False


def _link(tok: Token, resolve: Resolver, links: list[str]) -> None:
    href = str(tok.attrGet("href") or "")
    m = SLUG_LINK.match(href)
    if m:
        slug, anchor = m.group(1), m.group(2) or ""
        links.append(slug)
        url = resolve(slug)
        if url is None:
            tok.meta["drop"] = True
        else:
            tok.attrSet("href", url + anchor)
    elif href.startswith(("http://", "https://")):
        tok.attrSet("rel", "noopener nofollow")
        tok.attrSet("class", "kb-external")


def _render_link_open(self: Any, tokens: list[Token], idx: int, options: Any, env: Any) -> str:
    tok = tokens[idx]
    if tok.meta.get("drop"):
        # Find the matching close and mark it too.
        level = 0
        for later in tokens[idx + 1 :]:
            if later.type == "link_open":
                level += 1
            elif later.type == "link_close":
                if level == 0:
                    later.meta["drop"] = True
                    break
                level -= 1
        return ""
    attrs = "".join(f' {k}="{escape(str(v))}"' for k, v in (tok.attrs or {}).items())
    return f"<a{attrs}>"


def _render_link_close(self: Any, tokens: list[Token], idx: int, options: Any, env: Any) -> str:
    return "" if tokens[idx].meta.get("drop") else "</a>"


def _render_image(self: Any, tokens: list[Token], idx: int, options: Any, env: Any) -> str:
    tok = tokens[idx]
    src = str(tok.attrGet("src") or "")
    alt = "".join(c.content for c in tok.children or [] if c.type == "text") or tok.content
    if _static_exists(src):
        return f'<img src="{escape(src)}" alt="{escape(alt)}" loading="lazy">'
    # The screenshot is not shipped (or is off-site, which the help center never loads): draw
    # a small app-screen placeholder that carries the caption, so the step still reads well.
    m = _STEP_NO.search(src)
    step = m.group(1) if m else ""
    badge = f'<span class="kb-shot-step" aria-hidden="true">{escape(step)}</span>' if step else ""
    return (
        f'<span class="kb-shot" role="img" aria-label="{escape(alt)}">'
        '<span class="kb-shot-frame" aria-hidden="true"><span class="kb-shot-bar"></span>'
        '<span class="kb-shot-line"></span><span class="kb-shot-line kb-short"></span>'
        f'<span class="kb-shot-button"></span></span>{badge}'
        f'<span class="kb-shot-caption" aria-hidden="true">{escape(alt)}</span></span>'
    )


def _render_video(self: Any, tokens: list[Token], idx: int, options: Any, env: Any) -> str:
    tok, label = tokens[idx], env.get("video_label", "Play video")
    title, url = escape(tok.meta["title"]), escape(tok.meta["url"])
    return (
        f'<figure class="kb-video" data-video="{url}">'
        f'<button type="button" class="kb-video-play" aria-label="{escape(label)}: {title}"></button>'
        f'<figcaption class="kb-video-title"><a class="kb-video-link" href="{url}" rel="noopener nofollow">{title}</a></figcaption>'
        "</figure>\n"
    )


_RULES: dict[str, Callable[..., str]] = {
    "link_open": _render_link_open,
    "link_close": _render_link_close,
    "image": _render_image,
    "video": _render_video,
    "table_open": lambda self, tokens, idx, options, env: '<div class="table-wrap"><table>\n',
    "table_close": lambda self, tokens, idx, options, env: "</table></div>\n",
}
# Built once: the parser and its render rules are shared by every request thread; per-call
# state (resolved links, the video label) travels in the tokens and `env`, never in the rules.
_MD = _parser()


def _attribute_filter(element: str, attribute: str, value: str) -> str | None:
    if attribute == "class":
        allowed = ALLOWED_CLASSES.get(element, set())
        kept = [c for c in value.split() if c in allowed]
        return " ".join(kept) or None
    if attribute == "data-video":
        return value if value.startswith("https://") else None
    return value


def sanitize(html: str) -> str:
    attributes = {tag: set(attrs) for tag, attrs in ALLOWED_ATTRIBUTES.items()}
    for tag in ALLOWED_CLASSES:
        attributes.setdefault(tag, set()).add("class")
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=attributes,
        attribute_filter=_attribute_filter,
        url_schemes={"http", "https", "mailto"},
        link_rel=None,
        strip_comments=True,
    )


def excerpt(text: str, limit: int = 180) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    if len(text) <= limit:
        return text
    cut = text[:limit]
    space = cut.rfind(" ")
    if space > limit * 0.6:
        cut = cut[:space]
    return cut.rstrip(" ,.;:，。；：") + "…"
