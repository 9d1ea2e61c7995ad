"""The portal's one way of writing dates, in every template and document: "December 2, 2026".

Templates write `{{ day|date }}` (or `|date:"DATETIME_FORMAT"` with a time) and never spell a
format out, except machine formats (ISO dates in CSV files and `<time datetime>`)."""

DATE_FORMAT = "F j, Y"
DATETIME_FORMAT = "F j, Y, H:i"
SHORT_DATE_FORMAT = "F j, Y"
SHORT_DATETIME_FORMAT = "F j, Y, H:i"
