"""Whether a message asks something, and where the question sits in a long message. Plain text
rules, shared by the actions and the Rasa server's emergency component (no model, no index)."""
from __future__ import annotations

import re

MAX_QUESTION_CHARS = 1000  # the model reads ~256 word pieces; the rest of a very long message is noise
LONG_MESSAGE_CHARS = 120  # in a message this long, the question is searched for inside it
_QUESTION_START = re.compile(
    # after the words people start with ("hmm when does it end", "wait, first tell me who runs it")
    r"^\s*((hmm+|um+|uh+|oh|ok|okay|so|and|but|wait|well|also|first|sorry|hang on|right)\W+)*"
    r"(what|what's|whats|who|who's|whos|how|how's|when|where|why|which|is|isn't|are|aren't|am|can|could|do|does|did|"
    # as they are typed in a hurry
    r"wat|wats|wot|wht|wut|hw|hws|wen|whn|wher|whr|wich|cn|cud|wud|shud|"
    r"was|were|will|would|should|shall|may|might|any|tell me|explain|"
    # "has it worked?", not "have a nice day"
    r"(has|have|had) (you|they|i|we|he|she|it|the|this|that|these|those|sts|anyone|anybody|any|there|other|people|"
    r"patients|my|your))\b", re.IGNORECASE)
_CLAUSE = re.compile(r"[^,.;!?]+[,.;!?]*")
# What one does about one's own treatment: taking, stopping, mixing, dosing a medicine.
_TREATMENT_VERBS = (r"(take(?! part)|stop|skip|double|increase|lower|inject|use|give|rub|put|try|buy|order|"
                    # "can I apply the cream?", not "how can I apply?" (to the trial)
                    r"apply(?= (it|them|the|this|that|these|those|some|more|a|an|my|his|her|sts|\w*(cream|gel|ointment)))|"
                    # "can I start the injections?", not "can I start?" (the questions) nor "start before June"
                    r"start(?= (the|my|his|her|their|taking|using|on|it|them|this|that|these|those|sts|treatment|"
                    r"injections?|shots?|\w+ing)\b)|come off|go off|mix|combine)")
# Asking for a personal medical decision, not for what the trial says ("should I stop my blood
# thinner", "can I take ibuprofen", "is it the right treatment for me", "how much should I inject").
_ADVICE = re.compile(
    r"\b(should|shall) (i|we|he|she|my \w+)\b(?! (contact|call|ask|apply|sign|expect|bring|know|plan))|"
    # "sign her up now or wait and see": a personal decision, whatever the verb.
    r"\bor (just )?wait (and see|for|until|till)\b|"
    r"\b(up|raise|increase|adjust|reduce|lower|cut|change) (my|his|her|our|the) (\w+ )?(dose|dosage)\b|"
    # "how old must I be", "must we sign": what the trial requires, not advice.
    r"\bmust (i|we|he|she|my \w+)\b(?! (be|have|contact|call|ask|apply|sign|expect|bring|know|do|use))|"
    rf"\b(can|could|may) (i|he|she|we|my \w+) (still |also |just |safely |\w+ly )?{_TREATMENT_VERBS}\b"
    r"(?!.* (join|take part|participate|in the (study|trial)))|"
    rf"\b(allowed|ok|okay|safe|fine|alright|dangerous) (for me |for him |for her |for my \w+ )?(to|if (i|he|she|we)) "
    rf"(still |also )?(keep taking|continue taking|{_TREATMENT_VERBS}|"
    r"(get|got|had|have) (the |these |those |an? |some )?(\w+ )?(injections?|shots?|jabs?|treatment|drug|medicine))\b|"
    r"\b(right|best|good|safe|dangerous|risky) (treatment |thing |option |choice )?for (me|him|her|us|my \w+)\b|"
    r"\binteract\w* with (my|his|her|our) |\b(mix|combine) (it|sts|this|them) with\b|"
    r"\b(would|will|could|might) (it|sts|they|(this|the|that|these|those) (treatment|drug|medicine|injections?|shots?)|"
    r"this|that) (help|work|cure|heal|fix|hurt|harm|damage|be good|be right|be safe|be bad|be dangerous) "
    r"(for |to )?(me|him|her|us|my \w+|the baby|our baby)\b|"
    r"\b(it|this|sts|they|the (treatment|drug|medicine|injections?|shots?)) (would|will|could|might) "
    r"(help|work|cure|heal|fix) (for )?(me|him|her|us|my \w+)\b|\bdo you (think|recommend)\b.*\b(i|we|my \w+)\b|"
    # The assistant asked to recommend: "would you recommend we try it?", "what do you suggest for her?"
    # (not whom to contact or where to stay)
    r"\b(would|do|can|could|will|what do) (you|u) (recommend|advise|suggest)\b"
    r"(?!.{0,30}\b(contact|call|ask|email|speak|talk|hotels?|stay|park)\b)|"
    r"\bwhat would you (do|advise|suggest|recommend)\b|"
    r"\b(make|making|makes) (it|that|this|them|things|my \w+|her \w+|his \w+) worse\b", re.IGNORECASE)


