"""Benchmark: voucher redemptions per second on PostgreSQL, next to pgbench on the same machine.

Claim measured: how many complete redemptions (the provider submits an invoice, which
holds the voucher's share, then the enterprise confirms, which captures it into the
provider's receivable: two transactions through ``rainforest.vouchers.services``) the
platform commits per second with 1, 8 and 32 concurrent clients, against the TPS that
``pgbench`` gets on the same server in the same run for the simplest contended write: a
custom script updating one row. The ratio says how much of the database's own ceiling
for a serialised write the ledger's checks, locks, postings and audit chain leave.

Every client is a separate process (so the Python work runs on every core, not behind
one GIL) with its own connection, redeeming against its own voucher; all vouchers belong
to one provider, so the confirmations meet on that provider's receivable account, and
every transaction meets on the audit chain's head row. That shared head is the design:
one hash chain, appended in order. pgbench's single row is the same kind of hot spot.

Run:  DATABASE_URL=postgres://postgres@127.0.0.1:5432/rf_vouchers \\
      .venv/bin/python benchmarks/ledger.py [--seconds 10] [--clients 1,8,32]

It creates a separate database ``<name>_bench`` (``rf_vouchers_bench`` above), and drops it
afterwards. Results go to ``benchmarks/results/ledger.{json,md}``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import multiprocessing as mp
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
PGBENCH_PATHS = ("/usr/lib/postgresql/15/bin/pgbench",)

# The same database handling as every benchmark.
from cases_list import _redact, bench_database, setup_django  # noqa: E402


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="measured time per run")
    parser.add_argument("--clients", default="1,8,32", help="client counts, comma-separated")
    return parser.parse_args()


# -- the platform side --------------------------------------------------------------------


def seed(vouchers: int) -> dict[str, Any]:
    """A budget, one approved provider, one enterprise, and ``vouchers`` vouchers."""
    from django.utils import timezone

    from rainforest.accounts.models import Membership, Organisation, OrganisationKind, User
    from rainforest.core.ids import make_uscc
    from rainforest.vouchers import services

    def user(name: str, org: Organisation, role: str) -> User:
        u = User.objects.create(username=name)
        Membership.objects.create(user=u, organisation=org, role=role)
        return u

    bureau = Organisation.objects.create(
        name="科技局", kind=OrganisationKind.AGENCY, uscc=make_uscc("11440300000000001")
    )
    officer = user("officer", bureau, "programme_officer")
    provider_org = Organisation.objects.create(
        name="算力服务商", kind=OrganisationKind.PROVIDER, uscc=make_uscc("91440300000000901")
    )
    provider_user = user("provider", provider_org, "provider")
    firm = Organisation.objects.create(
        name="企业", kind=OrganisationKind.ENTERPRISE, uscc=make_uscc("91440300000000101")
    )
    applicant = user("applicant", firm, "applicant")
    year = timezone.localdate().year
    services.budget_open(voucher_type="compute", year=year, actor=officer)
    provider = services.provider_register(
        actor=provider_user,
        organisation=provider_org,
        voucher_types=["compute"],
        legal_representative="王五",
        shareholders=[],
        services="算力",
        price_list="每卡时 8 元",
        bank_name="银行",
        bank_account="6225881234567890",
    )
    services.provider_approve(provider=provider, actor=officer)
    ids = []
    for _ in range(vouchers):
        application = services.application_submit(
            actor=applicant,
            enterprise=firm,
            provider=provider,
            voucher_type="compute",
            year=year,
            amount=Decimal("100000"),
            planned_use="训练",
            contract_reference="HT",
            legal_representative="张三",
            shareholders=[],
        )
        ids.append(services.application_approve(application=application, actor=officer).pk)
    return {"vouchers": ids, "provider_user": provider_user.pk, "applicant": applicant.pk}


def _client(args: tuple[int, int, int, int, float, float]) -> tuple[int, int, list[float]]:
    """One client process: redeem and confirm against its voucher until ``stop_at``."""
    index, voucher_id, provider_user_id, applicant_id, start_at, stop_at = args
    from django.db import connections
    from django.utils import timezone

    from rainforest.accounts.models import User
    from rainforest.vouchers import services
    from rainforest.vouchers.models import Voucher

    connections.close_all()  # never share the parent's connection
    provider_user = User.objects.get(pk=provider_user_id)
    applicant = User.objects.get(pk=applicant_id)
    voucher = Voucher.objects.get(pk=voucher_id)
    today = timezone.localdate()
    done = refused = 0
    latencies: list[float] = []
    n = 0
    while time.time() < start_at:
        time.sleep(0.001)
    while time.time() < stop_at:
        n += 1
        began = time.perf_counter()
        try:
            r = services.redemption_submit(
                actor=provider_user,
                voucher=voucher,
                invoice_number=f"{index:04d}{n:012d}",
                invoice_amount=Decimal("2.00"),
                invoice_date=today,
                period_start=today,
                period_end=today,
                usage_evidence="bench",
            )
            services.redemption_confirm(redemption=r, actor=applicant)
        except Exception:  # counted: a benchmark reports refusals rather than stopping
            refused += 1
        else:
            done += 1
            latencies.append(time.perf_counter() - began)
    connections.close_all()
    return done, refused, latencies


def redemptions_per_second(
    seed_ids: dict[str, Any], clients: int, seconds: float
) -> dict[str, Any]:
    from django.db import connections

    connections.close_all()
    ctx = mp.get_context("fork")
    start_at = time.time() + 1.0 + clients * 0.05
    stop_at = start_at + seconds
    jobs = [
        (
            i,
            seed_ids["vouchers"][i],
            seed_ids["provider_user"],
            seed_ids["applicant"],
            start_at,
            stop_at,
        )
        for i in range(clients)
    ]
    with ctx.Pool(clients) as pool:
        results = pool.map(_client, jobs)
    done = sum(r[0] for r in results)
    refused = sum(r[1] for r in results)
    latencies = sorted(x for r in results for x in r[2])
    median = latencies[len(latencies) // 2] * 1000 if latencies else None
    p95 = latencies[int(len(latencies) * 0.95)] * 1000 if latencies else None
    return {
        "clients": clients,
        "redemptions": done,
        "refused": refused,
        "seconds": seconds,
        "per_second": round(done / seconds, 1),
        "median_ms": round(median, 2) if median else None,
        "p95_ms": round(p95, 2) if p95 else None,
    }


def verify() -> list[str]:
    from rainforest.audit.services import audit_verify
    from rainforest.ledger.selectors import verify_ledger

    problems = verify_ledger()
    if audit_verify() is not None:
        problems.append("audit chain broken")
    return problems


# -- pgbench --------------------------------------------------------------------------------


def pgbench_path() -> str:
    found = shutil.which("pgbench") or next((p for p in PGBENCH_PATHS if Path(p).exists()), None)
    if not found:
        sys.exit("pgbench is missing: install postgresql-client (or postgresql-15)")
    return found


def pgbench_tps(url: str, clients: int, seconds: float, workdir: Path) -> dict[str, Any]:
    """``UPDATE bench_row SET n = n + 1 WHERE id = 1`` from ``clients`` clients."""
    parts = urlsplit(url)
    script = workdir / "update_one_row.sql"
    script.write_text("UPDATE bench_row SET n = n + 1 WHERE id = 1;\n", encoding="utf-8")
    env = {**os.environ, "PGPASSWORD": parts.password or ""}
    command = [
        pgbench_path(),
        "-n",
        "-f",
        str(script),
        "-c",
        str(clients),
        "-j",
        str(min(clients, os.cpu_count() or 1)),
        "-T",
        str(max(int(seconds), 1)),
        "-h",
        parts.hostname or "127.0.0.1",
        "-p",
        str(parts.port or 5432),
        "-U",
        parts.username or "postgres",
        parts.path.lstrip("/"),
    ]
    out = subprocess.run(command, capture_output=True, text=True, env=env, check=True).stdout
    match = re.search(r"tps = ([0-9.]+) \(without initial connection time\)", out)
    if match is None:
        match = re.search(r"tps = ([0-9.]+)", out)
    assert match is not None, out
    return {
        "clients": clients,
        "tps": round(float(match.group(1)), 1),
        "command": " ".join(command[:11]),
    }


def prepare_pgbench_table() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE bench_row (id integer PRIMARY KEY, n bigint NOT NULL)")
        cursor.execute("INSERT INTO bench_row VALUES (1, 0)")


# -- the report ---------------------------------------------------------------------------


def machine() -> dict[str, Any]:
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
        cursor.execute("show server_version")
        db_version = f"PostgreSQL {cursor.fetchone()[0]}"
        cursor.execute("show synchronous_commit")
        sync = cursor.fetchone()[0]
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "ram_gib": ram_gib,
        "python": platform.python_version(),
        "django": django.get_version(),
        "database": db_version,
        "synchronous_commit": sync,
        # Other work on the machine skews every number here; the load says how much there was.
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "pgbench": subprocess.run(
            [pgbench_path(), "--version"], capture_output=True, text=True, check=False
        ).stdout.strip(),
    }


def write_report(result: dict[str, Any]) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "ledger.json").write_text(
        json.dumps(result, ensure_ascii=False, indent=2, default=str) + "\n", encoding="utf-8"
    )
    m = result["machine"]
    lines = [
        "# Voucher redemptions per second vs pgbench single-row update (PostgreSQL)",
        "",
        f"- Date: {result['date']}",
        f"- Machine: {m['nproc']} CPUs ({m['cpu']}), {m['ram_gib']} GiB RAM; Python {m['python']}, "
        f"Django {m['django']}, {m['database']} (synchronous_commit={m['synchronous_commit']}); {m['pgbench']}; "
        f"load average at start {m['load_average_at_start']}",
        f"- Command: `{result['command']}`",
        "- Redemption: `redemption_submit` (hold the voucher's share) + `redemption_confirm` "
        "(capture into the provider's receivable): two transactions, each with ledger postings, "
        "idempotency keys, row locks and hash-chained audit records. One client = one process "
        "with its own connection and its own voucher; one provider for all.",
        "- pgbench: custom script `UPDATE bench_row SET n = n + 1 WHERE id = 1;`, same clients, "
        f"same server, same run, {result['seconds']:g} s each.",
        "",
        "| clients | redemptions/s | median (ms) | p95 (ms) | pgbench TPS | ratio |",
        "| ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in result["runs"]:
        lines.append(
            f"| {row['clients']} | {row['redemptions_per_second']:.1f} | {row['median_ms']} | "
            f"{row['p95_ms']} | {row['pgbench_tps']:.1f} | {row['ratio']:.4f} |"
        )
    lines += [
        "",
        "Ratio = redemptions per second ÷ pgbench TPS. A redemption is two transactions of "
        "about 25 statements each (23 to submit, 26 to confirm, savepoints included), against "
        "pgbench's one statement; the audit chain's head row "
        "is written by every transaction, so redemptions, like the pgbench row, are serialised "
        "on one row and do not scale with clients.",
        "",
        f"Ledger and audit chain verified after the runs: {result['verified'] or 'consistent'}.",
        "",
    ]
    (RESULTS / "ledger.md").write_text("\n".join(lines), encoding="utf-8")


def main() -> None:
    args = parse_args()
    sys.path.insert(0, str(ROOT / "src"))
    counts = [int(c) for c in args.clients.split(",") if c.strip()]
    original = os.environ.get("DATABASE_URL", "")
    with bench_database(), tempfile.TemporaryDirectory() as tmp:
        url = os.environ["DATABASE_URL"]
        setup_django()
        print(f"seeding {max(counts)} vouchers…", flush=True)
        ids = seed(max(counts))
        prepare_pgbench_table()
        info = machine()
        runs = []
        for clients in counts:
            ours = redemptions_per_second(ids, clients, args.seconds)
            theirs = pgbench_tps(url, clients, args.seconds, Path(tmp))
            ratio = ours["per_second"] / theirs["tps"] if theirs["tps"] else 0.0
            runs.append(
                {
                    "clients": clients,
                    "redemptions_per_second": ours["per_second"],
                    "redemptions": ours["redemptions"],
                    "refused": ours["refused"],
                    "median_ms": ours["median_ms"],
                    "p95_ms": ours["p95_ms"],
                    "pgbench_tps": theirs["tps"],
                    "ratio": round(ratio, 4),
                }
            )
            print(
                f"{clients:>3} clients: {ours['per_second']:8.1f} redemptions/s "
                f"({ours['refused']} refused), pgbench {theirs['tps']:9.1f} TPS, "
                f"ratio {ratio:.4f}",
                flush=True,
            )
        problems = verify()
    result = {
        "date": datetime.now().astimezone().isoformat(timespec="seconds"),
        "command": f"DATABASE_URL={_redact(original)} .venv/bin/python benchmarks/ledger.py "
        f"--seconds {args.seconds:g} --clients {args.clients}",
        "seconds": args.seconds,
        "machine": info,
        "runs": runs,
        "verified": "; ".join(problems),
    }
    write_report(result)
    print(f"wrote {RESULTS / 'ledger.md'}")


if __name__ == "__main__":
    main()
