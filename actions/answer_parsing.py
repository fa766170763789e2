"""Reads patients' free-text answers: yes / no / not sure, ages in digits or words, a choice, and
medicine names. Returns None when it cannot tell: the question is asked again, never guessed."""
from __future__ import annotations

import functools
import re
import unicodedata
from difflib import SequenceMatcher
from pathlib import Path

import yaml

from actions.lay_terms import listing_words
from actions.questions import clauses_asking_to_join

YES, NO, NOT_SURE = "yes", "no", "not_sure"
MEDICATIONS_FILE = Path(__file__).with_name("medications.yml")

_NOT_SURE = re.compile(r"\b(not sure|unsure|don'?t know|do not know|dunno|no idea|idk|maybe|perhaps|"
                       r"not certain|can'?t remember|cannot remember|i forget|no clue)\b")
_NO = re.compile(r"^(no|nope|nah|never|none|non|negative|nobody|nothing|no one)\b|\b(not|nobody|nothing|no one|cannot|don'?t|doesn'?t|isn'?t|aren'?t|haven'?t|"
                 r"hasn'?t|won'?t|wouldn'?t|didn'?t|never|no longer|stopped)\b")
_YES = re.compile(r"^(yes|yeah|yep|yup|ya|y|sure|oui|correct|right|absolutely|definitely|of course|"
                  r"affirmative)\b|\b(i do|she does|he does|they do|i am|she is|he is|i will|she will|he will|"
                  r"we will|i have|she has|he has)\b")
_TAKES = re.compile(r"\b(take|takes|taking|took|on|using|uses|prescribed|injecting|injection of)\b")
_WORD = re.compile(r"[a-z]+")


def normalise(text: str | None) -> str:
    text = (text or "").lower().replace("\u2019", "'")
    # Accents dropped, not the letters: "bébé" is read as "bebe", "âgée" as "agee".
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return " ".join(re.sub(r"[^a-z0-9'.,\- ]", " ", text).split())


@functools.lru_cache(maxsize=None)
def lexicon(name: str) -> tuple[str, ...]:
    return tuple(yaml.safe_load(MEDICATIONS_FILE.read_text(encoding="utf-8"))[name])


def named_medicine(text: str, group: str) -> str | None:
    """The first medicine of the group named in the text, typos tolerated for longer names."""
    t = normalise(text)
    words = _WORD.findall(t)
    for name in lexicon(group):
        if re.search(rf"\b{re.escape(name)}\b", t):
            return name
        if " " not in name and len(name) >= 6 and any(
                abs(len(w) - len(name)) <= 2 and SequenceMatcher(None, w, name).ratio() >= 0.8 for w in words):
            return name
    return None


_LEADING_YES = re.compile(r"^(yes|yeah|yep|yup|ya|y|sure|oui|correct|absolutely|definitely|of course)\b")
_LEADING_NO = re.compile(r"^(no|nope|nah|never|none|non)\b")


# "OK" alone, said to an offer ("Would you like to check whether you could take part?"), takes it up.
_AGREES = re.compile(r"((ok+|okay|okey|k|alright|all right|sounds good|go ahead|let'?s (do it|go|try)|fine|why not)[\s,.!]*)+")


def accepts_offer(text: str | None) -> bool:
    """Whether a reply to an offer takes it up: a yes, or an "ok" that says nothing else."""
    return parse_yes_no(text) == YES or bool(_AGREES.fullmatch(normalise(text)))


# Words before the answer that are not one: "ok. no allergy", "well, yes". "OK" alone is no answer.
_FILLER = re.compile(r"^((ok|okay|oh|well|um+|uh+|erm|hmm+|so|then|alright|ah|right|hi|hello|i mean)\b[\s,.!]*)+")


