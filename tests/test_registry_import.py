"""make import: a ClinicalTrials.gov record becomes a trial folder the assistant serves (facts, listing,
draft criteria, site settings), an import again shows what changed and keeps the team's work, and a
bad record is an error naming the field with nothing written."""
from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
import yaml

from actions.answer_check import AnswerCheck
from actions.answers import QuestionAnswerer
from actions.build_index import build
from actions.eligibility import load_criteria, screening_blocked
from actions.evaluation import REGISTRY_RECORDS
from actions.ingest import split_trial
from actions.knowledge_base import load_trials
from actions.registry_import import RecordError, eligibility_items, import_record, main, read_record, repaired
from actions.replies import instead_of_screening, still_open_notes
from actions.retrieval import Retriever
from actions.services import services
from actions.trial_facts import closed, fact_sections, status_sentence
from actions.trial_names import TrialNames


def record(name_part: str) -> dict:
    """One of the four fixture records, by a word of its file name (so no NCT id is written here)."""
    return read_record(next(p for p in REGISTRY_RECORDS if name_part in p.name))


@pytest.fixture()
def records() -> dict[str, dict]:
    data = {path.stem: read_record(path) for path in REGISTRY_RECORDS}
    assert len(data) == 4
    return data


def nct(data: dict) -> str:
    return data["protocolSection"]["identificationModule"]["nctId"]


def test_every_record_imports_into_a_folder_the_assistant_loads(knowledge_copy, records):
    for data in records.values():
        folder, told = import_record(data, knowledge_copy)
        assert folder.name == nct(data).lower() and told[0].startswith("new trial folder")
        assert sorted(p.name for p in folder.iterdir()) == ["criteria.yml", "listing.txt", "team_answers.yml", "trial.yml"]
    trials = load_trials(knowledge_copy)
    for data in records.values():
        trial = trials[nct(data)]
        assert trial.registry_id == nct(data)
        passages = split_trial(trial, knowledge_copy)
        sections = {p.section for p in passages}
        assert {"purpose", "inclusion", "exclusion", "status", "phase", "enrollment", "sponsor", "sites"} <= sections
        # Every fact is cited to the record's field.
        facts = [p for p in passages if p.source.endswith("trial.yml")]
        assert facts and all(p.cited_as.startswith(f"ClinicalTrials.gov record {nct(data)}, field ") for p in facts)


def test_facts_come_from_the_fields_in_plain_words(knowledge_copy, records):
    for data in records.values():
        import_record(data, knowledge_copy)
    trials = load_trials(knowledge_copy)
    by_status = {t.facts["status"]["value"]: t for t in trials.values() if t.registry_id}
    assert set(by_status) == {"recruiting", "completed", "terminated"}
    stopped = by_status["terminated"]
    assert stopped.facts["status"]["why_stopped"]  # the record's reason, kept
    assert stopped.facts["phase"] == "Phase 2" and stopped.facts["sex"] == "male"
    assert stopped.facts["design"]["masking"] == "double blind" and stopped.facts["design"]["allocation"] == "randomized"
    assert stopped.facts["design"]["type"] == "interventional"
    assert stopped.facts["enrollment"] == {"count": 12, "type": "actual"}
    open_one = by_status["recruiting"]
    assert open_one.facts["ages"] == {"min": "18 years", "max": "70 years"}
    assert open_one.facts["enrollment"]["type"] == "anticipated"
    assert "phone" in open_one.contact  # the central contacts, with their numbers
    many_sites = max(trials.values(), key=lambda t: len(t.facts.get("sites", [])))
    assert len(many_sites.facts["sites"]) == 35
    # The country's numbers come from knowledge/countries.yml: these sites are in the US and China.
    assert {s.number for t in trials.values() if t.registry_id for s in t.site_settings} == {"911", "120"}


