"""The coordinators' report (make report): what patients asked that the trial texts did not answer,
answers they rejected, and the pre-screen funnel, read from the tracker store.

Only aggregates leave it: no screening answer, no session id, nothing typed during a pre-screen, and
a question's words only when the same words (case, punctuation and numbers aside) came from at least
`min_conversations` different conversations, so one patient's words stay private.
"""
from __future__ import annotations

import os
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path

import numpy as np
import yaml

from actions.knowledge_base import TEAM_ANSWERS_FILE
from actions.stored_events import DELETED, SCREENING_FORM, intent_of, screening_positions

UNANSWERED_ROUTES = ("not_covered", "partial", "fallback", "low_score")
LOW_SCORE = 0.25  # an answer this close to the answer threshold (0.18) is flagged as weak
CLUSTER_SIMILARITY = 0.7  # questions this similar (cosine) are one group
REPHRASE_SIMILARITY = 0.6  # a next question this similar to the one answered rephrases it
NO_TRIAL = "(no trial)"
_REJECTION = re.compile(
    r"\b(not what i (asked|meant|wanted)|(doesn'?t|does not|didn'?t|did not) answer|wrong answer|"
    r"that'?s not (it|right|my question)|you misunderstood|no,? i (asked|meant))\b", re.IGNORECASE)
_DIGITS = re.compile(r"\d+")
_NOT_WORD = re.compile(r"[^\w]+")


def same_words(text: str) -> str:
    """What counts as the same question: case, punctuation and numbers aside."""
    return " ".join(_NOT_WORD.sub(" ", _DIGITS.sub("N", text.lower())).split())


@dataclass
class Turn:
    """One patient message outside a pre-screen and the route that answered it."""
    conversation: int  # a number within this report, never the sender id
    trial: str | None
    text: str
    when: datetime
    route: str | None = None
    score: float | None = None
    sources: list[str] = field(default_factory=list)  # "TRIAL: section title"


@dataclass
class Funnel:
    started: int = 0
    finished: int = 0
    stopped: int = 0
    outcomes: Counter = field(default_factory=Counter)


def _when(event: dict) -> datetime:
    return datetime.fromtimestamp(float(event.get("timestamp") or 0), tz=timezone.utc)


def read_conversation(number: int, events: list[dict], known: set[str]) -> tuple[list[Turn], dict[str | None, Funnel]]:
    """The reportable turns of one conversation and its pre-screens, per trial (of the `known` ids:
    a page's metadata is the client's word, not a heading)."""
    turns: list[Turn] = []
    funnels: dict[str | None, Funnel] = defaultdict(Funnel)
    private = screening_positions(events)
    trial, screening, turn, fallback, skipped = None, False, None, False, False
    stopping = False  # a request to delete was asked during a pre-screen

    def close() -> None:
        if turn is not None and not skipped:
            if turn.route is None and fallback:
                turn.route = "fallback"
            if turn.route:
                turns.append(turn)

    for position, event in enumerate(events):
        kind = event.get("event")
        if kind == "slot" and event.get("name") == "trial" and event.get("value") in known:
            trial = event["value"]
            if turn is not None and turn.trial is None:
                turn.trial = trial
        elif kind == "active_loop":
            if event.get("name") == SCREENING_FORM and not screening:
                screening = True
                funnels[trial].started += 1
            elif event.get("name") is None:
                screening = False
        elif kind == "user":
            close()
            text = event.get("text") or ""
            page = (event.get("metadata") or {}).get("trial")
            trial = page if page in known else trial
            skipped = position in private or text in ("", DELETED) or text.startswith("/") or intent_of(event) is None
            turn, fallback = Turn(number, trial, text, _when(event)), False
        elif kind == "action":
            name = event.get("name")
            fallback = fallback or name == "action_handle_fallback"
            if name == "action_eligibility_outcome":
                funnels[trial].finished += 1
            elif name == "action_ask_to_delete":
                stopping = screening  # a yes ends a pre-screen that was going on
        elif kind == "slot" and event.get("name") == "deletion_request" and isinstance(event.get("value"), dict):
            decided = event["value"]
            if stopping and decided.get("deleted") and decided.get("request") in ("stop_screening", "forget_answers"):
                funnels[trial].stopped += 1
                stopping = False
        elif kind == "bot":
            custom = (event.get("data") or {}).get("custom") or {}
            if custom.get("type") == "eligibility_result":
                funnels[custom.get("trial") if custom.get("trial") in known else trial].outcomes[
                    str(custom.get("outcome", "unknown"))] += 1
            elif custom.get("type") == "answer" and turn is not None and turn.route is None:
                turn.route = custom.get("route")
                turn.score = custom.get("score")
                turn.sources = [f"{s.get('trial')}: {s.get('title')}" for s in custom.get("sources") or []
                                if isinstance(s, dict)]
                if turn.route == "retrieval" and turn.score is not None and turn.score < LOW_SCORE:
                    turn.route = "low_score"
    close()
    for funnel in funnels.values():  # a finished pre-screen whose result was deleted with its answers
        if (lost := funnel.finished - sum(funnel.outcomes.values())) > 0:
            funnel.outcomes["not kept (answers deleted)"] += lost
    return turns, funnels


