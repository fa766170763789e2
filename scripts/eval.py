"""make eval: answer quality on the patient question sets and whole conversations, as a patient reads them.

Starts the real action server and Rasa server (fresh ports and tracker store), sends every case of
tests/eval/ over the REST channel (its history first, from the case's trial page), grades the
reply (actions/evaluation.py), and measures retrieval recall@1/@3 in-process; holds every
conversation of tests/eval/conversations_*.yml turn by turn (actions/conversations.py, reading the
store for kept or deleted answers); and reports the NLU's per-intent precision and recall on the
held-out writers' examples (tests/eval/nlu_test_set.yml, nlu_test_set_2.yml, `rasa test nlu`). Prints a table per set;
writes everything, with each reply, to results/eval.json.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(PROJECT)]

from actions import conversations  # noqa: E402
from actions.build_index import build  # noqa: E402
from actions.evaluation import (REGISTRY_RECORDS, REGISTRY_SETS, SETS, ask_over_rest, load_cases,  # noqa: E402
                                retrieval_recall, summarise)
from actions.registry_import import knowledge_with_imports  # noqa: E402
from actions.services import services  # noqa: E402

COLUMNS = [("cases", "cases"), ("answer_accuracy", "right strict"), ("answer_accuracy_lenient", "lenient"), ("not_covered_precision", "NC prec"),
           ("not_covered_recall", "NC rec"), ("reply_chars_median", "chars med"), ("reply_chars_max", "max"),
           ("emergency_missed", "emerg missed"), ("emergency_false_alarms", "emerg false"),
           ("medical_advice_missed", "advice missed"), ("medical_advice_false", "advice false"),
           ("recall@1", "R@1"), ("recall@3", "R@3")]


@contextlib.contextmanager
def served(workdir: Path, **env: str):
    """The action server and Rasa server on fresh ports with their own tracker store; yields Rasa's port."""
    from deploy.processes import action_server, free_port, rasa_server

    workdir.mkdir(parents=True)
    actions_port, rasa_port = free_port(), free_port()
    actions = action_server(actions_port, workdir, **env).start()
    try:
        rasa = rasa_server(rasa_port, workdir, PROJECT / "endpoints.yml",
                           ACTION_ENDPOINT_URL=f"http://localhost:{actions_port}/webhook",
                           TRACKER_DB=str(workdir / "tracker.db"), WEB_ORIGINS="http://localhost", **env).start()
        try:
            yield rasa_port
        finally:
            rasa.stop()
    finally:
        actions.stop()


def measure(rasa_port: int, names: list[str], recall: bool = True) -> dict:
    results = {}
    for name in names:
        cases = load_cases(name)
        graded = ask_over_rest(f"http://localhost:{rasa_port}", cases)
        groups = {"all": (cases, graded)}
        for trial in sorted({c["trial"] for c in cases if c["trial"]}):
            groups[trial] = ([c for c in cases if c["trial"] == trial], [g for g in graded if g["trial"] == trial])
        results[name] = {
            "summary": {group: {**summarise(g), **({k: v for k, v in retrieval_recall(services(), c).items() if k != "misses"}
                                                   if recall else {})}
                        for group, (c, g) in groups.items()},
            "wrong": [g for g in graded if not g["right"]],
            "graded": graded,
        }
    return results


def measure_conversations(rasa_port: int, names: list[str], tracker_db: Path) -> dict:
    results = {}
    for name in names:
        graded = conversations.ask_conversations_over_rest(f"http://localhost:{rasa_port}",
                                                           conversations.load_conversations(name),
                                                           conversations.StoredAnswers(tracker_db))
        results[name] = {"summary": conversations.summarise_turns(graded), "wrong": [g for g in graded if not g["right"]],
                         "graded": graded}
    return results


# The held-out writer's examples ("nlu"), and three writers' short replies and answers ("nlu_2").
NLU_TEST_SETS = {"nlu": PROJECT / "tests" / "eval" / "nlu_test_set.yml",
                 "nlu_2": PROJECT / "tests" / "eval" / "nlu_test_set_2.yml"}


def measure_nlu(workdir: Path, test_set: Path) -> dict:
    """Per-intent precision and recall of the trained model (the whole NLU pipeline, rules included)
    on held-out writers' examples, by Rasa's own `rasa test nlu`."""
    import subprocess

    from deploy.processes import base_env

    out = workdir / test_set.stem
    subprocess.run([str(PROJECT / ".venv-rasa/bin/python"), "-m", "components.rasa_cli", "test", "nlu", "--nlu",
                    str(test_set), "--model", str(PROJECT / "models/trial-assistant.tar.gz"), "--out", str(out),
                    "--no-plot", "--quiet"], cwd=PROJECT, env=base_env(), check=True, capture_output=True)
    report = json.loads((out / "intent_report.json").read_text())
    return {intent: {"precision": round(row["precision"], 3), "recall": round(row["recall"], 3),
                     "support": row["support"]}
            for intent, row in sorted(report.items()) if isinstance(row, dict) and "precision" in row and "avg" not in intent}


