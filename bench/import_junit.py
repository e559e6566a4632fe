"""Benchmark: import a ~50 MB JUnit file (about 100k test cases) and compare with two floors.

Floors, measured in the same run on the same file:
  1. parse:        lxml iterparse reading the fields Assay reads (no objects, no storage);
  2. parse+store:  that parse plus one row per test written with sqlite3 executemany (SQLite) or
                   psycopg COPY (PostgreSQL), in one transaction.
Assay: the same file through HTTP (`assay serve`, one POST) and through the CLI (`assay import`),
into SQLite and into PostgreSQL. Prints tests/s, MB/s, peak RSS and the ratio to each floor.

    .venv/bin/python bench/import_junit.py [--mb 50] [--keep]

Needs PostgreSQL at 127.0.0.1:5432 (trust auth) for the PostgreSQL rows (skipped with a note if absent).
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from lxml import etree

PG_ADMIN = os.environ.get("ASSAY_BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")
ASSAY = [sys.executable, "-m", "assay"]


def generate(path: Path, target_mb: float) -> int:
    """Write a realistic Surefire-style file: suites per class, ~8% failures, some errors, skips, output."""
    rng = random.Random(42)
    target = int(target_mb * 1_000_000)
    written = 0
    tests = 0
    with path.open("w", encoding="utf-8") as out:
        out.write('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="bench">\n')
        suite_index = 0
        while written < target:
            suite_index += 1
            package = f"com.acme.module{suite_index % 40}.feature{suite_index % 7}"
            cls = f"{package}.Service{suite_index}Test"
            cases = []
            for case in range(100):
                tests += 1
                name = f"test_case_{case}_{rng.randrange(10**6)}"
                roll = rng.random()
                body = ""
                if roll < 0.08:
                    trace = "\n".join(
                        f"\tat {cls}.method{i}({cls.rsplit('.', 1)[1]}.java:{rng.randrange(900)})" for i in range(14)
                    )
                    body = (
                        f'<failure message="expected:&lt;{case}&gt; but was:&lt;{case + 1}&gt;" '
                        f'type="org.opentest4j.AssertionFailedError">org.opentest4j.AssertionFailedError: '
                        f"expected: &lt;{case}&gt;\n{trace}</failure>"
                    )
                elif roll < 0.10:
                    body = '<error message="NullPointerException" type="java.lang.NullPointerException">npe</error>'
                elif roll < 0.13:
                    body = '<skipped message="disabled"/>'
                if rng.random() < 0.7:
                    lines = "\n".join(
                        f"{i:02d}:00.{rng.randrange(999):03d} INFO [{name}] step {i} done in {rng.randrange(90)} ms"
                        for i in range(4)
                    )
                    body += f"<system-out>{lines}</system-out>"
                cases.append(
                    f'  <testcase name="{name}" classname="{cls}" time="{rng.random():.3f}">{body}</testcase>\n'
                )
            chunk = (
                f'<testsuite name="{cls}" tests="100" time="1.5" timestamp="2026-11-23T10:00:00">\n'
                + "".join(cases)
                + "<system-out>suite output</system-out>\n</testsuite>\n"
            )
            out.write(chunk)
            written += len(chunk.encode())
        out.write("</testsuites>\n")
    return tests


def floor_parse(path: Path) -> list[tuple]:
    rows = []
    for _, element in etree.iterparse(str(path), events=("end",), tag="testcase", resolve_entities=False):
        status, message, text = "passed", None, None
        for child in element:
            if child.tag in ("failure", "error", "skipped"):
                status, message, text = child.tag, child.get("message"), child.text
            elif child.tag == "system-out":
                text = (text or "") + (child.text or "")
        rows.append(
            (
                str(uuid.uuid4()),
                element.get("name"),
                element.get("classname"),
                element.get("time"),
                status,
                message,
                text,
            )
        )
        element.clear()
        while element.getprevious() is not None:
            del element.getparent()[0]
    return rows


def floor_sqlite(path: Path, directory: Path) -> None:
    rows = floor_parse(path)
    db = sqlite3.connect(directory / "floor.sqlite3", isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute(
        "CREATE TABLE t (id TEXT PRIMARY KEY, name TEXT, classname TEXT, time TEXT, status TEXT, "
        "message TEXT, text TEXT)"
    )
    db.execute("BEGIN")
    db.executemany("INSERT INTO t VALUES (?,?,?,?,?,?,?)", rows)
    db.execute("COMMIT")
    db.close()


def floor_postgres(path: Path, dsn: str) -> None:
    import psycopg

    rows = floor_parse(path)
    with psycopg.connect(dsn) as connection:
        connection.execute(
            "CREATE TABLE t (id uuid PRIMARY KEY, name text, classname text, time text, "
            "status text, message text, text text)"
        )
        with connection.cursor() as cursor, cursor.copy("COPY t FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)


def timed(fn, *args) -> float:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    fn(*args)
    return time.perf_counter() - started


# A forked child's peak RSS counts the pages it shared with its parent before exec: measured from
# this (large) process it would include the floors' rows. A small launcher does the fork instead.
_LAUNCHER = """
import os, sys
pid = os.fork()
if pid == 0:
    os.execv(sys.argv[1], sys.argv[1:])