def rejected(turns: list[Turn], vectors: np.ndarray) -> list[tuple[Turn, Turn]]:
    """(answered turn, the patient's next turn) where the next one says it missed, or asks again."""
    pairs = []
    for i in range(len(turns) - 1):
        answered, after = turns[i], turns[i + 1]
        if answered.conversation != after.conversation or answered.route != "retrieval":
            continue
        if _REJECTION.search(after.text) or (after.text.strip().lower() != answered.text.strip().lower()
                                             and float(vectors[i] @ vectors[i + 1]) >= REPHRASE_SIMILARITY):
            pairs.append((answered, after))
    return pairs


def group(turns: list[Turn], vectors: np.ndarray, min_conversations: int) -> list[dict]:
    """Similar questions grouped, most conversations first; words only where enough asked them."""
    clusters: list[dict] = []
    for turn, vector in zip(turns, vectors):
        best = max(clusters, key=lambda c: float(c["centroid"] @ vector), default=None)
        if best is not None and float(best["centroid"] @ vector) >= CLUSTER_SIMILARITY:
            best["members"].append((turn, vector))
            summed = sum(v for _, v in best["members"])
            best["centroid"] = summed / np.linalg.norm(summed)
        else:
            clusters.append({"centroid": vector, "members": [(turn, vector)]})
    rows = []
    for cluster in clusters:
        members = [t for t, _ in cluster["members"]]
        conversations = len({t.conversation for t in members})
        rows.append({"question": shared_words(members, min_conversations),
                     "conversations": conversations, "times_asked": len(members),
                     "routes": dict(Counter(t.route for t in members)),
                     "sources": sorted({s for t in members for s in t.sources})})
    return sorted(rows, key=lambda r: (-r["conversations"], -r["times_asked"], r["question"] or ""))


def shared_words(turns: list[Turn], min_conversations: int) -> str | None:
    """The words most conversations of the group used, if at least min_conversations used them."""
    by_words: dict[str, set[int]] = defaultdict(set)
    for t in turns:
        by_words[same_words(t.text)].add(t.conversation)
    words, conversations = max(by_words.items(), key=lambda item: (len(item[1]), item[0]))
    if len(conversations) < min_conversations:
        return None
    return next(_DIGITS.sub("N", t.text.strip()) for t in turns if same_words(t.text) == words)


