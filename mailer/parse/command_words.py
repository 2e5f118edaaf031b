"""The words of a reply command, Swedish and English, and the patterns built from them. Pure.

The vocabulary :mod:`mailer.parse.commands` reads a request with: its verbs ("pausa", "skip",
"resume"), the objects that name the service's mail or the person ("mig", "my check-ins"), the
other shapes of a request ("put ... on hold", "no check-in tomorrow"), the absences whose time a
request borrows ("I'm off", "jag är ledig"), and the politeness :func:`unwrap
<mailer.parse.command_text.unwrap>` takes off around a request ("could you", "tack"). The time
words are :mod:`mailer.parse.time_words`'s. Text comes in lowercased, whitespace folded.
"""

from __future__ import annotations

import re

from mailer.parse.return_dates import alternatives
from mailer.parse.time_words import WEEKS

#: What the service sends, as people name it after "no" ("no check-in tomorrow", "inga mejl").
_SENT = ("check-ins", "check-in", "checkins", "checkin", "check ins", "check in", "avstämningar",
         "avstämning", "mails", "mail", "mejl", "e-mails", "emails", "e-mail", "email", "utskick",
         "reminders", "påminnelser")
#: The same, and their definite forms and the questions, as a request's object names them.
_NOUN = "(?:" + alternatives((
    *_SENT, "avstämningarna", "avstämningen", "mailen", "mejlen", "utskicken", "reminder",
    "påminnelserna", "påminnelsen", "frågorna", "frågor", "questions",
    # the other prompts, by their names in the README and the subjects
    "reflections", "reflektioner", "reflektionerna", "reviews", "uppföljningar",
    "uppföljningarna", "månadsuppföljningar", "månadsuppföljningarna")) + ")"
OBJECT = re.compile(
    r"(?:me|mig|for me|för mig|(?:(?:my|the|all|all my|all the|these|mina|alla|alla mina|de|"
    r"dina|era|dessa)\s+)?(?:weekly\s+|veckovisa\s+)?" + _NOUN
    + r"(?:\s+(?:for me|för mig|to me|till mig|from you|från er|från dig))?)(?=\s|$)")
#: The other prompts a member gets, named as the one at hand: "this month's review", "the
#: review this month", "uppföljningen den här månaden", "månadens uppföljning", "this
#: quarter's feedback". The month or quarter says which one, not a time to pause: skipping
#: it skips that prompt (a pause to the month's end would stop the check-ins too).
THIS_PROMPT = re.compile(
    r"(?:(?:this|the|my|this month's|this quarter's|den här|denna|min|månadens|kvartalets)\s+)?"
    r"(?:monthly\s+|månatliga\s+)?"
    r"(?:review|feedback request|feedback|survey|uppföljningen|uppföljning|"
    r"månadsuppföljningen|månadsuppföljning|återkopplingen|återkoppling|enkäten|enkät)"
    r"(?:\s+(?:for\s+|för\s+)?(?:this month|this quarter|this time|den här månaden|denna månad|"
    r"det här kvartalet|detta kvartal|den här gången|denna gång))?")
#: "hold off (on) my check-ins", "vänta med / avvakta med mina avstämningar": a pause, whose
#: object (the check-ins, me, the questions) or time the grammar demands, as for every verb.
VERB = re.compile(
    r"(?:(?P<pause>pausa|pausar|pause|pausing|paus|hold off on|hold off|vänta med|avvakta med)"
    r"|(?P<skip>skippa|skippar|skipping|skip|"
    r"hoppa över|hoppar över|stå över|står över)|(?P<resume>resume|resuming|unpause|"
    r"återuppta|återupptar|fortsätt|starta igen|start again|restart))(?=\s|:|$)")
ON_HOLD = re.compile(r"(?:put|sätt|lägg)\s+(?P<object>.{1,40}?)\s+(?:on\s+(?:pause|hold)|"
                     r"på\s+paus)(?=\s|$)")
AGAIN = re.compile(r"(?:start|starta|sätt igång)\s+(?P<object>.{1,40}?)\s+(?:again|igen)"
                   r"(?=\s|$)")
BACK_ON = re.compile(r"(?:turn|switch)\s+(?P<object>.{1,40}?)\s+back on(?=\s|$)")
#: "no check-in tomorrow": questions are left out ("no questions this week" is an answer).
NONE = re.compile(
    r"(?:no|inga|ingen|inget|not any)\s+(?:" + alternatives(_SENT) + ")"
    r"(?:\s+(?:for me|för mig|till mig|from you|från er))?(?=\s|$)")
# "next week's check-in", "nästa veckas avstämning": the time before the noun.
POSSESSIVE = re.compile(r"(?P<when>[^,]{1,30}?)(?:'s)?\s+" + _NOUN)
SWEDISH_POSSESSIVE = {"nästa veckas": "nästa vecka", "den här veckans": "den här veckan",
                      "denna veckas": "denna vecka", "veckans": "veckan",
                      "morgondagens": "imorgon", "dagens": "idag"}
ABSENT = re.compile(
    r"(?:(?:är|blir|har|kommer att vara|kommer vara|will be|be|am|have|'ve got|got)\s+)?"
    r"(?:off sick|out sick|off|away|out of the office|out of office|out|ooo|on leave|"
    r"on (?:parental|sick|annual|paternity|maternity) leave|on vacation|on holidays|on holiday|"
    r"on a trip|on a business trip|travelling|traveling|at a conference|on a course|sick|ill|"
    r"vacation|holiday|"
    r"ledig|borta|bortrest|iväg|på semester|semester|tjänstledig|föräldraledig|pappaledig|"
    r"mammaledig|sjukskriven|sjuk|på resa|på tjänsteresa|på kurs|på konferens|"
    r"på utbildning|frånvarande|hemma)(?=\s|$)")