# Words every question of a pre-screen shares: they tell no topic from another.
_GENERIC = frozenset("and study studies trial trials patient patients participant participants person people".split())
# Words that say nothing of a topic: who, auxiliaries, yes and no, hedges. A clause of these alone
# is a bare answer ("no she doesn't", "yes I think so").
_NO_TOPIC = frozenset("""i i'm im i've ive my mine myself you your u she she's shes her hers herself he he's hes his
himself they they're theyre them their we we're our it it's its this that these those there here one ones someone
anyone anything something nothing none any some all both do does did don't dont doesn't doesnt didn't didnt is isn't
isnt am are aren't arent was wasn't wasnt were weren't be been being have has had haven't havent hasn't hasnt hadn't
will won't would wouldn't wouldnt can can't cant cannot could couldn't should may might must yes yeah yep yup ya y
sure oui correct right absolutely definitely course of no nope nah never non not negative ok okay well really
actually honestly honest tbh think so guess believe know idea unsure dunno idk clue nobody maybe perhaps certain
remember forget as far at ever yet still just only currently now anymore longer like the a an to in on for with
about from by lol haha sorry oh thanks please totally quite very much aware said says told or if me us him hi
hello hey bonjour salut thank""".split())
_INTERJECTION = re.compile(r"^(yes|yeah|yep|yup|ya|sure|oui|correct|absolutely|definitely|of course|nope|nah|non)\b|"
                           r"^(no|never)\b(?!\s+(?!(" + "|".join(map(re.escape, sorted(_NO_TOPIC))) + r")\b)[a-z])")
_NOT_WHO = re.compile(r"^(not|no) (me|him|her|us|them|myself|himself|herself)$")  # "not me": who, not what
_CLAUSES = re.compile(r"[,.;:!?()]|\b(?:but|and|so|because|though|although|since)\b")


def leads_with_answer(clause: str) -> bool:
    """Whether a clause starts with a yes or a no said as one ("no, she's 68", not "no surgery")."""
    return bool(_INTERJECTION.match(normalise(clause)))


def starts_with_an_answer(text: str) -> bool:
    """Whether a message starts with a yes or a no said as one, after any "ok", "well" ("ok no nothing planned")."""
    return leads_with_answer(_FILLER.sub("", normalise(text)))


def clauses(text: str) -> list[str]:
    """The clauses of a message, split at punctuation and at "but", "and", "so", "because"."""
    return [c.strip() for c in _CLAUSES.split(text or "") if c and c.strip()]


def topic_stems(text: str) -> frozenset[str]:
    """The words a text is about, cut to five letters ("pregnancy" and "pregnant" meet), with the
    listing words of its lay phrases ("lumps" and "calcium deposits" meet through "calcinosis")."""
    words = [w for w in re.findall(r"[a-z0-9][a-z0-9']*", normalise(text))
             if w not in _NO_TOPIC and w not in _GENERIC and (len(w) >= 2 or w.isdigit())]
    # (The listing words too without "of", "and", "you": with them a clause on another topic, "we live in
    # france yes he has the carte vitale", was read as one about the open question.)
    words += [w for phrase in listing_words(text) for w in phrase.split() if w not in _NO_TOPIC and w not in _GENERIC]
    return frozenset(w[:5] for w in words)


# The words of "why do you ask?" and its kin: they name no topic of their own.
_ASKING_WHY = frozenset(w[:5] for w in """why what what's how ask asking asked need needed want matter matters important
importance relevant relevance reason question questions information info point purpose aims objective trial study
care""".split())


def names_another_topic(text: str, topic: frozenset[str]) -> bool:
    """Whether a "does that matter?" names something other than the open question's topic ("my mum
    had a heart attack, does that matter?"): a question of its own, not "why do you ask?"."""
    named = topic_stems(text) - _ASKING_WHY
    return bool(named) and not named & topic


def about_topic(text: str, topic: frozenset[str], medicines: str | None = None) -> str:
    """The clauses of a reply that answer a question on `topic`: a leading yes or no ("no, she's a
    boy"), a bare answer ("she doesn't"), or a clause about the topic ("no blood thinners"). A yes or
    no about something else ("not me", "no surgery planned" to a question on deposits) is left out,
    and a bare one that only repeats it is no answer either ("sorry, no, not an emergency": a no to
    which question?; but "she has them, but they don't hurt" is a yes)."""
    kept, on_topic, elsewhere = [], False, set()
    for clause in clauses(text):
        if _NOT_WHO.match(clause):
            continue
        stems = topic_stems(clause)
        about = bool(stems & topic) or bool(medicines and named_medicine(clause, medicines))
        not_sure = bool(_NOT_SURE.search(clause))
        if about or not_sure or leads_with_answer(clause) or not stems:
            kept.append(clause)
            on_topic = on_topic or about or not_sure
        else:
            elsewhere.add(parse_yes_no(clause))
    if kept and not on_topic and parse_yes_no(". ".join(kept)) in elsewhere:
        return ""
    return ". ".join(kept)