def build_report(conversations: list[list[dict]], since: date | None = None, until: date | None = None,
                 min_conversations: int = 2, trial: str | None = None, known: set[str] | None = None,
                 encode=None) -> dict:
    """The report over the conversations' events (each a list of Rasa event dicts), for the trials
    whose ids are `known` (default: knowledge/'s)."""
    if encode is None:
        from actions.embedding import encode
    if known is None:
        from actions.knowledge_base import load_trials
        known = set(load_trials())
    all_turns: list[Turn] = []
    funnels: dict[str | None, Funnel] = defaultdict(Funnel)
    in_range = 0
    for number, events in enumerate(conversations):
        events = [e for e in events if (since is None or _when(e).date() >= since)
                  and (until is None or _when(e).date() <= until)]
        in_range += bool(events)
        turns, conversation_funnels = read_conversation(number, events, known)
        all_turns.extend(turns)
        for key, funnel in conversation_funnels.items():
            total = funnels[key]
            total.started += funnel.started
            total.finished += funnel.finished
            total.stopped += funnel.stopped
            total.outcomes.update(funnel.outcomes)
    vectors = encode([t.text for t in all_turns]) if all_turns else np.zeros((0, 384), dtype=np.float32)
    pairs = rejected(all_turns, vectors)
    by_trial: dict[str, dict] = {}
    trials = sorted({t.trial or NO_TRIAL for t in all_turns} | {k or NO_TRIAL for k in funnels})
    for key in trials:
        if trial and key != trial:
            continue
        mine = [i for i, t in enumerate(all_turns) if (t.trial or NO_TRIAL) == key]
        # "That's not what I asked" is about the answer before it, not a question of its own.
        unanswered = [i for i in mine if all_turns[i].route in UNANSWERED_ROUTES and not _REJECTION.search(all_turns[i].text)]
        rejected_here = [(a, b) for a, b in pairs if (a.trial or NO_TRIAL) == key]
        funnel = funnels.get(None if key == NO_TRIAL else key, Funnel())
        by_trial[key] = {
            "questions": len(mine),
            "unanswered": group([all_turns[i] for i in unanswered], vectors[unanswered], min_conversations),
            "rejected": _rejected_rows(rejected_here, min_conversations),
            "funnel": {"started": funnel.started, "finished": funnel.finished, "stopped": funnel.stopped,
                       "outcomes": dict(funnel.outcomes)},
        }
    return {"since": since.isoformat() if since else None, "until": until.isoformat() if until else None,
            "min_conversations": min_conversations, "conversations": in_range, "trials": by_trial}


def _rejected_rows(pairs: list[tuple[Turn, Turn]], min_conversations: int) -> list[dict]:
    """Rejected answers by the section that gave them; the question's words only past the threshold."""
    by_source: dict[str, list[Turn]] = defaultdict(list)
    for answered, _ in pairs:
        by_source[", ".join(answered.sources) or "(no source)"].append(answered)
    rows = []
    for source, answered in by_source.items():
        rows.append({"answer_from": source, "conversations": len({t.conversation for t in answered}),
                     "times": len(answered), "question": shared_words(answered, min_conversations)})
    return sorted(rows, key=lambda r: (-r["conversations"], r["answer_from"]))


def render_table(report: dict) -> str:
    """The report as a coordinator reads it in a terminal."""
    n = report["min_conversations"]
    lines = [f"Conversations read: {report['conversations']}  (from {report['since'] or 'the start'} "
             f"to {report['until'] or 'today'}; a question's words are shown when {n}+ conversations asked it)"]
    for trial, part in report["trials"].items():
        lines += ["", f"== {trial} ==  ({part['questions']} questions)", "",
                  "Questions the texts did not answer (not covered, partial, not understood, weak match):"]
        if not part["unanswered"]:
            lines.append("  none")
        for row in part["unanswered"]:
            routes = ", ".join(f"{k} {v}" for k, v in sorted(row["routes"].items()))
            words = row["question"] or f"(asked in fewer than {n} conversations: words not shown)"
            lines.append(f"  {row['conversations']:>4} conv. {row['times_asked']:>4}x  {words}  [{routes}]")
        lines += ["", "Answers patients rejected (rephrased right after, or said it was not what they asked):"]
        if not part["rejected"]:
            lines.append("  none")
        for row in part["rejected"]:
            words = f"  e.g. {row['question']}" if row["question"] else ""
            lines.append(f"  {row['conversations']:>4} conv. {row['times']:>4}x  answer from {row['answer_from']}{words}")
        f = part["funnel"]
        outcomes = ", ".join(f"{k} {v}" for k, v in sorted(f["outcomes"].items())) or "none"
        lines += ["", f"Pre-screen: started {f['started']}, finished {f['finished']}, stopped {f['stopped']}; "
                      f"outcomes: {outcomes}"]
    return "\n".join(lines)