_, status, usage = os.wait4(pid, 0)
print(f"PEAK_RSS_KB={usage.ru_maxrss}", file=sys.stderr)
sys.exit(os.waitstatus_to_exitcode(status))
"""


def peak_rss_mb_of_children_run(cmd: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", _LAUNCHER, *cmd], env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(done.stdout + done.stderr)
    peak_kb = int(done.stderr.rsplit("PEAK_RSS_KB=", 1)[1].split()[0])
    return elapsed, peak_kb / 1024, done.stdout


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def vm_hwm_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def http_import(path: Path, env: dict[str, str]) -> tuple[float, float, int]:
    import httpx

    port = free_port()
    server = subprocess.Popen(
        [*ASSAY, "serve", "--port", str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if httpx.get(f"{base}/health").status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        key = (
            subprocess.run([*ASSAY, "apikey", "create"], env=env, capture_output=True, text=True, check=True)
            .stdout.strip()
            .splitlines()[-1]
        )
        baseline = vm_hwm_mb(server.pid)
        data = path.read_bytes()
        started = time.perf_counter()
        response = httpx.post(
            f"{base}/api/v2/profile/1/report/import/junit",
            content=data,
            headers={"x-api-key": key, "Content-Type": "text/xml"},
            timeout=600,
        )
        elapsed = time.perf_counter() - started
        if response.status_code != 200:
            raise RuntimeError(response.text)
        total = response.json()["report"]["count_total"]
        del baseline
        return elapsed, vm_hwm_mb(server.pid), total
    finally:
        server.terminate()
        server.wait()


def create_pg_database() -> tuple[str, str] | None:
    try:
        import psycopg

        name = f"assay_bench_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(PG_ADMIN, autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        return PG_ADMIN.rsplit("/", 1)[0] + f"/{name}", name
    except Exception as error:  # no PostgreSQL here: the SQLite rows still mean something
        print(f"PostgreSQL unavailable ({error}); PostgreSQL rows skipped")
        return None


def drop_pg_database(name: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mb", type=float, default=50.0, help="size of the generated file in MB (default 50)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="assay-bench-"))
    path = work / "bench-junit.xml"
    tests = generate(path, args.mb)
    size_mb = path.stat().st_size / 1_000_000
    print(
        f"file: {size_mb:.1f} MB, {tests} test cases; python {sys.version.split()[0]}, "
        f"{os.cpu_count()} cores, {os.uname().machine}"
    )

    rows: list[tuple[str, float, float]] = []
    t_parse = timed(floor_parse, path)
    rows.append(("floor: lxml iterparse", t_parse, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024))
    t_sqlite = timed(floor_sqlite, path, work)
    rows.append(("floor: parse + sqlite3 executemany", t_sqlite, float("nan")))
    pg = create_pg_database()
    t_pg = None
    if pg:
        t_pg = timed(floor_postgres, path, pg[0])
        rows.append(("floor: parse + psycopg COPY", t_pg, float("nan")))
        drop_pg_database(pg[1])

    def env_for(database_url: str, name: str) -> dict[str, str]:
        env = {**os.environ, "ASSAY_DATA_DIR": str(work / name), "ASSAY_MAX_UPLOAD_BYTES": str(200 * 1024 * 1024)}
        env["ASSAY_DATABASE_URL"] = database_url
        return env

    assay_rows: list[tuple[str, float, float, float]] = []
    for database in ("sqlite", "postgresql"):
        for via in ("http", "cli"):
            created = None
            url = ""
            if database == "postgresql":
                created = create_pg_database()
                if created is None:
                    continue
                url = created[0].replace("postgresql://", "postgresql+psycopg://")
            env = env_for(url, f"{database}-{via}")
            subprocess.run([*ASSAY, "formats"], env=env, capture_output=True, check=True)  # migrate first
            if via == "http":
                elapsed, rss, total = http_import(path, env)
                assert total == tests, (total, tests)
            else:
                elapsed, rss, _ = peak_rss_mb_of_children_run(
                    [*ASSAY, "import", str(path), "--profile", "1", "--format", "junit"], env
                )
            floor = t_sqlite if database == "sqlite" else t_pg
            assay_rows.append((f"assay {via} -> {database}", elapsed, rss, elapsed / floor if floor else float("nan")))
            if created:
                drop_pg_database(created[1])

    print(f"\n{'what':40} {'seconds':>8} {'tests/s':>10} {'MB/s':>7} {'peak RSS MB':>12} {'x floor':>8}")
    for name, seconds, rss in rows:
        print(f"{name:40} {seconds:8.2f} {tests / seconds:10.0f} {size_mb / seconds:7.1f} {rss:12.0f} {'':>8}")
    for name, seconds, rss, ratio in assay_rows:
        print(f"{name:40} {seconds:8.2f} {tests / seconds:10.0f} {size_mb / seconds:7.1f} {rss:12.0f} {ratio:8.2f}")
    print("\n'x floor' is the ratio to parse + store on the same database; peak RSS of the server or CLI process.")
    if not args.keep:
        import shutil

        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
