"""The `assay` command: serve, manage projects and keys, import, detect, convert, export."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

app = typer.Typer(
    help="Assay: a self-hosted test results hub. Data lives in ASSAY_DATA_DIR (default ./assay-data); "
    "ASSAY_DATABASE_URL=postgresql+psycopg://... puts it on PostgreSQL.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
project_app = typer.Typer(help="Projects (keys like DEMO prefix report and test keys).", no_args_is_help=True)
profile_app = typer.Typer(help="Profiles: streams of comparable reports inside a project.", no_args_is_help=True)
apikey_app = typer.Typer(help="API keys for the import APIs (sent as x-api-key).", no_args_is_help=True)
app.add_typer(project_app, name="project")
app.add_typer(profile_app, name="profile")
app.add_typer(apikey_app, name="apikey")
user_app = typer.Typer(help="Web UI accounts (passwords stored as argon2 hashes).", no_args_is_help=True)
app.add_typer(user_app, name="user")

err = Console(stderr=True)


def _runtime():  # type: ignore[no-untyped-def]
    from assay.services.runtime import Runtime

    return Runtime.open()


def _fail(message: str, code: int = 1) -> None:
    err.print(f"[red]error:[/red] {message}", highlight=False)
    raise typer.Exit(code)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
) -> None:
    """Run the server (API, compatible import APIs, web pages). Migrations run on start."""
    import uvicorn

    from assay.app import create_app

    runtime = _runtime()
    where = runtime.settings.effective_database_url if not runtime.settings.is_sqlite else runtime.settings.sqlite_path
    typer.echo(f"Assay serving on http://{host}:{port}  (API docs: http://{host}:{port}/docs)")
    typer.echo(f"Data: {where}; assets in {runtime.settings.asset_dir.resolve()}")
    typer.echo("Create an API key with: assay apikey create   (send it as the x-api-key header)")
    sys.stdout.flush()
    uvicorn.run(create_app(runtime), host=host, port=port, log_level="info", access_log=False)


@app.command()
def worker(
    threads: Annotated[int | None, typer.Option(help="Imports run at once (default ASSAY_QUEUE_WORKERS).")] = None,
    grace: Annotated[float, typer.Option(help="Seconds a stop (SIGTERM/Ctrl-C) waits for running imports.")] = 30,
) -> None:
    """Consume the job queue (QMetry and async imports). With ASSAY_REDIS_URL, run as many as you like,
    on any machine sharing the database and ASSAY_DATA_DIR; without it `assay serve` consumes itself."""
    import logging

    from assay.jobs import run_worker

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    runtime = _runtime()
    run_worker(runtime, threads or runtime.settings.queue_workers, grace)


@project_app.command("create")
def project_create(
    key: Annotated[str, typer.Argument(help="Upper-case key, e.g. SHOP.")],
    name: Annotated[str, typer.Option("--name", help="Display name.")] = "",
) -> None:
    """Create a project."""
    from assay.errors import AssayError
    from assay.services.projects import create_project
    from assay.store import write_transaction

    runtime = _runtime()
    try:
        with write_transaction(runtime.engine) as connection:
            project = create_project(connection, key, name or key)
    except AssayError as error:
        _fail(error.message)
    typer.echo(f"project {project['key']} created (id {project['id']})")


@profile_app.command("create")
def profile_create(
    name: Annotated[str, typer.Argument(help="Profile name, e.g. 'Android nightly'.")],
    project: Annotated[str, typer.Option("--project", help="Project key.")] = "DEMO",
) -> None:
    """Create a profile; prints its id (the {profile_id} of the import URLs)."""
    from assay.errors import AssayError
    from assay.services.projects import create_profile, get_project
    from assay.store import write_transaction

    runtime = _runtime()
    try:
        with write_transaction(runtime.engine) as connection:
            profile = create_profile(connection, get_project(connection, project)["id"], name)
    except AssayError as error:
        _fail(error.message)
    typer.echo(profile["id"])


@apikey_app.command("create")
def apikey_create(
    project: Annotated[str | None, typer.Option("--project", help="Limit the key to one project.")] = None,
    name: Annotated[str | None, typer.Option("--name", help="A note on what the key is for.")] = None,
) -> None:
    """Create an API key. Its last line is the key: shown this once, stored only hashed."""
    from assay.errors import AssayError
    from assay.services.api_keys import create_api_key
    from assay.services.projects import get_project
    from assay.store import write_transaction

    runtime = _runtime()
    try:
        with write_transaction(runtime.engine) as connection:
            project_id = get_project(connection, project)["id"] if project else None
            key, plaintext = create_api_key(connection, project_id, name)
    except AssayError as error:
        _fail(error.message)
    scope = f"project {project.upper()}" if project else "all projects"
    typer.echo(f"API key {key.prefix} for {scope} (shown once; send it as the x-api-key header):")
    typer.echo(plaintext)


@apikey_app.command("list")
def apikey_list() -> None:
    """List API keys (prefix, scope, last use); never the keys themselves."""
    from assay.services.api_keys import list_api_keys
    from assay.store import read_transaction

    runtime = _runtime()
    with read_transaction(runtime.engine) as connection:
        rows = list_api_keys(connection)
    table = Table("id", "prefix", "name", "project", "created", "last used", "revoked")
    for row in rows:
        table.add_row(
            *(
                str(row[c]) if row[c] is not None else ""
                for c in ("id", "prefix", "name", "project_id", "created_at", "last_used_at", "revoked_at")
            )
        )
    Console().print(table)


@apikey_app.command("revoke")
def apikey_revoke(key_id: Annotated[int, typer.Argument(help="The key's id (see `assay apikey list`).")]) -> None:
    """Revoke an API key."""
    from assay.errors import AssayError
    from assay.services.api_keys import revoke_api_key
    from assay.store import write_transaction

    runtime = _runtime()
    try:
        with write_transaction(runtime.engine) as connection:
            revoke_api_key(connection, key_id)
    except AssayError as error:
        _fail(error.message)
    typer.echo(f"API key {key_id} revoked")


@user_app.command("create")
def user_create(
    name: Annotated[str, typer.Argument(help="The name to sign in with.")],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from the first line of stdin (for scripts).")
    ] = False,
    admin: Annotated[bool, typer.Option("--admin", help="Mark the account as an administrator.")] = False,
) -> None:
    """Create a web UI account; asks for the password twice (hidden) unless --password-stdin."""
    from assay.errors import AssayError
    from assay.services.users import create_user
    from assay.store import write_transaction

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    runtime = _runtime()
    try:
        with write_transaction(runtime.engine) as connection:
            user = create_user(connection, name, password, is_admin=admin)
    except AssayError as error:
        _fail(error.message)
    typer.echo(f"user {user.name} created (id {user.id}); sign in at /login")


def _options(
    tags: list[str],
    build: str | None,
    os_name: str | None,
    platform: str | None,
    smart: bool,
    merge_containers: bool,
    ignore_empty_report: bool,
) -> dict[str, list[str]]:
    raw: dict[str, list[str]] = {
        "tag[]": tags,
        "smart": [str(smart).lower()],
        "merge_containers": [str(merge_containers).lower()],
        "ignore_empty_report": [str(ignore_empty_report).lower()],
    }
    for name, value in (("build", build), ("os", os_name), ("platform", platform)):
        if value:
            raw[name] = [value]
    return raw


@app.command("import")
def import_files(
    files: Annotated[
        list[Path],
        typer.Argument(help="Result files (all go into one report).", exists=True, dir_okay=False, readable=True),
    ],
    profile: Annotated[int, typer.Option("--profile", help="Profile id.")] = 1,
    format_name: Annotated[str | None, typer.Option("--format", help="Format name (default: detect).")] = None,
    tag: Annotated[list[str] | None, typer.Option("--tag", help="key:value or a word; repeatable.")] = None,
    build: Annotated[str | None, typer.Option(help="Build number or version.")] = None,
    os_name: Annotated[str | None, typer.Option("--os", help="Operating system.")] = None,
    platform: Annotated[str | None, typer.Option(help="Platform tested.")] = None,
    smart: Annotated[bool, typer.Option("--smart/--no-smart", help="Restructure the tree (default on).")] = True,
    merge_containers: Annotated[
        bool, typer.Option("--merge-containers", help="Same-titled top containers of several files become one.")
    ] = False,
    ignore_empty_report: Annotated[
        bool, typer.Option("--ignore-empty-report", help="A file with no tests makes an empty report, not an error.")
    ] = False,
    url: Annotated[str | None, typer.Option(help="Import into a remote Assay server at this base URL.")] = None,
    api_key: Annotated[str | None, typer.Option("--api-key", envvar="ASSAY_API_KEY", help="Key for --url.")] = None,
) -> None:
    """Import result files into the local database, or into a remote server with --url."""
    raw = _options(tag or [], build, os_name, platform, smart, merge_containers, ignore_empty_report)
    if url:
        _import_remote(files, url, api_key, profile, format_name, raw)
        return
    from assay.services.import_options import parse_options
    from assay.services.imports import ImportRequest, UploadedFile, run_import

    runtime = _runtime()
    uploads = [UploadedFile(name=f.name, path=f, size=f.stat().st_size) for f in files]
    try:
        request = ImportRequest(
            profile_id=profile, files=uploads, format=format_name, options=parse_options(raw), api="cli"
        )
    except Exception as error:  # InvalidInputError from options
        _fail(str(error))
    total = sum(u.size for u in uploads)
    with Progress(
        TextColumn("importing"),
        BarColumn(),
        DownloadColumn(),
        TimeRemainingColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    ) as progress:
        task = progress.add_task("import", total=total)
        request.progress = lambda n: progress.advance(task, n)
        from assay.errors import AssayError

        try:
            outcome = run_import(runtime, request)
        except AssayError as error:
            _fail(error.message)
    if not outcome.ok:
        assert outcome.error is not None
        _fail(f"{outcome.error.message} (import {outcome.import_id})")
    report = outcome.report or {}
    typer.echo(
        f"report {report['key']} ({report['id']}): {report['count_total']} tests, {report['count_passed']} passed, "
        f"{report['count_failed']} failed, {report['count_broken']} broken, {report['count_skipped']} skipped, "
        f"{report['count_unknown']} unknown"
    )


def _import_remote(
    files: list[Path], url: str, api_key: str | None, profile: int, format_name: str | None, raw: dict[str, list[str]]
) -> None:
    import httpx

    if not api_key:
        _fail("--url needs --api-key (or ASSAY_API_KEY)")
    endpoint = f"{url.rstrip('/')}/api/v2/profile/{profile}/report/import" + (f"/{format_name}" if format_name else "")
    handles = [f.open("rb") for f in files]
    try:
        response = httpx.post(
            endpoint,
            headers={"x-api-key": api_key or ""},
            data={k: v for k, v in raw.items() if v},
            files=[("file[]", (f.name, h)) for f, h in zip(files, handles, strict=True)],
            timeout=600,
        )
    except httpx.HTTPError as error:
        _fail(f"could not reach {endpoint}: {error}")
    finally:
        for handle in handles:
            handle.close()
    try:
        body = response.json()
    except ValueError:
        _fail(f"{endpoint} answered {response.status_code} without JSON")
    if response.status_code != 200:
        _fail(f"{response.status_code}: {body.get('error', {}).get('message', body)}")
    report = body["report"]
    typer.echo(
        f"report {report['key']} ({report['url']}): {report['count_total']} tests, "
        f"{report['count_failed']} failed, {report['count_broken']} broken"
    )


@app.command()
def detect(file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)]) -> None:
    """Print the name of the file's format (e.g. junit), from its first bytes."""
    from assay.errors import AssayError
    from assay.formats import HEAD_SIZE
    from assay.formats import detect as detect_format

    with file.open("rb") as handle:
        head = handle.read(HEAD_SIZE)
    try:
        typer.echo(detect_format(head, file.name).name)
    except AssayError as error:
        _fail(error.message, 2)