class _SpreadsheetSafeWriter:
    """A spreadsheet runs a cell that starts with = + - or @ as a formula: such text gets a quote first."""

    def __init__(self, writer):
        self.writer = writer

    def writerow(self, row: list) -> None:
        self.writer.writerow([f"'{v}" if isinstance(v, str) and v[:1] in ("=", "+", "-", "@") else v for v in row])


def render_csv(report: dict) -> str:
    import csv
    import io

    out = io.StringIO()
    writer = _SpreadsheetSafeWriter(csv.writer(out))
    writer.writerow(["trial", "section", "question", "conversations", "count", "detail"])
    for trial, part in report["trials"].items():
        for row in part["unanswered"]:
            writer.writerow([trial, "unanswered", row["question"] or "", row["conversations"], row["times_asked"],
                             "; ".join(f"{k} {v}" for k, v in sorted(row["routes"].items()))])
        for row in part["rejected"]:
            writer.writerow([trial, "rejected", row["question"] or "", row["conversations"], row["times"],
                             row["answer_from"]])
        f = part["funnel"]
        for name in ("started", "finished", "stopped"):
            writer.writerow([trial, "pre-screen", "", "", f[name], name])
        for outcome, count in sorted(f["outcomes"].items()):
            writer.writerow([trial, "pre-screen", "", "", count, f"outcome {outcome}"])
    return out.getvalue()


def write_drafts(report: dict, out_dir: Path, top: int = 10) -> list[Path]:
    """A team_answers draft per trial: the most asked unanswered questions, answers left empty for
    the study team (an empty answer is never used). Copy answered entries into
    knowledge/<trial>/team_answers.yml, then `make index`."""
    written = []
    out_dir.mkdir(parents=True, exist_ok=True)
    for trial, part in report["trials"].items():
        questions = [row["question"] for row in part["unanswered"] if row["question"]][:top]
        if not questions or trial == NO_TRIAL:
            continue
        path = out_dir / f"{trial.lower()}-{TEAM_ANSWERS_FILE}"
        header = (f"# Draft study team answers for {trial}, from make report. Fill in each answer, who approved it\n"
                  f"# (approved_by) and when (approved_on: YYYY-MM-DD), then copy the entries into\n"
                  f"# knowledge/<trial folder>/{TEAM_ANSWERS_FILE} and run `make index`. Empty answers are never used.\n")
        entries = [{"question": q, "answer": "", "approved_by": "", "approved_on": ""} for q in questions]
        path.write_text(header + yaml.safe_dump({"answers": entries}, sort_keys=False, allow_unicode=True),
                        encoding="utf-8")
        written.append(path)
    return written


def store_url(endpoints: Path) -> str:
    """The tracker store's database URL from an endpoints file (${VAR} filled from the environment)."""
    text = re.sub(r"\$\{(\w+)\}", lambda m: os.environ.get(m.group(1), ""), endpoints.read_text(encoding="utf-8"))
    store = (yaml.safe_load(text) or {}).get("tracker_store") or {}
    dialect = store.get("dialect", "sqlite")
    if dialect == "sqlite":
        if not store.get("db") or not Path(store["db"]).is_file():
            raise FileNotFoundError("the SQLite tracker store (TRACKER_DB) does not exist")
        return f"sqlite:///file:{store['db']}?mode=ro&uri=true"  # read only: never creates or changes it
    from sqlalchemy.engine import URL

    return URL.create("postgresql+psycopg2", username=store.get("username"), password=store.get("password"),
                      host=store.get("url"), port=int(store["port"]) if store.get("port") else None,
                      database=store.get("db")).render_as_string(hide_password=False)


def read_store(url: str) -> list[list[dict]]:
    """Every conversation's events, in order, from Rasa's SQL tracker store (read only)."""
    import json

    import sqlalchemy as sa

    engine = sa.create_engine(url, hide_parameters=True)
    conversations: dict[str, list[dict]] = defaultdict(list)
    with engine.connect() as connection:
        for sender, data in connection.execute(sa.text("SELECT sender_id, data FROM events ORDER BY id")):
            conversations[sender].append(json.loads(data))
    engine.dispose()
    return list(conversations.values())
