"""Use cases over a connection: imports, reports, projects, keys. Services never commit."""
