"""Dependencies of the web pages: the runtime, a read connection, who is looking, CSRF checks.

The web UI signs people in with server-side sessions (services.web_sessions), never with API keys.
`Reader` lets anyone in when ASSAY_PUBLIC_READ=true and signed-in users otherwise; `Writer` always
wants a signed-in user; `FormWriter` also checks the form's CSRF token against the session's.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from starlette.datastructures import FormData

from assay.http_deps import Db as Db  # shared with api/deps.py; re-exported
from assay.http_deps import RuntimeDep as RuntimeDep
from assay.services.users import User
from assay.services.web_sessions import WebSession, find_session

SESSION_COOKIE = "assay_session"
LOGIN_CSRF_COOKIE = "assay_login_csrf"


class SignInRequired(Exception):
    """The page needs a signed-in user; `next` is where to come back to."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


class CsrfError(Exception):
    """A form came without this session's CSRF token."""




@dataclass(frozen=True)
class Viewer:
    session: WebSession | None
    public_read: bool

    @property
    def user(self) -> User | None:
        return self.session.user if self.session else None

    @property
    def signed_in(self) -> bool:
        return self.session is not None

    @property
    def csrf_token(self) -> str:
        return self.session.csrf_token if self.session else ""


def get_viewer(request: Request, runtime: RuntimeDep, db: Db) -> Viewer:
    viewer = Viewer(session=find_session(db, request.cookies.get(SESSION_COOKIE)),
                    public_read=runtime.settings.public_read)
    request.state.viewer = viewer  # templates and error pages show who is signed in
    return viewer


def here(request: Request) -> str:
    """This request's path and query: where sign-in sends the user back to."""
    query = request.url.query
    return request.url.path + (f"?{query}" if query else "")


def require_reader(request: Request, viewer: Annotated[Viewer, Depends(get_viewer)]) -> Viewer:
    if viewer.signed_in or viewer.public_read:
        return viewer
    raise SignInRequired(here(request))


def require_user(request: Request, viewer: Annotated[Viewer, Depends(get_viewer)]) -> Viewer:
    if viewer.signed_in:
        return viewer
    # A refused POST goes back to the page the form was on, not to the POST's own URL.
    raise SignInRequired(here(request) if request.method == "GET" else _referer_path(request))


def _referer_path(request: Request) -> str:
    referer = request.headers.get("referer", "")
    base = str(request.base_url)
    return safe_next(referer[len(base) - 1:] if referer.startswith(base) else "/")


def verify_csrf(viewer: Viewer, form: FormData) -> None:
    """Raise CsrfError unless the form carries the session's token."""
    token = form.get("csrf_token")
    if not viewer.session or not isinstance(token, str) or not hmac.compare_digest(token, viewer.csrf_token):
        raise CsrfError("the form's security token is missing or stale")


async def require_form_writer(request: Request, viewer: Annotated[Viewer, Depends(require_user)]) -> Viewer:
    verify_csrf(viewer, await request.form())
    return viewer


def safe_next(target: str | None) -> str:
    """`target` if it is a path on this site, else "/" (no open redirects through ?next=)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    if any(ord(c) < 32 for c in target):
        return "/"
    return target


Reader = Annotated[Viewer, Depends(require_reader)]
Writer = Annotated[Viewer, Depends(require_user)]
FormWriter = Annotated[Viewer, Depends(require_form_writer)]