def conversation_table(results: dict) -> str:
    lines = []
    for name, result in results.items():
        s = result["summary"]
        lines.append(f"conversations {name}: {s['turns']} turns, right {s['turns_right']} (whole conversations "
                     f"{s['conversations_right']}); deleted without a yes {s['deleted_without_yes']}; emergencies "
                     f"missed {s['emergency_missed']} of {s['emergency_turns']}, false {s['false_emergencies']}; "
                     f"requests to join that started the pre-screen {s['join_started']} of {s['join_turns']}")
        lines += [f"  {situation:28} {share}" for situation, share in s["by_situation"].items()]
    return "\n".join(lines)


def nlu_table(report: dict, test_set: Path) -> str:
    return "\n".join([f"NLU on held-out writers' examples, {test_set.name} (precision / recall / n):"] +
                     [f"  {intent:22} {row['precision']:.3f} / {row['recall']:.3f} / {row['support']}"
                      for intent, row in report.items()])


def table(results: dict) -> str:
    lines = ["set   group        " + " ".join(f"{title:>12}" for _, title in COLUMNS)]
    for name, result in results.items():
        for group, summary in result["summary"].items():
            cells = [summary.get(key) for key, _ in COLUMNS]
            lines.append(f"{name:5} {group:12} " + " ".join(f"{'-' if c is None else c:>12}" for c in cells))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", choices=[*SETS, "all"], default="all")
    parser.add_argument("--out", type=Path, default=PROJECT / "results" / "eval.json")
    parser.add_argument("--show-wrong", action="store_true", help="print every wrong reply")
    parser.add_argument("--only", choices=["faq", "conversations", "nlu"], action="append",
                        help="measure only these parts (repeatable; default all)")
    args = parser.parse_args(argv)
    names = list(SETS) if args.set == "all" else [args.set]
    parts = set(args.only or ["faq", "conversations", "nlu"])
    started = time.perf_counter()
    results, dialogues, nlu = {}, {}, {}
    with tempfile.TemporaryDirectory(prefix="eval-") as tmp:
        workdir = Path(tmp)
        own = [n for n in names if n not in REGISTRY_SETS]
        if own:
            with served(workdir / "own") as rasa_port:
                results = measure(rasa_port, [n for n in own if "faq" in parts])
                if "conversations" in parts:
                    dialogues = measure_conversations(rasa_port, [n for n in own if n in conversations.SETS],
                                                      workdir / "own" / "tracker.db")
                nlu = {key: measure_nlu(workdir, path) for key, path in NLU_TEST_SETS.items()} if "nlu" in parts else {}
        registry = [n for n in names if n in REGISTRY_SETS and "faq" in parts]
        if registry:
            # The registry's records imported into a copy of knowledge/, with its own index, served apart.
            knowledge = knowledge_with_imports(REGISTRY_RECORDS, workdir / "knowledge")
            build(knowledge, workdir / "index")
            with served(workdir / "registry", KNOWLEDGE_DIR=str(knowledge), INDEX_DIR=str(workdir / "index")) as rasa_port:
                results.update(measure(rasa_port, registry, recall=False))
    seconds = round(time.perf_counter() - started, 1)
    if results:
        print(table(results))
    for name, result in results.items():
        print(f"\n{name}: {len(result['wrong'])} wrong of {len(result['graded'])}")
        for g in result["wrong"] if args.show_wrong else []:
            print(f"  {g['id']} [{g['kind']} -> {g['route']}] {'; '.join(g['problems'])}\n    "
                  + g["reply"].replace("\n", "\n    ")[:600])
    if dialogues:
        print("\n" + conversation_table(dialogues))
    for name, result in dialogues.items():
        for g in result["wrong"] if args.show_wrong else []:
            print(f"  {g['id']} [{g['situation']}, {g['expect']}] {'; '.join(g['problems'])}\n    > {g['user']}\n    "
                  + g["reply"].replace("\n", "\n    ")[:600])
    for key, report in nlu.items():
        print("\n" + nlu_table(report, NLU_TEST_SETS[key]))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"measured_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                                    "seconds": seconds, **results,
                                    "conversations": dialogues, **nlu}, indent=1, ensure_ascii=False))
    print(f"\nwritten to {args.out} ({seconds} s of questions)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