# "Can I still join if ...": asks whether a condition keeps one out; the condition is what to look up
# (the words "take part" would find the sign-up steps instead).
_JOINING = re.compile(
    r"\b(still )?(join(ing)?|take part|taking part|participat\w*|be in (it|this|the (study|trial))|enrol\w*|"
    r"be (accepted|included|eligible|allowed in)|get in|qualify|apply)\b", re.IGNORECASE)
# More ways to ask to join, which say nothing to look up either ("is this right for me?", "sign me up").
# ("be in the French trial": not "be in the sun".)
_ASKING_TO_JOIN = re.compile(_JOINING.pattern + r"|\b(be (considered|part of)|get (into|in on)|sign (\w+ )?(up|on)|"
                             r"be in (this|that|the|th[eo]se) (\w+ ){1,3}(study|studies|trial|trials|one|ones)|"
                             r"(right|suitable|meant) for|(for|like) (me|him|her|us|people like)|fit (in|for)?|eligib\w*)\b",
                             re.IGNORECASE)
_FILLER = re.compile(r"\b(who|what|how|when|where|why|which|can|could|may|would|will|is|am|are|does|do|i|he|she|we|they|my \w+|it|this|that|"
                     r"a problem|ok|okay|allowed|for|to|in|the|study|trial|still|yet|me|him|her|us|one|there|"
                     r"please|hi|hello|so|and|be|a|of|on|want|wants|like|need|know|find out|see|check|let'?s|"
                     r"keep going|go on|continue|carry on|resume|back|questions?|now|if|whether|yes|no|ok|okay|sure|"
                     r"thanks|thank you|great|right|fine|then|sorry|mean|meant|"
                     # Words that only colour a request ("could she take part though?"); "still" and
                     # "anyway" ask whether what was told matters (_STILL).
                     r"though|actually|really|just|also|too|even|at all|maybe|perhaps|possibly)\b|[^\w\s]", re.IGNORECASE)


def says_more_than_joining(text: str) -> bool:
    """Whether a request to join also says or asks something ("is lupus one of the diseases?", "I
    take warfarin, can I still join?"), not only that ("can I join?", "could I be part of this?")."""
    return bool(_FILLER.sub(" ", _ASKING_TO_JOIN.sub(" ", text or "")).strip())


def without_joining(question: str) -> str:
    """The question without its asking-to-join words, when it says more than that ("I take warfarin,
    can I still join?" -> "I take warfarin"); else the question as it is ("who can take part?")."""
    rest = _JOINING.sub(" ", question)
    return rest if rest != question and _FILLER.sub(" ", rest).strip() else question


_GREETING = re.compile(r"^\W*((hi|hello|hey|hiya|good (morning|afternoon|evening)|bonjour|thanks|thank you|thx|ok|okay|"
                       r"great|bye|goodbye)\b\W*)+", re.IGNORECASE)


_SMALL_TALK = "help talk chat fine good well today there doing bot human real person anyone anybody"

# "ok", "i see", a reaction that asks nothing (data/nlu/smalltalk.yml).
ACKNOWLEDGE_INTENT = "acknowledge"
# Requests that delete what the patient typed (each asks for a yes first: actions/deletion_actions.py).
DELETING_INTENTS = frozenset({"stop_screening", "restart_screening", "forget_answers"})
# What such a request is about: the conversation itself ("stop the questions", "delete my answers",
# "can we start over?"), as opposed to a treatment or the trial ("stop my warfarin", "what if I
# forget a dose?", "i started the injections").
_CONVERSATION_OBJECT = re.compile(
    r"(answers?|responses?|replies|data|info(rmation)?|details|messages?|records?|history|"
    r"what (i|we|she|he|you) (said|told|typed|wrote|answered|gave|put)|everything|all of (it|this|that)|it all|"
    r"(the|these|this|those|your|my|her|his|our) (questions?|questionnaire|screening|pre[- ]?screen\w*|check\w*|quiz|"
    r"form|chat|conversation|session|survey|test)|questions?|questionnaire|screening|pre[- ]?screen\w*|over|again|"
    r"afresh|anew|fresh|from zero|(from )?(the )?(very )?(beginning|start|scratch|top|first question))\b", re.IGNORECASE)
