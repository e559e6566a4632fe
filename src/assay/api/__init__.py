"""The HTTP API: native routes, compatible APIs (compat/), error mapping, upload reading."""
