"""A select whose options are rendered once per language, not option by option per request.

Django renders a <select> through a template per option; with the 250 countries that is most
of the profile form's time (and a translation per name). The options of a long, fixed list are
the same for every member, so they are built once per language as one fragment and the
member's own value is marked `selected` in it. The field, its choices and its validation are
unchanged: only the HTML is built another way, the same markup Django's Select renders.
"""

from django.forms.widgets import Select, Widget
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django_countries.widgets import LazySelect

# (fragment name, language) → (the options' HTML, {value: that option's HTML}). The choices
# are fixed in code and their names in the translation catalogues, which change only with a
# deploy, so nothing here is ever stale within a process.
_FRAGMENTS: dict[tuple[str, str], tuple[str, dict[str, str]]] = {}


def _attrs_html(attrs: dict) -> str:
    """Attributes as Django's `attrs.html` writes them: True bare, False and None left out."""
    parts = []
    for name, value in attrs.items():
        if value is None or value is False:
            continue
        if value is True:
            parts.append(format_html(" {}", name))
        else:
            parts.append(format_html(' {}="{}"', name, value))
    return "".join(parts)


class CachedOptionsSelect(LazySelect):
    """A single-choice select for a long, fixed list (no option groups, no option attrs)."""

    def __init__(self, *args, fragment: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fragment = fragment

    def _options(self) -> tuple[str, dict[str, str]]:
        key = (self.fragment, get_language() or "")
        cached = _FRAGMENTS.get(key)
        if cached is None:
            by_value = {}
            for value, label in self.choices:
                text = "" if value is None else str(value)
                by_value[text] = format_html('<option value="{}">{}</option>', text, label)
            cached = ("\n  ".join(by_value.values()), by_value)
            _FRAGMENTS[key] = cached
        return cached

    def render(self, name, value, attrs=None, renderer=None):
        html, by_value = self._options()
        selected = next(iter(self.format_value(value)), None)
        option = by_value.get(selected) if selected is not None else None
        if option is not None:
            marked = option.replace('">', '" selected>', 1)
            html = html.replace(option, marked, 1)
        final_attrs = self.build_attrs(self.attrs, attrs)
        return mark_safe(  # noqa: S308 - every part is escaped above
            f"<select name={_quoted(name)}{_attrs_html(final_attrs)}>\n  {html}\n</select>"
        )

    def use_required_attribute(self, initial) -> bool:
        # Django's Select reads the first choice for this, which sorts the whole list again.
        if not Widget.use_required_attribute(self, initial):
            return False
        _html, by_value = self._options()
        return next(iter(by_value), None) == ""

    def format_value(self, value):
        return Select.format_value(self, value)


def _quoted(value: str) -> str:
    return f'"{conditional_escape(value)}"'
