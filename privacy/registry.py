"""The sections of a member's data download, by name.

Each section is a function `build(member) -> list[dict] | dict`: a list is a table (written as
`<name>.json` and `<name>.csv`), a dict one record (`<name>.json` only). Any app's data can be
added with `section_register` (privacy's own sections are in `privacy/sections.py`); values must
be JSON-safe or dates, datetimes and decimals.
"""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Section:
    name: str
    title: str
    build: Callable


SECTIONS: dict[str, Section] = {}


def section_register(name: str, title: str, build: Callable) -> None:
    SECTIONS[name] = Section(name=name, title=title, build=build)


def row_dict(obj, *, exclude=()) -> dict:
    """A model row's own columns by attribute name (`member_id`, not the member), without
    binary data."""
    data = {}
    for field in obj._meta.concrete_fields:
        if field.name in exclude or field.get_internal_type() == "BinaryField":
            continue
        value = getattr(obj, field.attname)
        if hasattr(value, "name") and field.get_internal_type() == "FileField":
            value = value.name or ""
        data[field.attname] = value
    return data


def rows(queryset, *, exclude=()) -> list[dict]:
    return [row_dict(obj, exclude=exclude) for obj in queryset.iterator(chunk_size=500)]
