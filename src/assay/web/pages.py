"""The web UI's routes, gathered into one router (app.py includes it and serves ./static).

Pages are rendered on the server (Jinja2) and work without JavaScript; static/assay.js adds
expand/collapse, drag and drop, tabs, copy buttons and the charts. static/chart.umd.min.js is
Chart.js 4.6.1, `npm pack chart.js` -> package/dist/chart.umd.min.js, unmodified (MIT licence beside
it): served from here, so pages work offline and no CDN is involved.
"""

from __future__ import annotations

from fastapi import APIRouter

from assay.web import admin, auth, browse, compare, keys, upload

router = APIRouter(include_in_schema=False)
for module in (auth, browse, compare, upload, admin, keys):
    router.include_router(module.router)

__all__ = ["router"]