_DELETING_VERB = re.compile(
    r"\b(stop|stopping|stopped|quit|quitting|come off|coming off|go off|cancel|cancelling|end|ending|ended|forget|forgetting|"
    r"forgot|delete|deleting|erase|remove|clear|wipe|start|starting|started|restart|begin|beginning)\s+"
    r"((taking|using|having|getting|doing|to|the|my|his|her|their|our|all|these|those|them|your|a|an|any)\s+)*"
    r"(?P<object>[a-z][\w-]*)", re.IGNORECASE)
# Words after the verb that are about the conversation, not a treatment ("stop now", "stop asking").
_NOT_A_TREATMENT = frozenset("it this that now here there please for asking talking typing answering me us today then "
                             "thanks thank already right".split())


# What one takes or is given: "stop my warfarin", "what if I forget a dose?", "i started the injections".
_TREATMENT = re.compile(r"\b(injections?|shots?|jabs?|infusions?|medicines?|medications?|meds|pills?|tablets?|drugs?|"
                        r"treatments?|therapy|therapies|doses?|sts|sodium|blood thinners?|thinners?|anticoagulants?|"
                        r"inhalers?|antibiotics?|prescriptions?|birth control|contraception|the pill|study|trial)\b",
                        re.IGNORECASE)


def about_the_conversation(text: str) -> bool:
    """Whether a stop / start over / forget word in the message is said of the conversation ("stop
    the questions", "delete what I said", "stop now"), not of a treatment."""
    return any(m.group("object").lower() in _NOT_A_TREATMENT or _CONVERSATION_OBJECT.match(text[m.start("object"):])
               for m in _DELETING_VERB.finditer(text or ""))


# Asks to delete, not only to stop ("can I stop and delete what I said?").
_DELETE = re.compile(r"\b(delete|deleting|erase|erasing|wipe|wiping|remove|removing|clear|forget)\b", re.IGNORECASE)


_STOP_WORD = re.compile(r"\b(stop|quit|cancel|restart|pause|exit|enough|leave)\b", re.IGNORECASE)


def mentions_the_conversation(text: str) -> bool:
    """Whether a message has a stop / start over / forget word, or names the questions, the answers
    or the conversation ("no more questions", "no, start again", "yes, delete")."""
    return any(p.search(text or "") for p in (_DELETING_VERB, _CONVERSATION_OBJECT, _DELETE, _STOP_WORD))


def asks_to_delete(text: str) -> bool:
    """Whether the message asks to delete what was said in the conversation."""
    return bool(_DELETE.search(text or "")) and about_the_conversation(text)


def deletion_only_mentioned(text: str) -> bool:
    """Whether a message the classifier read as stop / start over / forget only mentions such a word:
    about a treatment or the trial ("stop my warfarin", "i started the injections"), or in a question
    about something else ("do I need to stop my blood thinners?", "if I stop, will my data be
    deleted?"); never when it is about the conversation ("stop the questions", "can we start fresh?",
    "delete my answers", "stop")."""
    from actions.answer_parsing import named_medicine

    text = text or ""
    # What follows each stop / start over / forget word.
    objects = [text[m.start("object"):] for m in _DELETING_VERB.finditer(text)]
    if not objects or about_the_conversation(text):
        return False
    # A treatment within the next few words ("forgot to say i take warfarin").
    return is_question(text) or any(_TREATMENT.search(near) or named_medicine(near, "anticoagulants")
                                    for near in (" ".join(rest.split()[:4]) for rest in objects))


# "How do I sign up?", "what's the process to take part": asks how joining works (answered from the
# listing, with a button that starts the pre-screen), not to be pre-screened now.
_HOW_TO_JOIN = re.compile(
    r"\b(how (do|can|could|would|should|does|will) (i|we|you|u|one|people|anyone|my \w+|he|she|they)|how to|"
    r"what('s| is| are|s)? the (process|procedure|steps?|way|next steps?)|what do (i|we) (have to |need to )?do|"
    r"where (do|can|could) (i|we))\b.*"
    # ("How can my son get in on this?" asks to be checked: the pre-screen.)
    r"\b(join\w*|sign(ing)? (\w+ ){0,2}(up|on)|signup|take part|taking part|participat\w*|enrol\w*|apply|applying|register\w*)",
    re.IGNORECASE)


