"""Staff-editable e-mail templates: the registry of keys, the sandboxed engine, versions."""
