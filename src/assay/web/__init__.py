"""Server-rendered web UI: routes (pages.py and the modules it gathers), templates/, static/."""
