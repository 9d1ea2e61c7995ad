"""Rendering staff-written templates safely.

Rules:
- The engine has no template loaders, no `{% load %}`able libraries and only the tags and
  filters of `library.py`: no include, extends, url, csrf_token, debug, now or i18n.
- A template may name only its key's declared variables; anything else is refused when it is
  saved, with the name it tried. The context is built from those paths alone, as plain
  strings, numbers and dates, so there is nothing else to reach even by a path we missed.
"""

import datetime as dt
import re
from decimal import Decimal

from django.template import Context, Engine, TemplateSyntaxError, Variable, VariableDoesNotExist
from django.template.base import FilterExpression, Node, VariableNode
from django.template.defaulttags import ForNode, WithNode
from django.utils.translation import gettext as _

from communications.templating.registry import SITE, TemplateSpec


class TemplateRefused(ValueError):
    """A template that uses a tag, filter or variable staff templates may not use."""


class _SandboxEngine(Engine):
    default_builtins = ["communications.templating.library"]


ENGINE = _SandboxEngine(dirs=[], app_dirs=False, loaders=[], libraries={}, debug=False)

_TAG_ERROR = re.compile(r"Invalid block tag on line \d+: '(\w+)'")
_FILTER_ERROR = re.compile(r"Invalid filter: '(\w+)'")


def _compile(source: str):
    try:
        return ENGINE.from_string(source)
    except TemplateSyntaxError as error:
        text = str(error)
        if match := _TAG_ERROR.search(text):
            raise TemplateRefused(
                _("The tag {%% %(tag)s %%} is not allowed in e-mail templates.")
                % {"tag": match.group(1)}
            ) from None
        if match := _FILTER_ERROR.search(text):
            raise TemplateRefused(
                _("The filter |%(filter)s is not allowed in e-mail templates.")
                % {"filter": match.group(1)}
            ) from None
        raise TemplateRefused(
            _("The template has a syntax error: %(error)s") % {"error": text}
        ) from None


def _lookups(expression: FilterExpression):
    """Every variable path a filter expression reads (its value and its filters' arguments)."""
    if isinstance(expression.var, Variable) and expression.var.lookups:
        yield expression.var.lookups
    for _func, args in expression.filters:
        for lookup, arg in args:
            if lookup and isinstance(arg, Variable) and arg.lookups:
                yield arg.lookups


def _expressions(node: Node):
    """Filter expressions held by a node, whatever its kind (if conditions, loops, with)."""
    seen = []

    def walk(value, depth=0):
        if depth > 6:
            return
        if isinstance(value, FilterExpression):
            seen.append(value)
        elif isinstance(value, list | tuple):
            for item in value:
                walk(item, depth + 1)
        elif isinstance(value, dict):
            for item in value.values():
                walk(item, depth + 1)
        elif hasattr(value, "__dict__") and not isinstance(value, Node):
            # if-conditions are trees of operators and literals
            for attr in ("first", "second", "value", "var"):
                if attr in vars(value):
                    walk(vars(value)[attr], depth + 1)

    for name, value in vars(node).items():
        if name in ("nodelist", "token", "origin") or name.startswith("nodelist"):
            continue
        walk(value)
    return seen


def _check(nodelist, allowed: set[str], aliases: dict[str, str], problems: list[str]):
    for node in nodelist:
        local = dict(aliases)
        if isinstance(node, ForNode):
            _check_expression(node.sequence, allowed, aliases, problems, sequence=True)
            base = ".".join(node.sequence.var.lookups or ()) if node.sequence.var else ""
            for loopvar in node.loopvars:
                local[loopvar] = base + "[]"
            local["forloop"] = "forloop"
        elif isinstance(node, WithNode):
            for name, expression in node.extra_context.items():
                _check_expression(expression, allowed, aliases, problems)
                if isinstance(expression.var, Variable) and expression.var.lookups:
                    local[name] = _resolve_alias(expression.var.lookups, aliases)
        elif isinstance(node, VariableNode):
            _check_expression(node.filter_expression, allowed, aliases, problems)
        else:
            for expression in _expressions(node):
                _check_expression(expression, allowed, aliases, problems)
        for child in node.child_nodelists:
            inner = getattr(node, child, None)
            if inner:
                _check(inner, allowed, local, problems)


def _resolve_alias(lookups, aliases) -> str:
    head, *rest = lookups
    return ".".join([aliases.get(head, head), *rest])


def _check_expression(expression, allowed, aliases, problems, sequence=False):
    for lookups in _lookups(expression):
        if lookups[0] == "forloop" and "forloop" in aliases:
            continue
        path = _resolve_alias(lookups, aliases)
        ok = path in allowed or (sequence and any(a.startswith(path + "[].") for a in allowed))
        if not ok:
            shown = ".".join(lookups)
            if shown not in problems:
                problems.append(shown)


def template_check(spec: TemplateSpec, *sources: str) -> None:
    """Refuse (TemplateRefused, with a message staff can act on) a subject or body that uses a
    tag, filter or variable outside what this key allows."""
    allowed = spec.names()
    problems: list[str] = []
    for source in sources:
        if not source:
            continue
        template = _compile(source)
        _check(template.nodelist, allowed, {}, problems)
    if problems:
        raise TemplateRefused(
            _(
                "%(names)s cannot be used in this template. Use only the variables listed beside "
                "the editor."
            )
            % {"names": ", ".join("{{ " + p + " }}" for p in problems)}
        )


def _plain(value):
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, dt.date):  # dates and datetimes, for the |date filter
        return value
    if isinstance(value, Decimal):
        return str(value)
    return str(value)


def plain_context(spec: TemplateSpec, context: dict, *, site_url: str = "") -> dict:
    """Only the declared paths, resolved against the caller's context, as plain values in
    nested dicts (lists of dicts for `name[]` paths). Missing values are empty strings."""
    trusted = Context(context)
    result: dict = {"site_url": site_url}
    lists: dict[str, list[str]] = {}
    for path in spec.variables:
        if "[]." in path:
            head, field = path.split("[].", 1)
            lists.setdefault(head, []).append(field)
            continue
        try:
            value = Variable(path).resolve(trusted)
        except (VariableDoesNotExist, AttributeError, TypeError, ValueError):
            value = ""
        _put(result, path.split("."), _plain(value))
    for head, fields in lists.items():
        try:
            items = Variable(head).resolve(trusted)
        except (VariableDoesNotExist, AttributeError, TypeError, ValueError):
            items = []
        rows = []
        for item in items or []:
            row: dict = {}
            for field in fields:
                try:
                    value = Variable(field).resolve(item)
                except (VariableDoesNotExist, AttributeError, TypeError, ValueError, KeyError):
                    value = ""
                _put(row, field.split("."), _plain(value))
            rows.append(row)
        _put(result, head.split("."), rows)
    return result


def _put(target: dict, parts: list[str], value) -> None:
    for part in parts[:-1]:
        nxt = target.get(part)
        if not isinstance(nxt, dict):
            nxt = target[part] = {}
        target = nxt
    target[parts[-1]] = value


def render(source: str, values: dict, *, html: bool = False) -> str:
    """HTML bodies escape every variable; plain text keeps `O'Brien & Sons` as typed."""
    return ENGINE.from_string(source).render(Context(values, autoescape=html))


__all__ = ["SITE", "TemplateRefused", "plain_context", "render", "template_check"]