# "Can my mum take part?", "could she still join some day?", "does my son qualify?": asks whether
# someone could join, which the pre-screen answers (whatever else the message says).
_ASKS_WHETHER_SOMEONE_CAN_JOIN = re.compile(
    r"\b(can|could|may|would|will|is|am|are|does|do)\s+(i|we|he|she|they|u|my \w+|our \w+|your \w+|someone like me)\s+"
    r"(\w+ly\s+|still\s+|also\s+|even\s+|ever\s+)?"
    r"(join|take part|participate|be (in|part of|included|accepted|considered|eligible|a candidate)|"
    r"get (in|into|on)|sign up|enrol+|qualify|apply|fit|eligible|suitable|allowed( in)?|a (good )?candidate|"
    # "can my daughter do this study?", "can I do the questions?", "can I start?" (not "start the injections")
    r"do (this|that|it)|do (the|this|that) (\w+ )?(study|trial|one|questions)|"
    r"start(?! (the |my |his |her |taking |using )?(injection|treatment|medic|cream|drug|shot|pill|dose)))\b",
    re.IGNORECASE)


def asks_whether_someone_can_join(text: str) -> bool:
    """Whether a message asks if the patient (or their child, parent, ...) could join ("can my mum
    take part? she has scleroderma"), not how joining works."""
    return bool(_ASKS_WHETHER_SOMEONE_CAN_JOIN.search(text or "")) and not asks_how_to_join(text)


# "How do I find out if I can get in?" asks whether they could: that is the pre-screen.
_WHETHER = re.compile(r"\b(find out|know|check|see|tell|learn|work out)\b.{0,20}\b(if|whether)\b", re.IGNORECASE)


# "Can we go on with the questions?": the pre-screen's open question is asked again.
_REPEAT = r"what (was|is) the question|repeat (that|the question|it)|say (that|it) again|come again"
_GO_ON = re.compile(r"\b(go on|carry on|continue|keep going|back to the questions?|resume|next question|where were we|"
                    r"let'?s (go|do this|proceed)|proceed|move on|"
                    # the open question again: "what was the question again?", "sorry, can you repeat that"
                    rf"{_REPEAT}|"
                    # French, on a French site: "on peut continuer ?", "on reprend", "la suite"
                    r"continuer|on continue|reprendre|on reprend|la suite|question suivante|allons-y)\b", re.IGNORECASE)


# "What do you mean by measurable?", "i don't understand the question": what the open question means.
_WHAT_IT_MEANS = re.compile(r"\b(what (do |did )?(you|u) mean|what does (that|this|it|the question) mean|"
                            r"(not sure|unsure|no idea|(don'?t|dont|do not) know) what (that|this|it|you|u) means?|"
                            r"(don'?t|dont|do not) (understand|get) (the question|what you mean|it|that|this))\b", re.IGNORECASE)
_REPEATS = re.compile(rf"\b({_REPEAT})\b", re.IGNORECASE)
# Words of a request to stop, start over, delete or change something ("stop", "change my age").
_REQUEST_WORD = re.compile(r"\b(stop|quit|cancel|end|forget|forgot|delete|erase|remove|clear|wipe|start|restart|begin|"
                           r"reset|change|correct|wrong|mistake|edit|update)", re.IGNORECASE)


def asks_what_it_means(text: str) -> bool:
    """Whether a message asks what the open question means (never a request to stop or delete)."""
    return bool(_WHAT_IT_MEANS.search(text or ""))


def without_asking_what_it_means(text: str) -> str:
    """The message without its words asking what something means ("i don't understand the
    question" -> "i"): what is left names what it asks about, if anything."""
    return _WHAT_IT_MEANS.sub(" ", text or "")


def asks_about_the_question_only(text: str) -> bool:
    """Whether a message only asks for the open question again or what it means ("what was the
    question again?", "i dont know what you mean by measurable"), with no word of a request to stop,
    start over, delete or change: never one of those requests, whatever the classifier read."""
    text = text or ""
    return bool(_REPEATS.search(text) or asks_what_it_means(text)) and not _REQUEST_WORD.search(text)


def asks_to_go_on(text: str) -> bool:
    """Whether a message asks to go on with the pre-screen's questions ("thanks, ok to keep going now")."""
    return bool(_GO_ON.search(text or ""))


