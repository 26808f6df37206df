"""The ``policydesk`` command: init, ingest, ask, eval, serve, admin."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from core.errors import DomainError
from core.settings import Settings
from policydesk import benchmarks
from policydesk.runtime import Runtime, ensure_initialised, initialise, open_runtime

Command = Callable[[Runtime, argparse.Namespace], Awaitable[int]]


def _progress(stage: str, done: int, total: int) -> None:
    if total >= 200 and (done == total or done % 200 == 0):
        print(f"{stage}: {done}/{total}", file=sys.stderr, flush=True)


async def cmd_init(rt: Runtime, args: argparse.Namespace) -> int:
    report = await initialise(rt, rebuild=args.rebuild, progress=_progress)
    url = rt.settings.resolved_database_url
    print(f"database: {url.split('@')[-1]}")
    print(
        f"documents added {len(report.added)}, updated {len(report.updated)}, "
        f"unchanged {len(report.unchanged)}"
    )
    print(f"index version: {rt.knowledge.version}")
    for error in report.errors:
        print(f"error: {error}", file=sys.stderr)
    return 1 if report.errors else 0


async def cmd_ingest(rt: Runtime, args: argparse.Namespace) -> int:
    from knowledge.ingest import ingest_paths

    await ensure_initialised(rt)
    async with rt.sessions() as session:
        report = await ingest_paths(session, rt.knowledge, [Path(p) for p in args.paths], _progress)
        await session.commit()
    for kind in ("added", "updated", "unchanged"):
        for name in getattr(report, kind):
            print(f"{kind}: {name}")
    for error in report.errors:
        print(f"refused: {error}", file=sys.stderr)
    if report.version:
        print(f"index version: {report.version}")
    return 1 if report.errors else 0


async def cmd_ask(rt: Runtime, args: argparse.Namespace) -> int:
    await ensure_initialised(rt)
    kb = rt.knowledge
    if args.jsonl:
        for line in sys.stdin:
            question = line.rstrip("\n")
            try:
                out = kb.ask(question).to_json()
            except DomainError as exc:
                out = {"error": exc.message, "answered": False}
            print(json.dumps(out, ensure_ascii=False), flush=True)
        return 0
    if not args.question:
        print("give a question, or --jsonl to read questions from stdin", file=sys.stderr)
        return 2
    answer = kb.ask(" ".join(args.question))
    if args.json:
        print(json.dumps(answer.to_json(), ensure_ascii=False, indent=2))
        return 0
    print(answer.answer)
    print(f"\n(confidence {answer.confidence:.2f})")
    for source in answer.sources[:3]:
        print(f"- [{source.kind}] 《{source.document}》{source.section}")
    return 0


async def cmd_eval(rt: Runtime, args: argparse.Namespace) -> int:
    from knowledge.evaluate import EvalResult, evaluate, load_questions
    from policydesk.corpus_eval import evaluate_corpus, load_corpus

    results: list[tuple[str, str, EvalResult]] = []
    if args.corpus:
        embedder = rt.knowledge.model()
        for folder in args.corpus:
            corpus = load_corpus(Path(folder), args.pack)
            results.append((corpus.name, corpus.pack, await evaluate_corpus(corpus, embedder)))
    if args.file:
        await ensure_initialised(rt)
        questions = load_questions(Path(args.file))
        results.append((Path(args.file).name, rt.settings.pack, evaluate(rt.knowledge, questions)))
    if not results:
        print("give a question file, or --corpus DIR", file=sys.stderr)
        return 2
    if args.json:
        for name, pack, result in results:
            out = {"corpus": name, "pack": pack, **result.summary()}
            out |= {"by_kind": result.by("kind"), "by_style": result.by("style")}
            print(json.dumps(out, ensure_ascii=False))
    else:
        print(eval_table(results))
    if args.misses:
        for name, _, result in results:
            for miss in result.misses:
                print(json.dumps({"corpus": name, **miss}, ensure_ascii=False), file=sys.stderr)
    return 0


def eval_table(results: list[tuple[str, str, Any]]) -> str:
    """Markdown: one row per corpus, then one per question kind and style."""

    def pct(value: float | None) -> str:
        return "–" if value is None else f"{value:.2f}"

    lines = [
        "| corpus | pack | questions | hit@1 | hit@3 | MRR@10 | answerable refused "
        "| off-topic refused | amount/date stated |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name, pack, result in results:
        groups = [(name, result.summary())]
        groups += [(f"{name} · {k}", v) for k, v in result.by("style").items()]
        groups += [(f"{name} · {k}", v) for k, v in result.by("kind").items()]
        for label, s in groups:
            refused = f"{s['refused_in_scope']}/{s['answerable']}"
            stated = pct(s["specific_in_text"])
            lines.append(
                f"| {label} | {pack} | {s['questions']} | {pct(s['hit@1'])} | {pct(s['hit@3'])} "
                f"| {pct(s['mrr@10'])} | {refused} | {pct(s['abstention_out_of_scope'])} "
                f"| {stated} |"
            )
    return "\n".join(lines)


async def cmd_create_token(rt: Runtime, args: argparse.Namespace) -> int:
    from core.tokens import create_token

    async with rt.sessions() as session:
        row, plain = await create_token(session, args.role, args.name)
        await session.commit()
    print(f"token {row.id} ({row.role}) created; it is shown once, store it now:")
    print(plain)
    return 0


async def cmd_revoke_token(rt: Runtime, args: argparse.Namespace) -> int:
    from core.tokens import revoke_token

    async with rt.sessions() as session:
        row = await revoke_token(session, args.id)
        await session.commit()
    print(f"token {row.id} revoked")
    return 0


async def cmd_bot(rt: Runtime, args: argparse.Namespace) -> int:
    from bot.runner import run_polling

    if rt.settings.bot_token is None:
        print("error: set POLICYDESK_BOT_TOKEN to run the bot", file=sys.stderr)
        return 2
    logging.getLogger().setLevel(logging.INFO)
    await ensure_initialised(rt)
    await run_polling(rt)
    return 0


async def cmd_reminders(rt: Runtime, args: argparse.Namespace) -> int:
    """Put due event reminders into the outbox, once or every ``--every`` seconds (the
    delivery workers send them)."""
    from events.reminders import run_due_reminders

    while True:
        report = await run_due_reminders(rt.sessions, rt.outbox)
        print(
            f"reminders: queued {report.sent}, skipped {report.skipped}, unknown {report.unknown}",
            flush=True,
        )
        if not args.every:
            return 0
        await asyncio.sleep(args.every)


def _officer_password(username: str) -> str | None:
    """POLICYDESK_OFFICER_PASSWORD, else typed twice at a prompt; None if they differ."""
    import getpass
    import os

    password = os.environ.get("POLICYDESK_OFFICER_PASSWORD") or ""
    if not password:
        password = getpass.getpass(f"password for {username}: ")
        if password != getpass.getpass("again: "):
            print("the passwords differ", file=sys.stderr)
            return None
    return password


async def cmd_create_officer(rt: Runtime, args: argparse.Namespace) -> int:
    from core.officers import create_officer

    password = _officer_password(args.username)
    if password is None:
        return 2
    async with rt.sessions() as session:
        row = await create_officer(session, args.username, password, args.role)
        await session.commit()
    print(f"officer {row.username} ({row.role}) created; log in at /admin")
    return 0


async def cmd_officer_password(rt: Runtime, args: argparse.Namespace) -> int:
    from core.officers import set_officer_password

    password = _officer_password(args.username)
    if password is None:
        return 2
    async with rt.sessions() as session:
        row = await set_officer_password(session, args.username, password)
        await session.commit()
    print(f"officer {row.username}: new password set; their browser sessions have ended")
    return 0


async def cmd_officer_active(rt: Runtime, args: argparse.Namespace) -> int:
    from core.officers import set_officer_active

    async with rt.sessions() as session:
        row = await set_officer_active(session, args.username, args.active)
        await session.commit()
    state = "may log in" if row.active else "deactivated; their browser sessions have ended"
    print(f"officer {row.username} {state}")
    return 0


async def cmd_worker(rt: Runtime, args: argparse.Namespace) -> int:
    from campaigns.runner import run_worker
    from core.logs import configure_logging

    # A long-running service like `serve`: its log lines in the configured format.
    configure_logging(rt.settings.log_format, rt.settings.log_level)
    await run_worker(
        rt.settings, rt.engine, rt.sessions, rt.transports(), until_idle=args.until_idle
    )
    return 0


async def cmd_wechat_menu(rt: Runtime, args: argparse.Namespace) -> int:
    """Set the Official Account's menu (政策咨询, 活动报名, 政策匹配)."""
    from wechat.client import WeChatApi
    from wechat.config import WeChatConfig
    from wechat.menu import office_menu

    config = WeChatConfig.from_settings(rt.settings)
    if config is None:
        print("WeChat is not configured (POLICYDESK_WECHAT_APP_ID, …_APP_SECRET, …_TOKEN)")
        return 2
    menu = office_menu(args.public_url or rt.settings.public_url)
    api = WeChatApi(config, rt.sessions)
    try:
        await api.create_menu(menu)
    finally:
        await api.close()
    print("menu set: " + ", ".join(button["name"] for button in menu["button"]))
    return 0


