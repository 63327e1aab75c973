"""Benchmark: the overdue case list against a bare endpoint, on the real server.

Claim: with 100,000 cases, ``GET /api/v1/cases?sla=overdue`` (first page, by due date)
answers within 3x the time of ``GET /api/v1/health`` (constant JSON, no auth, no
database), because "overdue" is an indexed query (``case_running_due_idx``) and not a
scan, and the per-request work is small (the list's and the token's SQL are compiled
once per shape, ``rainforest.compiled``).

Run:  .venv/bin/python benchmarks/cases_list.py [--cases 100000] [--requests 300]

Without ``DATABASE_URL`` it uses a fresh SQLite database in a temporary directory. With
``DATABASE_URL`` (PostgreSQL) it creates a separate database ``<name>_bench``, and drops
it afterwards. Cases are written with ``bulk_create``, not through the services: the
list reads only the ``Case`` row and its owner, and the services would take hours for
100,000 cases with timelines and audit entries. Results go to
``benchmarks/results/cases_list[_postgres].{json,md}``.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import platform
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from tqdm import tqdm

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
TARGET_RATIO = 3.0
WARM_UP = 20
BANKS = 200
LIST_PATH = "/api/v1/cases?sla=overdue"
BARE_PATH = "/api/v1/health"

# Share of each state among the seeded cases: most are long closed, a tenth overdue.
SHARES = {
    "closed": 0.55,
    "paused": 0.05,
    "overdue": 0.10,
    "due_soon": 0.10,
    "on_time": 0.20,
}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=100_000, help="cases to seed")
    parser.add_argument("--requests", type=int, default=300, help="measured requests of each kind")
    parser.add_argument("--threads", type=int, default=4, help="server threads")
    return parser.parse_args()


# -- the database -------------------------------------------------------------------------


def _redact(url: str) -> str:
    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return urlunsplit(parts._replace(netloc=netloc))
    return url


@contextlib.contextmanager
def bench_database(workdir: Path | None = None, name: str | None = None) -> Iterator[str]:
    """Point the environment at a fresh database; yield its kind; remove it after.

    Without ``DATABASE_URL``: a SQLite file in ``workdir``. With it: a PostgreSQL database
    ``name`` (default ``<the URL's database>_bench``) beside the given one, dropped after.
    Every benchmark script uses this one.
    """
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        if workdir is None:
            raise SystemExit("this benchmark needs PostgreSQL: set DATABASE_URL=postgres://...")
        os.environ["RAINFOREST_DATA_DIR"] = str(workdir)
        yield "sqlite"
        return
    import psycopg

    parts = urlsplit(url)
    name = name or (parts.path.lstrip("/") or "rainforest") + "_bench"
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    bench_url = urlunsplit(parts._replace(path=f"/{name}"))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    os.environ["DATABASE_URL"] = bench_url
    try:
        yield "postgres"
    finally:
        from django.db import connections

        connections.close_all()
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        os.environ["DATABASE_URL"] = url


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rainforest.settings")
    # The server runs without DEBUG, as in production: no query log, no debug pages.
    os.environ["DEBUG"] = "0"
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def _workdays_back(today: date, count: int) -> list[date]:
    """Today (index 0) and the working days before it, most recent first."""
    from rainforest.cases.calendar import get_calendar

    cal = get_calendar()
    days = [today]
    day = today
    while len(days) <= count:
        day -= timedelta(days=1)
        if cal.is_workday(day):
            days.append(day)
    return days


def seed(n_cases: int, rng: random.Random) -> dict[str, Any]:
    """Banks, a filer, a staff member with an API token, and ``n_cases`` pledge cases."""
    from django.db import connection, transaction
    from django.utils import timezone

    from rainforest.accounts.models import (
        ApiToken,
        Membership,
        Organisation,
        OrganisationKind,
        User,
    )
    from rainforest.accounts.roles import Role
    from rainforest.cases import registry
    from rainforest.cases.calendar import get_calendar
    from rainforest.cases.models import Case, CaseStatus
    from rainforest.core.ids import make_uscc
    from rainforest.finance import domain

    defn = registry.get("ip_pledge")
    fingerprint = defn.fingerprint()
    limit = defn.stage("review").time_limit_workdays or 2
    cal = get_calendar()
    tz = timezone.get_current_timezone()
    now = timezone.now()
    today = timezone.localtime(now).date()
    back = _workdays_back(today, 260)
    due_by_day: dict[date, datetime] = {}
    # Real cases carry the decision taken when filed (reasons, citations), so the rows
    # the list reads are as wide as in use.
    params = domain.parameters_on(today)
    decisions = [
        domain.decide_inclusive(Decimal(amount), params).to_dict()
        for amount in ("3000000", "8000000", "20000000", "35000000", "60000000")
    ]

    def due_after(created: datetime) -> datetime:
        day = timezone.localtime(created).date()
        if day not in due_by_day:
            due_by_day[day] = cal.end_of_workday_after(created, limit).value
        return due_by_day[day]

    def created_on(day: date) -> datetime:
        start = datetime.combine(day, datetime.min.time(), tzinfo=tz)
        moment = start + timedelta(seconds=rng.randint(9 * 3600, 18 * 3600))
        if moment >= now:
            moment = now - timedelta(seconds=rng.randint(60, 3600))
        return moment

    with transaction.atomic():
        bureau = Organisation.objects.create(
            name="科技局（基准测试）",
            kind=OrganisationKind.AGENCY,
            uscc=make_uscc("11440300BENCH0000"),
        )
        banks = Organisation.objects.bulk_create(
            Organisation(
                name=f"基准测试银行{i:03d}",
                kind=OrganisationKind.BANK,
                uscc=make_uscc(f"91440300B{i:08d}"),
            )
            for i in range(BANKS)
        )
        filer = User.objects.create(username="bench_bank", display_name="基准经办")
        Membership.objects.create(user=filer, organisation=banks[0], role=Role.BANK_OFFICER)
        staff = User.objects.create(username="bench_officer", display_name="基准审查")
        Membership.objects.create(user=staff, organisation=bureau, role=Role.PROGRAMME_OFFICER)
        raw_token = f"rf_bench_{rng.getrandbits(128):032x}"
        ApiToken.objects.create(user=staff, name="benchmark", key_hash=ApiToken.hash_key(raw_token))

    states = list(SHARES)
    weights = [SHARES[s] for s in states]
    batch: list[Case] = []
    year = today.year
    with tqdm(total=n_cases, desc="seeding cases", unit="case") as bar:
        for i in range(1, n_cases + 1):
            state = rng.choices(states, weights)[0]
            fields: dict[str, Any] = {"status": CaseStatus.OPEN, "stage": "review"}
            if state == "on_time":
                created = created_on(back[0])
            elif state == "due_soon":
                created = created_on(back[rng.randint(1, limit)])
            elif state == "overdue":
                created = created_on(back[rng.randint(limit + 1, 40)])
            elif state == "paused":
                created = created_on(back[rng.randint(1, 15)])
                fields.update(
                    stage="correction",
                    paused_at=min(created + timedelta(hours=rng.randint(1, 30)), now),
                    paused_from="review",
                )
            else:
                created = created_on(back[rng.randint(limit + 1, 260)])
                fields.update(
                    status=CaseStatus.CLOSED,
                    stage="registered",
                    outcome="registered",
                    closed_at=created + timedelta(hours=rng.randint(2, 40)),
                )
            due = None if state == "closed" else due_after(created)
            batch.append(
                Case(
                    number=f"IPR-{year}-{i:06d}",
                    process_code=defn.code,
                    process_version=defn.version,
                    process_fingerprint=fingerprint,
                    title=f"基准企业{i:06d}有限公司 知识产权质押登记",
                    owner_org=banks[rng.randrange(BANKS)],
                    created_by=filer,
                    created_at=created,
                    stage_entered_at=fields.get("paused_at") or created,
                    due_at=due,
                    decision=rng.choice(decisions),
                    **fields,
                )
            )
            if len(batch) >= 5000:
                Case.objects.bulk_create(batch)
                bar.update(len(batch))
                batch = []
        if batch:
            Case.objects.bulk_create(batch)
            bar.update(len(batch))
    with connection.cursor() as cursor:
        # Fresh statistics for the planner, as autovacuum (PostgreSQL) or
        # ``PRAGMA optimize`` (SQLite) would have in a database that has been in use.
        cursor.execute("ANALYZE")
    return {"token": raw_token, "staff_id": staff.pk, "now": now}


def sla_counts(now: datetime) -> dict[str, int]:
    from rainforest.cases.models import Case
    from rainforest.cases.selectors import Sla, sla_q

    return {s.value: Case.objects.filter(sla_q(s, now)).count() for s in Sla}


def profile_query(staff_id: int) -> dict[str, Any]:
    """The list query's plan, and its cost in-process (no HTTP, no serialisation).

    ``compile_median_ms`` is what building and compiling the query with the ORM costs;
    ``query_median_ms`` is the page as the endpoint reads it (``case_list_rows``: the SQL
    compiled once for this shape and re-run with the current time).
    """
    from django.db import connection

    from rainforest.accounts.models import User
    from rainforest.cases.api import _LIST_COLUMNS
    from rainforest.cases.selectors import Sla, case_list, case_list_rows

    staff = User.objects.get(pk=staff_id)

    def orm_query() -> Any:
        return case_list(staff, sla=Sla.OVERDUE).values(*_LIST_COLUMNS)[:51]

    sql, params = orm_query().query.sql_with_params()
    plan = orm_query().explain()
    compiling, running = [], []
    for _ in range(50):
        start = time.perf_counter()
        orm_query().query.sql_with_params()
        compiling.append((time.perf_counter() - start) * 1000)
        start = time.perf_counter()
        case_list_rows(staff, _LIST_COLUMNS, start=0, stop=51, sla=Sla.OVERDUE)
        running.append((time.perf_counter() - start) * 1000)
    index = next((i for i in ("case_running_due_idx", "case_sla_idx") if i in plan), "none")
    return {
        "vendor": connection.vendor,
        "sql": sql % tuple(repr(p) for p in params),
        "plan": plan,
        "index": index,
        "compile_median_ms": round(statistics.median(compiling), 3),
        "query_median_ms": round(statistics.median(running), 3),
    }


# -- the server and the client ------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(port: int, threads: int, log: Path) -> subprocess.Popen[bytes]:
    exe = Path(sys.executable).with_name("rainforest")
    cmd = [str(exe), "serve", "--port", str(port), "--threads", str(threads)]
    with log.open("wb") as out:
        return subprocess.Popen(cmd, env=dict(os.environ), stdout=out, stderr=subprocess.STDOUT)


def wait_healthy(port: int, server: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server exited with {server.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", BARE_PATH)
            if conn.getresponse().status == 200:
                conn.close()
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"the server did not answer {BARE_PATH} within {timeout:.0f} s")


def stop_server(server: subprocess.Popen[bytes]) -> None:
    if server.poll() is None:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


class Client:
    """One keep-alive connection; ``get`` returns (status, body, seconds)."""

    def __init__(self, port: int, token: str) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.auth = {"Authorization": f"Bearer {token}"}

    def get(self, path: str, *, auth: bool) -> tuple[int, bytes, float]:
        start = time.perf_counter()
        self.conn.request("GET", path, headers=self.auth if auth else {})
        response = self.conn.getresponse()
        body = response.read()
        return response.status, body, time.perf_counter() - start

    def close(self) -> None:
        self.conn.close()


def check_list(status: int, body: bytes) -> int:
    """Abort unless the page is overdue cases sorted by due date; returns the item count."""
    if status != 200:
        raise SystemExit(f"{LIST_PATH} answered {status}: {body[:300]!r}")
    page = json.loads(body)
    items = page["items"]
    if not items:
        raise SystemExit("the overdue list is empty: the seeding did not make overdue cases")
    if any(item["sla"] != "overdue" for item in items):
        raise SystemExit("the overdue list has cases that are not overdue")
    keys = [(datetime.fromisoformat(i["due_at"]), i["id"]) for i in items]
    if keys != sorted(keys):
        raise SystemExit("the overdue list is not sorted by due date")
    now = datetime.now(UTC)
    if any(due >= now for due, _ in keys):
        raise SystemExit("the overdue list has a case due in the future")
    return len(items)


def measure(client: Client, n: int) -> tuple[list[float], list[float]]:
    """Warm up, then alternate list and bare requests so both meet the same conditions."""
    for _ in range(WARM_UP):
        client.get(LIST_PATH, auth=True)
        client.get(BARE_PATH, auth=False)
    listed: list[float] = []
    bare: list[float] = []
    for _ in tqdm(range(n), desc="measuring (list, bare)", unit="pair"):
        status, body, seconds = client.get(LIST_PATH, auth=True)
        if status != 200:
            raise SystemExit(f"{LIST_PATH} answered {status}")
        listed.append(seconds * 1000)
        status, body, seconds = client.get(BARE_PATH, auth=False)
        if status != 200 or json.loads(body) != {"status": "ok"}:
            raise SystemExit(f"{BARE_PATH} answered {status}: {body[:100]!r}")
        bare.append(seconds * 1000)
    return listed, bare


def summary(ms: list[float]) -> dict[str, float]:
    cuts = statistics.quantiles(ms, n=100, method="inclusive")
    return {
        "median_ms": round(statistics.median(ms), 3),
        "p95_ms": round(cuts[94], 3),
        "mean_ms": round(statistics.fmean(ms), 3),
        "min_ms": round(min(ms), 3),
        "max_ms": round(max(ms), 3),
    }


# -- the report ---------------------------------------------------------------------------


def machine(database: str) -> dict[str, Any]:
    import django
    from django.db import connection

    cpu = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    ram_gib = None
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                ram_gib = round(int(line.split()[1]) / 1024 / 1024, 1)
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("select sqlite_version()")
            db_version = f"SQLite {cursor.fetchone()[0]}"
        else:
            cursor.execute("show server_version")
            db_version = f"PostgreSQL {cursor.fetchone()[0]}"
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "ram_gib": ram_gib,
        "python": platform.python_version(),
        "django": django.get_version(),
        "database": db_version,
        "database_kind": database,
        # Other work on the machine inflates every timing alike; the ratios hold better.
        "load_average_1m": round(os.getloadavg()[0], 2),
    }


def write_report(result: dict[str, Any], suffix: str) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"cases_list{suffix}.json").write_text(
        json.dumps(result, ensure_ascii=False, indent=2, default=str) + "\n", encoding="utf-8"
    )
    m, lst, bare = result["machine"], result["list"], result["bare"]
    met = "met" if result["target_met"] else "NOT met"
    counts = ", ".join(f"{k} {v:,}" for k, v in result["sla_counts"].items())
    plan = result["profile"]["plan"]
    lines = [
        f"# Overdue case list vs bare endpoint ({m['database_kind']})",
        "",
        f"- Date: {result['date']}",
        f"- Machine: {m['nproc']} CPUs ({m['cpu']}), {m['ram_gib']} GiB RAM; "
        f"Python {m['python']}, Django {m['django']}, {m['database']}; load average "
        f"{m.get('load_average_1m', '?')} when the run ended (other work shares the machine)",
        f"- Command: `{result['command']}`",
        f"- Data: {result['cases']:,} ip_pledge cases over {BANKS} banks, written with "
        f"bulk_create (not through the services); by SLA state: {counts}",
        f"- Server: `rainforest serve --threads {result['threads']}` (waitress, DEBUG off); "
        f"client: one keep-alive http.client connection, {WARM_UP} warm-up pairs, then "
        f"{result['requests']} pairs alternating list and bare",
        "",
        "| request | median (ms) | p95 (ms) | mean (ms) |",
        "| --- | ---: | ---: | ---: |",
        f"| `GET {LIST_PATH}` (50 per page, bearer token) | {lst['median_ms']:.2f} "
        f"| {lst['p95_ms']:.2f} | {lst['mean_ms']:.2f} |",
        f"| `GET {BARE_PATH}` (constant JSON) | {bare['median_ms']:.2f} "
        f"| {bare['p95_ms']:.2f} | {bare['mean_ms']:.2f} |",
        "",
        f"Ratio of medians: **{result['ratio']:.2f}x**; target (within {TARGET_RATIO:.0f}x "
        f"the bare endpoint): **{met}**.",
        "",
        f"The page as the endpoint reads it, in-process (SQL compiled once per shape, "
        f"re-run with the current time): {result['profile']['query_median_ms']:.2f} ms "
        f"median; building and compiling the same query with the ORM each time would add "
        f"{result['profile']['compile_median_ms']:.2f} ms. Index used: "
        f"`{result['profile']['index']}`.",
        "",
        "```",
        plan,
        "```",
        "",
    ]
    path = RESULTS / f"cases_list{suffix}.md"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def main() -> None:
    args = parse_args()
    sys.path.insert(0, str(ROOT / "src"))
    given_url = os.environ.get("DATABASE_URL", "")
    command = " ".join(
        ([f"DATABASE_URL={_redact(given_url)}"] if given_url else [])
        + [".venv/bin/python", "benchmarks/cases_list.py", f"--cases {args.cases}"]
        + [f"--requests {args.requests}", f"--threads {args.threads}"]
    )
    workdir = Path(tempfile.mkdtemp(prefix="rainforest-bench-"))
    server: subprocess.Popen[bytes] | None = None
    try:
        with bench_database(workdir) as database:
            setup_django()
            print(f"Database: {database}. Cases are written with bulk_create, not the services.")
            seeded = seed(args.cases, random.Random(20251029))
            counts = sla_counts(datetime.now(UTC))
            print("Cases by SLA state:", counts)
            profile = profile_query(seeded["staff_id"])
            print(
                f"List page in-process: {profile['query_median_ms']} ms median "
                f"(ORM compile alone: {profile['compile_median_ms']} ms)"
            )
            print(profile["plan"])
            info = machine(database)

            from django.db import connections

            connections.close_all()
            port = free_port()
            server = start_server(port, args.threads, workdir / "server.log")
            wait_healthy(port, server)
            client = Client(port, seeded["token"])
            try:
                status, body, _ = client.get(LIST_PATH, auth=True)
                shown = check_list(status, body)
                print(f"Sanity check passed: {shown} overdue cases, sorted by due date.")
                listed, bare = measure(client, args.requests)
            finally:
                client.close()
                stop_server(server)
    finally:
        if server is not None:
            stop_server(server)
        shutil.rmtree(workdir, ignore_errors=True)

    lst, bare_s = summary(listed), summary(bare)
    ratio = lst["median_ms"] / bare_s["median_ms"]
    result = {
        "date": datetime.now().astimezone().isoformat(timespec="seconds"),
        "command": command,
        "cases": args.cases,
        "requests": args.requests,
        "threads": args.threads,
        "seeding": "bulk_create (not through the services)",
        "sla_counts": counts,
        "machine": info,
        "list": lst,
        "bare": bare_s,
        "ratio": round(ratio, 3),
        "target_ratio": TARGET_RATIO,
        "target_met": ratio <= TARGET_RATIO,
        "profile": profile,
    }
    path = write_report(result, "_postgres" if database == "postgres" else "")
    print(
        f"list median {lst['median_ms']:.2f} ms (p95 {lst['p95_ms']:.2f}); "
        f"bare median {bare_s['median_ms']:.2f} ms (p95 {bare_s['p95_ms']:.2f}); "
        f"ratio {ratio:.2f}x; target {'met' if result['target_met'] else 'NOT met'}"
    )
    print(f"Written {path} and its .json")


if __name__ == "__main__":
    main()