def only_asks_to_go_on(text: str) -> bool:
    """Whether a message asks to go on and asks nothing else: what it asks, if anything, is to go on
    ("he's ok now, the paramedics checked him. can we keep going", not "ok, and who pays for it?")."""
    clauses = _CLAUSE.findall(text or "")
    return asks_to_go_on(text) and all(asks_to_go_on(c) for c in clauses if is_question(c))


def asks_how_to_join(text: str) -> bool:
    """Whether a message asks how joining works ("how do I sign up?", "what's the process to take part?")."""
    return bool(_HOW_TO_JOIN.search(text or "")) and not _WHETHER.search(text or "")


def question_in_small_talk(text: str) -> str | None:
    """The question of a message the classifier may take for small talk: after a greeting or thanks
    ("hi, what is this study testing?"), or the whole message ("how old do you have to be?"); None
    for small talk itself ("hey, can you help me?", "hello, how are you?", "thanks!")."""
    from actions.lexical import tokenize

    rest = _GREETING.sub("", text or "", count=1)
    topical = set(tokenize(rest)) - set(tokenize(_SMALL_TALK))
    return rest if topical and is_question(rest) else None


# What the assistant itself is for, asked of the page or of it ("what is this site about?", "what
# can you do?"), as the whole message or its end; not "what can you tell me about the dose?".
_ABOUT_THE_ASSISTANT = re.compile(
    r"\b((what|who)('s|s|\s+is|\s+are)\s+(this|the|your|these)\s+(site|website|web ?page|page|chat|chatbot|bot|"
    r"service|assistant|app)s?(\s+(about|for))?"
    r"|what\s+(can|do)\s+you\s+(do|help( me)?( with)?)(\s+(for me|here))?"
    r"|what\s+are\s+you\s+(for|here for|about))\s*[?.!]*\s*$", re.IGNORECASE)


def asks_about_the_assistant(text: str) -> bool:
    return bool(_ABOUT_THE_ASSISTANT.search(text or ""))


def is_question(text: str) -> bool:
    """Whether a message asks something (beyond naming a trial)."""
    return "?" in text or any(_QUESTION_START.match(clause) for clause in _CLAUSE.findall(text))


# A question mark on a word of answer alone is doubt, not a question: "not sure, maybe? I have hard
# bits in my fingers", "yes? she had one last year".
_HEDGED_ANSWER = re.compile(r"(^|[,.;:!?]\s*)((yes|yeah|yep|no|nope|maybe|perhaps|probably|possibly|i think so|i guess|"
                            r"i don'?t think so|not sure|not really|sort of|kind of)\s*)\?+", re.IGNORECASE)


def without_hedged_answers(text: str) -> str:
    """The message with the question marks of hedged answers ("maybe?") made full stops."""
    return _HEDGED_ANSWER.sub(lambda m: f"{m[1]}{m[2].rstrip()}.", text)


# "Who decides whether STS is right for me?" asks how the trial decides, not for a decision.
_WHO_DECIDES = re.compile(r"\b(who|how do (they|you)|how does (the|a) \w+) (decides?|chooses?|determines?|judges?)\b",
                          re.IGNORECASE)


# "Is this right for me?", "would the trial be suitable for my son": whether the study suits
# someone, a request to take part (the pre-screen), not a judgment on a treatment ("is this treatment
# right for him with his heart problems?" names one).
_STUDY_SUITS = re.compile(r"\b(is|would|will|could|might)\s+(this|it|th(is|e) (study|trial|research|one))\s+(be\s+)?"
                          r"(right|suitable|meant|made|a (good )?fit)\s+for\s+(me|him|her|us|them|my \w+|our \w+|"
                          r"someone like|people like)\b", re.IGNORECASE)


# In a message's parse data: the classifier's intent, when a rule of components/question_routing.py
# replaced it (read by the actions: a question the classifier took for a request to join).
ROUTED_FROM = "routed_from"


# What a question about the study starts with ("what is it testing?", "how is it given?"); a yes-or-no
# question about someone ("would you take him?") may be a request to join in words the rules lack.
_WH_QUESTION = re.compile(r"^\W*((hmm+|um+|ok|okay|so|and|but|also|hi|hello|sorry)\W+)*"
                          r"(what|what's|whats|wat|how|how's|hw|when|wen|where|why|which|who|who's|whos)\b", re.IGNORECASE)