#: Away for numbered weeks is a command alone ("ledig v. 52"), in the words it always was.
AWAY_WEEKS = re.compile(
    r"(?:(?:är|have|am)\s+)?(?:ledig|tjänstledig|föräldraledig|borta|bortrest|frånvarande|"
    r"på semester|semester|away|off|out|on leave|on vacation|on holiday|vacation|holiday)\s+"
    r"(?:hela\s+|all\s+)?" + WEEKS)
BACK = re.compile(
    r"(?:(?:back|tillbaka|åter)(?:\s+(?:in the office|in office|at work|at my desk|på jobbet|"
    r"på kontoret|i tjänst|på plats))?|i tjänst igen|på plats igen)\s+(?P<day>.{1,30})")

PRE = re.compile(
    r"(?:please|pls|plz|kindly|snälla|vänligen|gärna|ok|okay|okej|so|så|hi|hej|hey|hello|"
    # words that open a sentence without changing the request ("Nu kan ni starta ... igen")
    r"nu|now|då|then|"
    # the word a clause was cut at ("all good but skip me next week"); not "and"/"och":
    # "I'm away and back on 7 January" is an out-of-office's statement, no request
    r"but|men|"
    # "would you mind pausing ...", "could you consider pausing ...": before "would you"
    r"(?:would|could|can|will) you (?:please )?consider|would you mind|do you mind|"
    r"skulle (?:ni|du) kunna tänka (?:er|dig) att|"
    r"could you|can you|would you|will you|could u|can u|kan ni|kan du|skulle ni kunna|"
    # asked together: "can we skip this month's review?", "kan vi hoppa över den här veckan?"
    r"can we|could we|may we|kan vi|skulle vi kunna|får vi|"
    r"skulle du kunna|vill ni|vill du|could i|can i|may i|kan jag få|kan jag|får jag|"
    r"is it possible to|would it be possible to|går det att|är det möjligt att|"
    r"let's|lets|you can|ni kan|du kan|feel free to|"
    r"i'd like you to|i would like you to|i'd like to|i would like to|i want you to|i want to|"
    r"i need you to|i need to|i have to|i must|jag vill att ni|jag vill att du|jag vill|"
    r"jag skulle vilja|jag önskar|jag behöver|jag måste|jag ber er att|jag ber er|"
    r"(?P<subject>i'll|i will|i'm going to|i am going to|i'm gonna|going to|gonna|i'm|i am|"
    r"jag kommer att|jag tänker|"
    r"jag|i))\s+")
#: A request after these turns away from what came before it ("all good, but skip me next
#: week"): the clauses before it are no reason for it.
CONTRAST = re.compile(r"\s*(?:but|men)\s", re.IGNORECASE)
#: Politeness after a request, by its last words ("tack", "är du snäll", "if possible").
AFTER = frozenset((
    "please", "pls", "plz", "thanks", "thank you", "thank you so much", "thanks a lot",
    "thanks in advance", "thx", "ty", "tack", "tack så mycket", "tusen tack", "tack på förhand",
    "gärna", "är du snäll", "är ni snälla", "är ni snäll", "om du vill", "om ni vill",
    "om det går", "om det går bra", "om möjligt", "if possible", "if you can", "if that's ok",
    "if that's okay", "if that is ok", "if that works", "for me", "för min del", "för mig",
    "too", "också", "as well", ":)", ":-)", ";)"))
INSIDE = frozenset(("please", "pls", "plz", "kindly", "gärna", "snälla", "vänligen"))
AFTER_WORDS = max(len(phrase.split()) for phrase in AFTER)

#: Between two words of a request as the line has them: spaces, emoji, commas and the politeness
#: :func:`unwrap <mailer.parse.command_text.unwrap>` takes out from inside ("hoppa gärna över").
_GAP = r"\W+(?:(?:" + alternatives(INSIDE) + r")\W+)*"
#: What every request holds, as the lowercase line has it: a verb ("pausa", "skip", "resume",
#: "vänta med"; "start ... again"), "hold" ("put me on hold", "hold off"), a return ("back",
#: "tillbaka", "turn ... back on"), "no" before what the service sends ("no check-ins", "inga
#: mejl") or an absence before a week number ("ledig v. 52"). A line or a stretch of clauses
#: without one holds no command, so it is never unwrapped; the tests draw every pattern's matches
#: and check they hold one.
HEAD = re.compile(
    r"(?=[abfhilnoprstuvå])\b(?:paus|unpaus|skip|resum|återupp|fortsätt|restart|hold\b|back\b"
    r"|tillbaka\b|åter\b|(?:hoppar?|står?)" + _GAP + r"över|(?:tjänst|plats)" + _GAP + r"igen\b"
    r"|(?:vänta|avvakta)" + _GAP + r"med\b"
    r"|(?:starta?|igång)\b(?s:.*?)\b(?:again|igen)\b"
    r"|(?:no|inga|ingen|inget|not" + _GAP + "any)" + _GAP
    + r"(?:check|avstämning|mail|mejl|e-mail|email|utskick|remind|påminn)"
    r"|(?:ledig|tjänstledig|föräldraledig|borta|bortrest|frånvarande|semester|away|off|out|"
    r"leave|vacation|holiday)" + _GAP + r"(?:(?:hela|all)" + _GAP
    + r")?(?:v|vecka|veckorna|week|weeks|wk|w)(?![^\W\d]))")