def test_facts_say_what_their_terms_mean_for_a_patient(knowledge_copy, records):
    for data in records.values():
        import_record(data, knowledge_copy)
    said = {t.id: {fact: " ".join(sentences) for fact, _, _, sentences in fact_sections(t)}
            for t in load_trials(knowledge_copy).values() if t.registry_id}
    open_label = [facts["design"] for facts in said.values() if "open label" in facts["design"]]
    assert open_label and all("knows which treatment is given" in d and "chance decides" in d for d in open_label)
    blinded = next(facts["design"] for facts in said.values() if "double blind" in facts["design"])
    assert "do not know who gets which treatment" in blinded
    # No healthy volunteers: who the study is for, by its conditions.
    for trial_id, facts in said.items():
        assert facts["healthy_volunteers"].startswith("Healthy volunteers: not accepted: only patients with ")
        assert facts["conditions"].removeprefix("Conditions studied: ").rstrip(".") in facts["healthy_volunteers"]
    # The type of study is said within the design, not as a section of its own.
    assert all("type: interventional" in facts["design"] for facts in said.values())


def test_registry_text_is_mended_and_eligibility_split_by_its_headings():
    assert repaired("weight\u00e2\u2030\u00a550kg and ANC\\<0.5\u00c3\u2014109/L") == "weight≥50kg and ANC<0.5×109/L"
    assert repaired("Limogés") == "Limogés"  # a word that is no misreading stays
    assert repaired("the study.Patients were") == "the study. Patients were"
    items = eligibility_items("Inclusion Criteria:\n\n* one\n* two that goes\n  on\n\nExclusion Criteria:\n\n1. three\n")
    assert items == {"inclusion": ["one", "two that goes on"], "exclusion": ["three"]}
    assert eligibility_items("- only bullets\n- here") == {"eligibility": ["only bullets", "here"]}


def test_draft_criteria_keep_the_pre_screen_off_until_reviewed(knowledge_copy):
    folder, _ = import_record(record("05531279"), knowledge_copy)
    trial = load_trials(knowledge_copy)[nct(record("05531279"))]
    criteria = load_criteria(trial)
    assert criteria[0].key == "age" and criteria[0].rule == {"min": 18, "max": 70}
    assert all(c.review == "needed" for c in criteria)
    kinds = {c.kind for c in criteria}
    assert kinds == {"inclusion", "exclusion"}
    assert screening_blocked(trial) == "not_reviewed"
    # A draft's wording (the criterion quoted, "It is one of the study's inclusion criteria.") is not
    # searched as a criterion's plain words: the same for all, it made every one score high for any
    # question about the study.
    assert not any(p.plain for p in split_trial(trial, knowledge_copy))
    # A coordinator reviews every criterion: the pre-screen is on, and its wording is searched.
    data = yaml.safe_load((folder / "criteria.yml").read_text())
    for criterion in data["criteria"]:
        criterion.pop("review")
    (folder / "criteria.yml").write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    reviewed = load_trials(knowledge_copy)[trial.id]
    assert screening_blocked(reviewed) is None
    assert any(p.plain for p in split_trial(reviewed, knowledge_copy))


def test_a_trial_that_takes_no_one_says_so_and_has_no_pre_screen(knowledge_copy):
    import_record(record("01126879"), knowledge_copy)
    trial = next(t for t in load_trials(knowledge_copy).values() if t.registry_id)
    assert closed(trial) and screening_blocked(trial) == "not_recruiting"
    assert "is terminated on ClinicalTrials.gov: it was stopped early and takes no new participants" in status_sentence(trial)
    # Asked whether it is still open, it says its status, not to ask whether it is.
    assert still_open_notes([trial]) == [status_sentence(trial)]
    # The two hand-made trials state no status: their pre-screens stay on.
    for own in ("STSINJ", "NCT03582800"):
        assert screening_blocked(load_trials(knowledge_copy)[own]) is None