def cmd_serve(settings: Settings, args: argparse.Namespace) -> int:
    from policydesk.server import serve

    if args.no_bot:
        # Read by every serving process, including uvicorn's worker processes.
        os.environ["POLICYDESK_BOT_POLLING"] = "false"
    serve(
        settings,
        args.host or settings.host,
        args.port or settings.port,
        args.workers or settings.workers,
    )
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="policydesk", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser(
        "init", help="create or upgrade the database and load the knowledge pack (POLICYDESK_PACK)"
    )
    p.add_argument(
        "--rebuild",
        action="store_true",
        help="rebuild the search index even if nothing changed; after a change of "
        "POLICYDESK_PACK, remove what the earlier pack brought (the office's own documents, "
        "FAQ and rules stay)",
    )
    p.set_defaults(run=cmd_init)

    p = sub.add_parser(
        "ingest",
        help="add policy documents (.txt .md .html .docx .pdf) or FAQ sets (.yaml .csv .xlsx)",
    )
    p.add_argument("paths", nargs="+")
    p.set_defaults(run=cmd_ingest)

    p = sub.add_parser("ask", help="ask a question")
    p.add_argument("question", nargs="*")
    p.add_argument("--json", action="store_true", help="print the answer as JSON")
    p.add_argument(
        "--jsonl", action="store_true", help="read questions from stdin, one JSON answer per line"
    )
    p.set_defaults(run=cmd_ask)

    p = sub.add_parser(
        "eval",
        help="measure answer quality: on this knowledge base with a question file (JSONL), "
        "or on corpus folders, each in a throw-away knowledge base",
    )
    p.add_argument("file", nargs="?", help="questions (JSONL) asked of this knowledge base")
    p.add_argument(
        "--corpus",
        action="append",
        default=[],
        metavar="DIR",
        help="a folder with documents/ and questions.jsonl (repeatable)",
    )
    p.add_argument("--pack", help="the pack a corpus is loaded beside (default: its corpus.yaml)")
    p.add_argument("--json", action="store_true", help="one JSON object per corpus")
    p.add_argument("--misses", action="store_true", help="list the questions missed, on stderr")
    p.set_defaults(run=cmd_eval)

    p = sub.add_parser(
        "serve", help="run the web API, web chat and admin (and the bot when configured)"
    )
    p.add_argument("--host")
    p.add_argument("--port", type=int)
    p.add_argument(
        "--no-bot",
        action="store_true",
        help="do not poll Telegram here (e.g. `policydesk bot` runs elsewhere); "
        "officers' answers are still sent",
    )
    p.add_argument("--workers", type=int, help="uvicorn worker processes (default 1)")
    p.set_defaults(sync=cmd_serve)

    p = sub.add_parser("bot", help="run the Telegram bot with long polling (POLICYDESK_BOT_TOKEN)")
    p.set_defaults(run=cmd_bot)

    p = sub.add_parser(
        "reminders",
        help="queue due event reminders (24 h and 1 h before), each once, for the workers",
    )
    p.add_argument("--every", type=float, default=0, help="keep running, checking every SECONDS")
    p.set_defaults(run=cmd_reminders)

    p = sub.add_parser("wechat-menu", help="set the WeChat Official Account's custom menu")
    p.add_argument("--public-url", help="where people reach the web pages (POLICYDESK_PUBLIC_URL)")
    p.set_defaults(run=cmd_wechat_menu)

    p = sub.add_parser(
        "worker",
        help="deliver the outbox: campaigns, answers, event notices (several may share it)",
    )
    p.add_argument("--until-idle", action="store_true", help="exit once nothing is left to send")
    p.set_defaults(run=cmd_worker)

    p = sub.add_parser("bench", help="list the benchmarks, or run one (from a checkout)")
    p.add_argument("name", nargs="?", help="e.g. ask-latency; none: list them")
    p.add_argument("args", nargs=argparse.REMAINDER, help="passed on to the benchmark")
    p.set_defaults(sync=lambda settings, args: benchmarks.run(args))

    admin = sub.add_parser("admin", help="administration").add_subparsers(
        dest="admin_command", required=True
    )
    p = admin.add_parser(
        "create-token", help="create an admin API token (printed once, as the last line)"
    )
    p.add_argument("--role", choices=["officer", "admin"], required=True)
    p.add_argument("--name", default="")
    p.set_defaults(run=cmd_create_token)
    p = admin.add_parser("revoke-token", help="revoke an admin API token")
    p.add_argument("id", type=int)
    p.set_defaults(run=cmd_revoke_token)
    p = admin.add_parser(
        "create-officer",
        help="add a browser login for /admin (password from a prompt or "
        "POLICYDESK_OFFICER_PASSWORD)",
    )
    p.add_argument("username")
    p.add_argument("--role", choices=["officer", "admin"], default="officer")
    p.set_defaults(run=cmd_create_officer)
    p = admin.add_parser(
        "officer-password",
        help="set an officer's password and end their browser sessions (password from a "
        "prompt or POLICYDESK_OFFICER_PASSWORD)",
    )
    p.add_argument("username")
    p.set_defaults(run=cmd_officer_password)
    p = admin.add_parser(
        "deactivate-officer", help="stop an officer logging in and end their browser sessions"
    )
    p.add_argument("username")
    p.set_defaults(run=cmd_officer_active, active=False)
    p = admin.add_parser("activate-officer", help="let a deactivated officer log in again")
    p.add_argument("username")
    p.set_defaults(run=cmd_officer_active, active=True)
    return parser


async def _run(command: Command, args: argparse.Namespace) -> int:
    runtime = await open_runtime(Settings())
    try:
        return await command(runtime, args)
    finally:
        await runtime.close()


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    args = build_parser().parse_args(argv)
    try:
        if hasattr(args, "sync"):
            return int(args.sync(Settings(), args))
        return asyncio.run(_run(args.run, args))
    except DomainError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 1
    except ValidationError as exc:  # the settings from the environment
        for problem in exc.errors():
            name = "POLICYDESK_" + "_".join(str(p) for p in problem["loc"]).upper()
            print(f"error: {name}: {problem['msg']}", file=sys.stderr)
        return 2