def parse_yes_no(text: str | None, medicines: str | None = None, topic: frozenset[str] | None = None) -> str | None:
    """yes / no / not_sure, or None. With a medicine group, a named medicine of it is "yes" and
    taking one it does not know is "not sure" (never guessed). With the question's topic
    (topic_stems), only the clauses about it or bare answers are read."""
    t = _FILLER.sub("", normalise(text))
    if t and topic is not None:
        t = about_topic(t, topic, medicines)
    if not t:
        return None
    if _NOT_SURE.search(t):
        return NOT_SURE
    if medicines:
        # A medicine of the group named: yes, unless its own clause denies it ("she stopped warfarin";
        # "it's stopped bleeding, and yes she takes heparin" is a yes).
        for clause in re.split(r"[,.;!?]|\b(?:but|and|so)\b", t):
            if named_medicine(clause, medicines):
                return NO if _LEADING_NO.match(clause.strip()) or _NO.search(clause) else YES
    if _LEADING_YES.match(t):
        return YES
    if _LEADING_NO.match(t) or _NO.search(t):
        return NO
    # The answer after its reasons: "her surgeon wants to wait and see so no".
    last = clauses(t)[-1]
    if leads_with_answer(last):
        return NO if _LEADING_NO.match(last) else YES
    takes = medicines and _TAKES.search(t)
    if medicines and named_medicine(t, medicines):
        return YES
    if takes:
        return NOT_SURE
    return YES if _YES.search(t) else None


_UNITS = [  # unit words -> years per unit
    (re.compile(r"^(years?|yrs?|y|yo|ans?)\b"), 1.0),
    (re.compile(r"^(months?|mos?|mths?|mois)\b"), 1 / 12),
    (re.compile(r"^(weeks?|wks?)\b"), 1 / 52),
    (re.compile(r"^(days?)\b"), 1 / 365),
]
_ONES = {w: i for i, w in enumerate("zero one two three four five six seven eight nine ten eleven twelve thirteen "
                                    "fourteen fifteen sixteen seventeen eighteen nineteen".split())}