@app.command()
def convert(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    to: Annotated[str, typer.Option("--to", help="calliope-json or junit")],
    format_name: Annotated[str | None, typer.Option("--format", help="Input format (default: detect).")] = None,
    smart: Annotated[bool, typer.Option("--smart/--no-smart")] = True,
) -> None:
    """Convert a result file to Calliope JSON or JUnit XML on stdout. Stores nothing."""
    from assay.errors import AssayError
    from assay.services.convert import convert_file

    try:
        for chunk in convert_file(file, to, format_name, smart):
            sys.stdout.buffer.write(chunk)
    except AssayError as error:
        _fail(error.message)
    sys.stdout.buffer.flush()


@app.command()
def export(
    report: Annotated[str, typer.Argument(help="Report id or key (DEMO-12).")],
    to: Annotated[str, typer.Option("--to", help="calliope-json or junit")] = "calliope-json",
) -> None:
    """Write a stored report to stdout as Calliope JSON or JUnit XML."""
    from assay.errors import AssayError
    from assay.services.reports import export_report, find_report
    from assay.store import read_transaction

    runtime = _runtime()
    try:
        with read_transaction(runtime.engine) as connection:
            body = export_report(connection, find_report(connection, report), to)
    except AssayError as error:
        _fail(error.message)
    sys.stdout.buffer.write(body)
    sys.stdout.buffer.flush()


@app.command()
def formats() -> None:
    """List the formats Assay reads (names for --format and the import URLs)."""
    from assay.formats import all_formats

    table = Table("name", "origin", "title", "aliases")
    for fmt in all_formats():
        table.add_row(fmt.name, fmt.origin, fmt.title, ", ".join(fmt.aliases))
    Console(width=120).print(table)


def main() -> None:
    app()
