"""The route class of every web page: errors become HTML pages, pages get security headers.

The JSON API turns errors into JSON in api/errors.py; a person in a browser gets a page instead,
with the same status codes (assay/http_status.py decides them for both), and a
sign-in redirect when a page needs one.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any
from urllib.parse import quote

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse
from fastapi.routing import APIRoute

from assay.errors import AssayError
from assay.http_status import status_for
from assay.web.deps import CsrfError, SignInRequired
from assay.web.render import render

_TITLES = {400: "Not possible", 401: "Not allowed", 403: "Refused", 404: "Not found", 409: "Already there",
           413: "Too large", 500: "Something went wrong"}
# Scripts and styles come from /static only: no inline script can run, whatever a report contains.
CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'; "
       "base-uri 'none'; frame-ancestors 'none'; form-action 'self'")


def error_page(request: Request, status: int, message: str, code: str | None = None) -> Response:
    return render(request, "error.html", {"status": status, "title": _TITLES.get(status, "Error"),
                                          "message": message, "code": code}, status_code=status)


def secure(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("content-security-policy", CSP)
    headers.setdefault("x-content-type-options", "nosniff")
    headers.setdefault("referrer-policy", "same-origin")
    headers.setdefault("x-frame-options", "DENY")
    headers.setdefault("cache-control", "private, no-cache")
    return response


class WebRoute(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            try:
                response = await handler(request)
            except SignInRequired as needed:
                response = RedirectResponse(f"/login?next={quote(needed.next_path, safe='/')}", status_code=303)
            except CsrfError:
                response = error_page(request, 403, "This form was sent without its security token, or with one "
                                      "from an older session. Go back, reload the page and try again.", "csrf")
            except AssayError as error:
                response = error_page(request, status_for(error), error.message, error.code)
            except RequestValidationError as error:
                problems = "; ".join(
                    f"{'.'.join(str(p) for p in item.get('loc', ()))}: {item.get('msg')}" for item in error.errors()
                )
                response = error_page(request, 400, f"The address has a bad value: {problems}", "invalid_request")
            return secure(response)

        return route