_TENS = {w: 10 * i for i, w in enumerate("_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()) if w != "_"}
MAX_AGE = 120


def _words_to_number(t: str) -> tuple[float, int] | None:
    """A number written in words ("forty-five", "a hundred and two"), and where it ends."""
    tokens = list(re.finditer(r"[a-z]+", t.replace("-", " ")))
    for i, tok in enumerate(tokens):
        word = tok.group()
        if word not in _ONES and word not in _TENS and word not in ("hundred", "a"):
            continue
        total, current, end, used = 0, 0, None, False
        for nxt in tokens[i:]:
            w = nxt.group()
            if w in _ONES:
                current += _ONES[w]
            elif w in _TENS:
                current += _TENS[w]
            elif w == "hundred":
                current = (current or 1) * 100
            elif w in ("and", "a") and used:
                continue
            elif w == "a" and not used:
                current = 0  # "a hundred"
            else:
                break
            used, end = used or w not in ("a",), nxt.end()
        if used and end is not None:
            half = re.match(r"\s+and a half\b", t.replace("-", " ")[end:])
            return float(total + current) + (0.5 if half else 0), end + (half.end() if half else 0)
    return None


def parse_age(text: str | None) -> float | None:
    """An age in years: "45", "I'm 45", "forty-five", "she is 1 year old", "18 months"."""
    t = normalise(text).replace(",", ".")
    # Not a number inside a name ("iPPSD2", "PHP1a"); a unit may follow it ("45yo").
    match = re.search(r"(?<![a-z])(\d+(?:\.\d+)?)(\s+and a half\b)?", t)
    if match:
        value, rest = float(match.group(1)) + (0.5 if match.group(2) else 0), t[match.end():].strip()
    else:
        found = _words_to_number(t)
        if not found:
            return None
        value, end = found
        rest = t.replace("-", " ")[end:].strip()
    for unit, factor in _UNITS:
        if unit.match(rest):
            value *= factor
            break
    if value < 0 or value > MAX_AGE:
        return None
    return round(value, 2)


# A choice's words that are only a no ("none of these"): read only from the clauses that answer the
# question asked (about_topic), not from "sorry, no, not an emergency. i just want to sign her up".
_NEGATIVE_CHOICE_WORDS = frozenset(["no", "none", "nope", "non", "neither", "none of these"])


def parse_choice(text: str | None, choices: list[dict], topic: frozenset[str] = frozenset()) -> str | None:
    """The value of the choice the text names: its label, one of its words, or its number; a
    "none" choice by a no that answers the question (`topic`: see topic_stems)."""
    t = normalise(text)
    if not t:
        return None
    if _NOT_SURE.search(t):
        return NOT_SURE
    for choice in choices:
        if t == normalise(choice["label"]) or t == choice["value"]:
            return choice["value"]
    if t.isdigit() and 1 <= int(t) <= len(choices):
        return choices[int(t) - 1]["value"]
    matched = choices_named(t, choices, _NEGATIVE_CHOICE_WORDS)
    if not matched:
        matched = choices_named(about_topic(t, topic), choices)
    return matched[0] if len(matched) == 1 else None


def choices_named(text: str, choices: list[dict], ignored: frozenset = frozenset()) -> list[str]:
    """The values of the choices whose words the text names (not the `ignored` words), in the
    choices' order; typos in longer words ("dermatomiositis", "mixed connective tisue") when no word
    is named exactly."""
    t = normalise(text)
    words = [c.get("words", []) for c in choices]
    matched = [c["value"] for c, ws in zip(choices, words)
               if any(w not in ignored and re.search(rf"\b{re.escape(normalise(w))}\b", t) for w in ws)]
    if not matched:
        typed = _WORD.findall(t)

        def typed_as(word: str) -> bool:  # as many typed words in a row, spelled nearly the same
            n = len(word.split())
            return any(SequenceMatcher(None, " ".join(typed[i:i + n]), word).ratio() >= 0.85
                       for i in range(len(typed) - n + 1))

        matched = [c["value"] for c, ws in zip(choices, words) for w in ws
                   if w not in ignored and len(w) >= 6 and typed_as(normalise(w))]
    return list(dict.fromkeys(matched))


# An age stated in passing ("my son is 12, can he join?", "she's 9 years old"): the number must be
# said to be someone's age, so that "2 years ago" or "NCT03582800" is never read as one.
_PERSON_IS = r"(i am|i'm|im|he is|she is|he's|she's|hes|shes|is|turned|turns|aged?)"
_RELATIVES = (r"(daughter|son|baby|child|kid|girl|boy|toddler|husband|wife|partner|mum|mom|mother|dad|father|"
              r"brother|sister|grandson|granddaughter)")
_STATED_AGE = re.compile(
    r"\b(\d{1,3}(\.\d)?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|"
    r"sixteen|seventeen|eighteen|nineteen|twenty)[\s-]*(years?|yrs?|months?)[\s-]*old\b|"
    rf"\b{_PERSON_IS}\s+(\d{{1,3}})(\s+and a half)?\b(?![.,]?\d|\s*(%|mg|kg|cm|times|"
    r"days?|weeks?|months?|injections?|hours?|minutes?|[ap]m|o'?clock))|"
    # "she's 18 months", "my son (30 months)": months only after a person ("the study is 6 months" is no age).
    rf"\b(i am|i'm|im|he is|she is|he's|she's|hes|shes|aged?|turned|turns|{_RELATIVES} is)\s+(\d{{1,2}})\s*(months?|mos?)\b|"
    # "my husband (61)", "my son, 30 months,": a number right after a relative.
    rf"\b{_RELATIVES}[\s,]+(\d{{1,3}})(?!\s*((years?|yrs?|months?|mos?)\s+)?(ago|%|mg|kg|times|days?|weeks?|\d))"
    r"(\s*(months?|mos?|years?|yrs?))?\b|"
    # French: "il a 6 ans", "mon fils de 6 ans", "agee de 18 mois", "ma fille, 6 ans" (not "il y a 2
    # ans", "depuis plus de 2 ans").
    r"(?<!y )(?<!plus )(?<!moins )\b(a|de|fils|fille|enfant|bebe|garcon|mari|femme|mere|pere)[\s,(]+(\d{1,3})\s*(ans|mois)\b")


# "my 4 month old", "a 4 month old": an age that names someone (a noun), not "I'm 4 months old" or
# "I'm a 45 year old woman".
_POSSESSED = re.compile(r"\b(my|our|his|her|their)\s+$|(?<!\bi am )(?<!\bi'm )(?<!\bim )\b(a|an)\s+$")


def stated_age(text: str | None) -> float | None:
    """An age the text states in passing, or None (never guessed from any number)."""
    ages = stated_ages(text)
    return ages[0] if ages else None


def stated_ages(text: str | None) -> list[float]:
    """Every age the text states, in order ("I'm 45 not 54": [45, 54])."""
    t = normalise(text)
    # "breastfeeding my 4 month old, can i join?": the age of someone the writer speaks of, when the
    # writer is the one who would take part.
    theirs = person_in(text) == YOU
    ages = [parse_age(m.group(0)) for m in _STATED_AGE.finditer(t)
            if not (theirs and _POSSESSED.search(t[:m.start()]))]
    # "not 54", "instead of 54", "54 was wrong": a second number said of the same age.
    if ages:
        ages += [float(m.group(2)) for m in re.finditer(r"\b(not|instead of|rather than|than)\s+(\d{1,3})\b", t)]
    return list(dict.fromkeys(a for a in ages if a is not None))


YOU = "you"  # the patient takes part themself
# Who would take part, from "my daughter", "my 9 year old girl", "my mum": the questions are asked about them.
_RELATIVE = re.compile(
    r"\b(my|our)\s+((\w+[\s-]+)?(year|month|yr|yo)s?[\s-]*(old)?\s+|little\s+|eldest\s+|oldest\s+|youngest\s+|"
    r"teenage\s+|adult\s+|elderly\s+|baby\s+(?=(girl|boy|daughter|son)))?"
    r"(?P<who>daughter|son|child|kid|boy|girl|baby|toddler|teenager|teen|grandson|granddaughter|grandchild|"
    r"mum|mom|mother|mam|dad|father|husband|wife|partner|brother|sister|niece|nephew|grandmother|grandfather|"
    r"grandma|grandpa|gran|aunt|uncle|friend|fiance|fiancee)s?\b")
# "My wife and I want her in this study": the other parent, not the one who would take part.
_CO_PARENT = re.compile(r"\b(my|our) (wife|husband|partner) and (i|me)\b|\b(me|i) and my (wife|husband|partner)\b")
# "sorry, I'm ok, my sister is here now. who do I talk to about joining?": someone who is only with the
# writer, unless the message speaks of a third person ("my daughter is with me, can she join?").
_ONLY_WITH = re.compile(r"\b(my|our|mon|ma)\s+\w+(\s+is|'s|\s+est)\s+(here|with (me|us)|next to me|beside me|"
                        r"helping me|la|avec (moi|nous)|a cote de moi)\b")
_THIRD_PERSON = re.compile(r"\b(she|he|her|him|hers|his|they|them|elle|il|lui)\b")
_SAYS_WHO = {"girl": "daughter", "boy": "son", "kid": "child", "teen": "teenager", "mam": "mum"}
# French: "mon fils", "ma fille" (accents dropped by normalise); the questions are asked in English.
_FRENCH_RELATIVE = re.compile(r"\b(mon|ma|notre)\s+(?P<who>fils|fille|enfant|bebe|garcon|mari|femme|mere|pere|frere|soeur)\b")
_FRENCH_WHO = {"fils": "son", "fille": "daughter", "enfant": "child", "bebe": "baby", "garcon": "son", "mari": "husband",
               "femme": "wife", "mere": "mother", "pere": "father", "frere": "brother", "soeur": "sister"}
# The writer speaking of themself (English; _ASKER below adds what a clause asking to join may say).
_I = r"i|i'm|im|i've|me"
_FIRST_PERSON = re.compile(rf"\b({_I}|my (own )?(skin|hands?|fingers?|elbows?|knees?|lumps?|deposits?|"
                           r"doctor|rheumatologist|scleroderma|lupus|dermatomyositis|diagnosis))\b")


# Keyed by the names person_in gives ("boy" is said "son" there).
_SEX_OF = {"son": "male", "grandson": "male", "husband": "male", "dad": "male", "father": "male", "brother": "male",
           "nephew": "male", "uncle": "male", "grandfather": "male", "grandpa": "male", "fiance": "male",
           "daughter": "female", "granddaughter": "female", "wife": "female", "mum": "female", "mom": "female",
           "mother": "female", "sister": "female", "niece": "female", "aunt": "female", "grandmother": "female",
           "grandma": "female", "fiancee": "female"}


def sex_of(person: str | None) -> str | None:
    """"male" for "your son", "female" for "your mum"; None for the patient or a child, partner or friend."""
    return _SEX_OF.get((person or "").removeprefix("your "))


_ASKER = re.compile(rf"\b({_I}|i'd|myself|je|moi)\b|\b(j'|m')")


def _named(match: re.Match, french: dict | None = None) -> str:
    who = match.group("who")
    return f"your {french[who] if french else _SAYS_WHO.get(who, who)}"


def _relative_in(text: str, last: bool = False) -> str | None:
    """The relative the text names ("my daughter", "ma fille"): the first, or the last one."""
    found = [(m.start(), _named(m)) for m in _RELATIVE.finditer(text)]
    found += [(m.start(), _named(m, _FRENCH_WHO)) for m in _FRENCH_RELATIVE.finditer(text)]
    return (max(found) if last else min(found))[1] if found else None


def _asked_about(t: str) -> str | None:
    """Who the clause that asks to join is about: a relative it names ("can my son join?"), the writer
    ("my husband drives me there, can I still join?"), or the relative named before it that "she" or
    "he" stands for ("my daughter is 9, could she be in it?", "can I sign her up?"); None when it
    says none of these."""
    asking = clauses_asking_to_join(t)
    if not asking:
        return None
    clause = asking[-1]
    named = _relative_in(clause)
    if named:
        return named
    if _THIRD_PERSON.search(clause):  # "can I sign her up?": her
        return _relative_in(t[:t.rfind(clause)], last=True)
    return YOU if _ASKER.search(clause) else None


# Who the message says has the disease (or is of an age), when the clause asking to join does not say:
# "ive had dermatomyositis since my 30s", "j'ai 70 ans", "my son is 14 and has jdm", "she has scleroderma".
_HAS = r"(has|have|had|'ve had|ve had|'s had|got|'s got|was diagnosed|is diagnosed|suffers|lives with|is \d{1,3}\b|a|est atteinte?)"
_HOLDER = re.compile(rf"\b(?P<me>(i|i've|ive)\s+(have|had|got|was diagnosed|live with|suffer)|(i'm|im|i am)\s+\d{{1,3}}\b|j'ai)\b|"
                     rf"\b(?P<pronoun>she|he|elle|il)\s+{_HAS}\b")


def _holder(t: str) -> str | None:
    """The last one the text says has the disease or an age: YOU, a relative named so ("my son is 14
    and has jdm"), or the one "she" or "he" stands for."""
    found = [(m.start(), YOU if m.group("me") else _relative_in(t[:m.start()], last=True)) for m in _HOLDER.finditer(t)]
    found += [(m.start(), _named(m, french)) for pattern, french in ((_RELATIVE, None), (_FRENCH_RELATIVE, _FRENCH_WHO))
              for m in pattern.finditer(t) if re.match(rf"\s+{_HAS}\b", t[m.end():])]
    found = [f for f in found if f[1]]
    return max(found)[1] if found else None


def person_in(text: str | None) -> str | None:
    """Who would take part, as the questions name them: "your daughter" for "my daughter" or "my 9
    year old girl", YOU when the patient speaks of themself, None when the text does not say. The
    clause that asks to join says it first; then who is said to have the disease; else a relative
    named anywhere."""
    # (normalise drops "?" and "!", which end the clause that asks.)
    t = _CO_PARENT.sub(" ", normalise(re.sub(r"[?!]", ".", text or "")))
    if not _THIRD_PERSON.search(t):
        t = _ONLY_WITH.sub(" ", t)
    return _asked_about(t) or _holder(t) or _relative_in(t) or (YOU if _FIRST_PERSON.search(t) else None)
