"""Small reads folded into a bigger query as JSON: one row (`json_row`) or a list of rows
(`json_rows`) of another table, as a column of the query a page runs anyway, on PostgreSQL and
SQLite alike; `instance_from_json` turns such a row back into an unsaved-looking model instance
(the page reads it, nothing saves it)."""

import datetime as dt
import json

from django.db import models
from django.db.models import Expression, F, JSONField, Subquery
from django.db.models.functions import JSONObject
from django.utils.dateparse import parse_date, parse_datetime


class WholeRow(Expression):
    """Every column of the query's own table as one JSON object, keyed by column name: on
    PostgreSQL `TO_JSONB` of the row, on SQLite a JSON_OBJECT of the model's columns. Unlike a
    JSONObject of each field, it costs nothing to compile (a page runs it on every request)."""

    output_field = JSONField()

    def __init__(self, model):
        super().__init__()
        self.model = model

    def as_sql(self, compiler, connection):
        alias = compiler.quote_name_unless_alias(compiler.query.get_initial_alias())
        if connection.vendor == "postgresql":
            return f"TO_JSONB({alias})", []
        quote = connection.ops.quote_name
        pairs = ", ".join(
            f"'{field.column}', {alias}.{quote(field.column)}"
            for field in self.model._meta.concrete_fields
        )
        return f"JSON_OBJECT({pairs})", []


def _row_object(names, expressions) -> JSONObject:
    return JSONObject(**{name: F(name) for name in names}, **expressions)


def json_row(queryset, *names: str, **expressions) -> Subquery:
    """The first row of `queryset` as one JSON object of the fields `names` (and any named
    expressions), or of every column when none is named; NULL when there is no row."""
    row = _row_object(names, expressions) if names or expressions else WholeRow(queryset.model)
    rows = queryset.values(json_row=row)[:1]
    return Subquery(rows, output_field=JSONField())


class _JSONArrayOf(Subquery):
    """Every row of the subquery's single JSON column, as one JSON array (empty for none)."""

    def as_sql(self, compiler, connection, template=None, **extra_context):
        sql, params = super().as_sql(compiler, connection, template, **extra_context)
        if connection.vendor == "postgresql":
            array = "COALESCE(JSONB_AGG(t.json_row), '[]'::jsonb)"
        else:
            # SQLite's JSON_OBJECT gives text: JSON() keeps each row an object in the array.
            array = "JSON_GROUP_ARRAY(JSON(t.json_row))"
        # Only the constants above and the compiled subquery: its values stay bound parameters.
        return f"(SELECT {array} FROM {sql} t)", params  # noqa: S608


def json_rows(queryset, *names: str, **expressions) -> Subquery:
    """Every row of `queryset` as a JSON array of objects (see `json_row`). The order of the
    array is not promised: the reader sorts."""
    rows = queryset.order_by().values(json_row=_row_object(names, expressions))
    return _JSONArrayOf(rows, output_field=JSONField())


def json_value(value):
    """A JSON column read through JSON: already decoded on PostgreSQL, text on SQLite."""
    if isinstance(value, str):
        return json.loads(value)
    return value


def _field_value(field, value):
    if value is None:
        return None
    if isinstance(field, models.DateTimeField):
        moment = parse_datetime(value) if isinstance(value, str) else value
        # SQLite keeps datetimes in UTC without an offset.
        if moment is not None and moment.tzinfo is None:
            moment = moment.replace(tzinfo=dt.UTC)
        return moment
    if isinstance(field, models.DateField):
        return parse_date(value) if isinstance(value, str) else value
    if isinstance(field, models.JSONField):
        return json_value(value)
    return value


def instance_from_json(model, data: dict):
    """A `model` instance from a row read by `json_row`/`json_rows`; keys that are not the
    model's fields (a related row's name, say) become plain attributes."""
    # A key may be the column's name (`WholeRow`), the attribute's or the field's.
    concrete = {
        key: f for f in model._meta.concrete_fields for key in (f.column, f.attname, f.name)
    }
    values, extra = {}, {}
    for key, value in data.items():
        field = concrete.get(key)
        if field is None:
            extra[key] = value
        else:
            values[field.attname] = _field_value(field, value)
    instance = model(**values)
    instance._state.adding = False
    for key, value in extra.items():
        setattr(instance, key, value)
    return instance
