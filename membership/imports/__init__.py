"""The import of members, terms and payment history from the old system's CSV export.

`columns`: the file format and the parsing of one row; `reader`: encodings and streaming;
`check`: the dry run; `commit`: the import itself; `claim`: the "claim your account" e-mail.
The format is documented in docs/member-import.md.
"""
