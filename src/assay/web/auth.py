"""Sign in and sign out.

The sign-in form has no session yet, so its CSRF token is a double-submit one: a random value in
a cookie (HttpOnly, SameSite=Lax) that the form must repeat. Another site can neither read the
cookie nor set it, so it cannot forge the form.
"""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import RedirectResponse

from assay.errors import AuthenticationError
from assay.services.users import authenticate_user
from assay.services.web_sessions import SESSION_TTL, end_session, purge_expired_sessions, start_session
from assay.store import write_transaction
from assay.web.deps import (
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    FormWriter,
    RuntimeDep,
    Viewer,
    get_viewer,
    safe_next,
)
from assay.web.render import render
from assay.web.routing import WebRoute

router = APIRouter(route_class=WebRoute, include_in_schema=False)


def _secure(request: Request) -> bool:
    # Behind a TLS-terminating proxy uvicorn's --proxy-headers makes the scheme https.
    return request.url.scheme == "https"


def _login_form(request: Request, next_path: str, error: str | None = None, name: str = "",
                status_code: int = 200) -> Response:
    token = request.cookies.get(LOGIN_CSRF_COOKIE) or secrets.token_urlsafe(32)
    response = render(request, "login.html", {"next": next_path, "login_csrf": token, "error": error, "name": name},
                      status_code=status_code)
    response.set_cookie(LOGIN_CSRF_COOKIE, token, httponly=True, samesite="lax", secure=_secure(request),
                        path="/login", max_age=3600)
    return response


@router.get("/login", summary="Sign-in page")
def login_page(request: Request, viewer: Annotated[Viewer, Depends(get_viewer)], next: str = "/") -> Response:
    target = safe_next(next)
    if viewer.signed_in:
        return RedirectResponse(target, status_code=303)
    return _login_form(request, target)


@router.post("/login", summary="Sign in")
def login(
    request: Request,
    runtime: RuntimeDep,
    _viewer: Annotated[Viewer, Depends(get_viewer)],
    name: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    target = safe_next(next)
    cookie = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not cookie or not hmac.compare_digest(cookie, csrf_token):
        return _login_form(request, target, "The sign-in form expired. Please try again.", name, 403)
    try:
        with write_transaction(runtime.engine) as connection:
            user = authenticate_user(connection, name, password)
            purge_expired_sessions(connection)
            _session, token = start_session(connection, user)
    except AuthenticationError:
        return _login_form(request, target, "Wrong user name or password.", name, 401)
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="lax", secure=_secure(request),
                        max_age=int(SESSION_TTL.total_seconds()), path="/")
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return response


@router.post("/logout", summary="Sign out")
def logout(request: Request, runtime: RuntimeDep, _viewer: FormWriter) -> Response:
    with write_transaction(runtime.engine) as connection:
        end_session(connection, request.cookies.get(SESSION_COOKIE))
    response = RedirectResponse("/login?signed_out=1", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax", secure=_secure(request))
    return response