def asks_something_else(text: str) -> bool:
    """Whether a message's question asks about something (what, how, when, ...) with no words of
    joining: "my grandson is 13 with JDM ... what is this study testing?"."""
    clauses = _CLAUSE.findall(text or "")
    asking = [c for c in clauses if _asks(c)]
    return bool(asking) and bool(_WH_QUESTION.match(asking[0])) and not asks_to_join(text)


_FRENCH_JOINING = re.compile(r"\b(participer|inscri\w*|faire partie|rentrer dans|entrer dans|eligible)\b", re.IGNORECASE)


def _asks_to_join_in(clause: str) -> bool:
    return bool(_ASKING_TO_JOIN.search(clause) or _FRENCH_JOINING.search(clause))


def clauses_asking_to_join(text: str) -> list[str]:
    """The clauses of a message that ask to join ("my husband drives me, | can I still join?")."""
    return [c for c in _CLAUSE.findall(text or "") if _asks_to_join_in(c)]


# "Can my son still take part?": asks whether what the message tells matters.
_STILL = re.compile(r"\b(still|anyway|even so|quand meme|quand même|toujours)\b", re.IGNORECASE)


def asks_more_than_joining(text: str, without_names=lambda clause: clause) -> bool:
    """Whether a message asks something besides whether one can join: a question of its own ("is
    lupus one of the diseases? can I join?"), a condition ("can I join if I live in Canada?"), or
    whether what it tells matters ("we are moving to Lyon, can my son still take part?"); not facts
    told beside the request ("my husband drives me to every visit, could I take part?"). A trial's
    name says which trial, not what is asked (without_names takes it out of a clause that asks to join)."""
    return any(not _asks_to_join_in(c) or says_more_than_joining(without_names(c)) or bool(_STILL.search(c))
               for c in _CLAUSE.findall(text or "") if _asks(c))


def asks_to_join(text: str) -> bool:
    """Whether a message asks to take part in any of the ways these rules know: whether someone could
    join or qualify, whether the study suits them, how to join, how to find out if they can."""
    return bool(_ASKING_TO_JOIN.search(text or "") or _WHETHER.search(text or "")) or asks_whether_someone_can_join(text) \
        or asks_whether_it_suits(text) or asks_how_to_join(text)


def asks_whether_it_suits(text: str) -> bool:
    """Whether a message asks if the study suits the patient or someone they name ("is this right for
    me? I have dermatomyositis"), asking nothing a doctor must judge besides."""
    return bool(_STUDY_SUITS.search(text or "")) and not asks_for_advice(text)


def asks_for_advice(text: str) -> bool:
    """Whether a message asks what to do about one's own treatment (refused: only a doctor can say)."""
    text = _STUDY_SUITS.sub(" ", text or "")  # "is this right for me?" asks to take part
    return bool(_ADVICE.search(text)) and not _WHO_DECIDES.search(text)


def _asks(clause: str) -> bool:
    return "?" in clause or bool(_QUESTION_START.match(clause))


def stated_part(text: str) -> str:
    """The clauses of a message that do not ask ("my daughter is 6 and has PHP1a." of "... what
    studies do you have?")."""
    return "".join(c for c in _CLAUSE.findall(text or "") if not _asks(c)).strip()


def asked_besides(text: str) -> str | None:
    """The question a message asks besides what else it says ("my son is 4 with iPPSD2. when did this
    study finish?" -> "when did this study finish?"), from its first clause that asks, when that says
    more than asking words ("no, is that ok?" asks nothing of the trials); else None."""
    clauses = _CLAUSE.findall(text or "")
    asking = [i for i, c in enumerate(clauses) if _asks(c)]
    question = "".join(clauses[asking[0]:]).strip() if asking else ""
    return question if question and says_more_than_joining(question) else None


def question_in(text: str) -> str:
    """The question inside a long message ("my 10 year old has ..., we've tried everything, what's
    the youngest age you take"): from its first clause that asks, to the end."""
    text = text or ""
    if len(text) <= LONG_MESSAGE_CHARS:
        return text
    clauses = _CLAUSE.findall(text)
    asking = [i for i, c in enumerate(clauses) if _asks(c)]
    question = "".join(clauses[asking[0]:]).strip() if asking else text
    if len(question) > MAX_QUESTION_CHARS:  # a long story around it: the last question is the one to answer
        question = "".join(clauses[asking[-1]:]).strip()[:MAX_QUESTION_CHARS] if asking else text[:MAX_QUESTION_CHARS]
    return question