def test_importing_again_shows_what_changed_and_keeps_the_teams_work(knowledge_copy):
    data = record("05013879")
    folder, _ = import_record(data, knowledge_copy)
    assert import_record(data, knowledge_copy)[1] == ["nothing changed"]
    team = "answers:\n  - question: Is parking free?\n    answer: Yes, at the main entrance.\n" \
           "    approved_by: Dr A. Example\n    approved_on: 2026-11-30\n"
    (folder / "team_answers.yml").write_text(team)
    criteria = yaml.safe_load((folder / "criteria.yml").read_text())
    criteria["criteria"][1].pop("review")
    criteria["criteria"][1]["question"] = "Were both knees replaced in the last five days?"
    (folder / "criteria.yml").write_text(yaml.safe_dump(criteria, sort_keys=False, allow_unicode=True))
    changed = copy.deepcopy(data)
    changed["protocolSection"]["designModule"]["enrollmentInfo"]["count"] = 70
    _, told = import_record(changed, knowledge_copy)
    diff = "\n".join(told)
    assert "-    count: 65" in diff and "+    count: 70" in diff
    assert (folder / "team_answers.yml").read_text() == team
    kept = yaml.safe_load((folder / "criteria.yml").read_text())["criteria"][1]
    assert kept["question"] == "Were both knees replaced in the last five days?" and "review" not in kept


@pytest.mark.parametrize("breaks, message", [
    (lambda d: d["protocolSection"]["identificationModule"].pop("nctId"), "protocolSection.identificationModule.nctId is missing"),
    (lambda d: d["protocolSection"]["designModule"].update(phases="PHASE2"), "protocolSection.designModule.phases: expected list"),
    (lambda d: d["protocolSection"]["contactsLocationsModule"].update(locations=["Chicago"]),
     "protocolSection.contactsLocationsModule.locations[0]: expected an object"),
    (lambda d: d["protocolSection"]["statusModule"].pop("overallStatus"), "protocolSection.statusModule.overallStatus is missing"),
    (lambda d: d.pop("protocolSection"), "no 'protocolSection'"),
])
def test_a_malformed_record_names_the_field_and_writes_nothing(knowledge_copy, breaks, message):
    data = copy.deepcopy(record("01126879"))
    breaks(data)
    before = sorted(p.name for p in knowledge_copy.iterdir())
    with pytest.raises(RecordError, match=message.replace("[", r"\[").replace("]", r"\]")):
        import_record(data, knowledge_copy)
    assert sorted(p.name for p in knowledge_copy.iterdir()) == before


def test_a_country_without_numbers_is_named_and_a_record_without_sites_gets_general_advice(knowledge_copy):
    data = copy.deepcopy(record("05013879"))
    data["protocolSection"]["contactsLocationsModule"]["locations"][0]["country"] = "Atlantis"
    with pytest.raises(RecordError, match="no emergency numbers for Atlantis"):
        import_record(data, knowledge_copy)
    data["protocolSection"]["contactsLocationsModule"]["locations"] = []
    _, told = import_record(data, knowledge_copy)
    assert "lists no sites" in told[0]
    trial = next(t for t in load_trials(knowledge_copy).values() if t.registry_id)
    assert trial.site_settings[0].number == "your local emergency number"


def test_a_failed_re_import_leaves_the_folder_as_it_was(knowledge_copy):
    data = record("05013879")
    folder, _ = import_record(data, knowledge_copy)
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    broken = copy.deepcopy(data)
    broken["protocolSection"]["eligibilityModule"]["minimumAge"] = "fifty"
    with pytest.raises(RecordError, match="minimumAge"):
        import_record(broken, knowledge_copy)
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    assert not [p for p in knowledge_copy.iterdir() if p.name.startswith(".")]


