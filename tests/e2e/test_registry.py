"""Trials imported from ClinicalTrials.gov, served for real: the four records of tests/fixtures/registry
imported into a temporary knowledge folder (make import's code), indexed, and asked over REST the
generic patient questions a writer wrote from their JSON alone (tests/eval/registry_set.yml, never
tuned on); joining a trial that takes no one, or whose criteria await review, says so; the web page
lists the imported trials with their status."""
from __future__ import annotations

import pytest
import requests

from actions.build_index import build
from actions.evaluation import REGISTRY_RECORDS, ask_over_rest, load_cases, summarise
from actions.registry_import import knowledge_with_imports, read_record
from servers import Chat, action_server, free_port, rasa_server, web_server

# Measured over REST (make eval --set registry_test): strict right answer 0.618, not covered
# precision 0.750 / recall 0.625 on 2026-12-05; 0.632, 0.833 / 0.625 on 2026-12-06 (sections of the
# kind asked for answer it); 0.618, 0.700 / 0.875 later on 2026-12-06 with the answer check (six more
# not-covered questions said so, two answers quoted as the nearest); 0.671, 0.741 / 0.833 on
# 2026-12-06 (eighteenth session: facts in patients' words, the number of participants asked in the
# past, a second reading when the check rejects the first answer); 0.697, 0.833 / 0.833 on 2026-12-07
# (the answer check trained on the imported trials' dev set too). The issue's targets (0.85 / 0.9)
# are not reached yet: the floors hold what works, just below it.
FLOORS = {"answer_accuracy": 0.68, "not_covered_recall": 0.8, "not_covered_precision": 0.8}


@pytest.fixture(scope="module")
def registry_servers(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("registry")
    knowledge = knowledge_with_imports(REGISTRY_RECORDS, workdir / "knowledge")
    build(knowledge, workdir / "index")
    env = {"KNOWLEDGE_DIR": str(knowledge), "INDEX_DIR": str(workdir / "index")}
    actions_port, rasa_port, web_port = free_port(), free_port(), free_port()
    actions = action_server(actions_port, workdir, **env).start()
    rasa = rasa_server(rasa_port, actions_port, workdir, workdir / "tracker.db", **env).start()
    web = web_server(web_port, workdir, f"http://localhost:{rasa_port}", **env).start()
    yield {"rasa_port": rasa_port, "web_url": f"http://localhost:{web_port}/"}
    web.stop()
    rasa.stop()
    actions.stop()


def trial_with_status(status: str) -> str:
    """The id of the fixture record with this overall status (no record is named in the tests' code)."""
    return next(d["protocolSection"]["identificationModule"]["nctId"] for d in map(read_record, REGISTRY_RECORDS)
                if d["protocolSection"]["statusModule"]["overallStatus"] == status)


@pytest.fixture(scope="module")
def registry_summary(registry_servers):
    graded = ask_over_rest(f"http://localhost:{registry_servers['rasa_port']}", load_cases("registry_test"))
    summary = summarise(graded)
    print({k: summary[k] for k in FLOORS})
    return summary, [g for g in graded if not g["right"]]


@pytest.mark.parametrize("measure, floor", FLOORS.items())
def test_quality_floor_on_the_imported_trials(registry_summary, measure, floor):
    summary, wrong = registry_summary
    assert summary[measure] >= floor, [(g["id"], g["problems"]) for g in wrong]


def test_a_fact_is_answered_from_its_field_with_the_record_cited(registry_servers):
    trial = trial_with_status("RECRUITING")
    reply = Chat(registry_servers["rasa_port"], "registry-facts").say("how many people will be in this study?", {"trial": trial})
    assert "45" in reply and f"ClinicalTrials.gov record {trial}, field designModule.enrollmentInfo" in reply


@pytest.mark.parametrize("status, said", [("TERMINATED", "is terminated on ClinicalTrials.gov"),
                                          ("COMPLETED", "is completed on ClinicalTrials.gov")])
def test_joining_a_trial_that_takes_no_one_says_its_status_and_asks_nothing(registry_servers, status, said):
    trial = trial_with_status(status)
    messages = Chat(registry_servers["rasa_port"], f"registry-join-{status}").send(
        "can my husband take part in this study?", {"trial": trial})
    text = "\n".join(m.get("text", "") for m in messages)
    assert said in text and "takes no new participants" in text, text
    assert not any((m.get("custom") or {}).get("type") == "eligibility_question" for m in messages), messages


def test_joining_a_trial_whose_criteria_await_review_gives_the_contact(registry_servers):
    trial = trial_with_status("RECRUITING")
    text = Chat(registry_servers["rasa_port"], "registry-join-open").say("I'd like to sign up, am I eligible?", {"trial": trial})
    assert "still being checked by the study" in text and "phone" in text, text


def test_the_web_page_lists_imported_trials_with_their_status(registry_servers):
    page = requests.get(registry_servers["web_url"], timeout=10).text
    for status in ("recruiting", "completed", "terminated"):
        trial = trial_with_status(status.upper())
        assert f'href="trials/{trial.lower()}/"' in page and f"({status})" in page