def test_the_command_line_reports_errors_without_a_traceback(knowledge_copy, tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    assert main([str(bad), "--knowledge", str(knowledge_copy)]) == 2
    assert "import failed, nothing written" in capsys.readouterr().err
    good = next(iter(REGISTRY_RECORDS))
    assert main([str(good), "--knowledge", str(knowledge_copy)]) == 0


def test_an_imported_trials_facts_are_answered_from_its_fields(knowledge_copy, tmp_path):
    data = record("05531279")
    import_record(data, knowledge_copy)
    build(knowledge_copy, tmp_path / "index")
    trials = load_trials(knowledge_copy)
    answerer = QuestionAnswerer(Retriever(tmp_path / "index", knowledge_copy), trials, TrialNames.from_trials(trials))
    for question, said, field in [("what phase is this study?", "Not applicable", "designModule.phases"),
                                  ("is it still recruiting?", "recruiting", "statusModule.overallStatus"),
                                  ("how old do you have to be?", "18 years", "eligibilityModule")]:
        reply = answerer.answer(question, [nct(data)]).render()
        assert said in reply and f"ClinicalTrials.gov record {nct(data)}, field {field}" in reply, (question, reply)


def test_when_the_check_rejects_the_first_answer_a_section_closer_in_meaning_is_read(knowledge_copy, tmp_path):
    """"Which hospital is running this study?": the word "hospital" ranks first a sentence of the
    description; the check reads it as no answer, and the site, the sponsor or the official's
    hospital (closer in meaning) answers instead. A question the record does not answer stays unanswered."""
    data = record("05531279")
    import_record(data, knowledge_copy)
    build(knowledge_copy, tmp_path / "index")
    trials = load_trials(knowledge_copy)
    answerer = QuestionAnswerer(Retriever(tmp_path / "index", knowledge_copy), trials, TrialNames.from_trials(trials),
                                AnswerCheck())
    answer = answerer.answer("which hospital is running this study?", [nct(data)])
    assert answer.covered and "Institute of Hematology" in answer.render(), answer.render()
    assert not answerer.answer("can I have a glass of wine with dinner during the study?", [nct(data)]).covered


def test_a_passage_ranked_first_by_a_word_alone_gives_way_to_one_the_check_prefers(knowledge_copy, tmp_path):
    """"What are they actually testing?": "actually" finds "(actual)" in the start date, ranked first by
    its words though far below the description in meaning; the check reads the description as the
    answer. A question on the start date itself is still answered by it."""
    data = record("05531279")
    import_record(data, knowledge_copy)
    build(knowledge_copy, tmp_path / "index")
    trials = load_trials(knowledge_copy)
    retriever, names = Retriever(tmp_path / "index", knowledge_copy), TrialNames.from_trials(trials)
    question = "what are they actually testing in this study?"
    assert QuestionAnswerer(retriever, trials, names).answer(question, [nct(data)]).render().startswith("Start date")
    answerer = QuestionAnswerer(retriever, trials, names, AnswerCheck())
    reply = answerer.answer(question, [nct(data)]).render()
    assert "Start date" not in reply and "Brief summary" in reply, reply
    assert answerer.answer("when did it actually start?", [nct(data)]).render().startswith("Start date")


def test_what_was_said_this_turn_is_not_said_again_instead_of_the_pre_screen(knowledge_copy):
    data = record("01126879")  # terminated: no pre-screen
    import_record(data, knowledge_copy)
    trial = load_trials(knowledge_copy)[nct(data)]
    whole = instead_of_screening(trial)
    assert whole.startswith(status_sentence(trial)) and trial.contact.strip() in whole
    after_notes = instead_of_screening(trial, [status_sentence(trial), f"The study team can tell you more:\n{trial.contact}"])
    assert status_sentence(trial) not in after_notes and trial.contact.strip() not in after_notes
    assert after_notes.startswith("So I can't pre-screen for it.") and "their contact is above" in after_notes
    # Named in the turn already (its answer's source line): "the study" after it, not its whole label again.
    source = f"Start date: February 3, 2011.\n(Source: {trial.label}, section “Dates”)"
    named = instead_of_screening(trial, [source])
    assert trial.label not in named and named.startswith("The study is terminated on ClinicalTrials.gov"), named
    other = services().trials["STSINJ"]
    assert trial.label in instead_of_screening(trial, [source, f"(Source: {other.label}, section “Sponsor”)"])

