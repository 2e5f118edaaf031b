"""What simulated people say, in Swedish and English: data only.

The phrase banks per answer (a phrase may hold ``{goal}``, ``{mate}``, ``{pct}``, ``{me}``,
``{obstacle}``, ``{n}``), the labels of labelled answers, how the default questions are
recognised from their wording, out-of-office texts, and the day and month names that mail
clients write in attributions. :mod:`mailer.demo.answers` chooses among them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

# Question ids of the default questions (templates/questions.toml), recognised from the
# wording as a person would; a team's own questions get a short generic answer.
QUESTION_KEYS: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {
    "checkin": (("mood", ("1-5", "1–5", "energy", "energi")),
                ("obstacles", ("obstacle", "hinder", "block")),
                ("progress", ("progress", "framsteg", "goal", "mål")),
                ("working_well", ("working well", "fungerar bra", "going well"))),
    "review": (("planned", ("say we would", "sa vi att", "plan")),
               ("happened", ("actually happened", "hände")),
               ("improve", ("less well", "mindre bra")),
               ("worked", ("worked", "fungerade")),
               ("next_month", ("next month", "nästa månad"))),
    "feedback": (("support", ("1-5", "1–5", "support", "stöttad")),
                 ("better", ("better", "bättre")),
                 ("works", ("works", "fungerar"))),
    "reflection": (("strengthen", ("strengthen", "stärka")),
                   ("involve", ("involve", "involverar"))),
}

_T = Mapping[str, Sequence[str]]
EN: dict[str, _T] = {
    "ww_high": {"": ("Pairing with {mate} on the tricky bits has been really smooth.",
                     "Async updates in the channel work well, fewer meetings needed.",
                     "Code reviews are fast this week, usually within a couple of hours.",
                     "Good energy in the team, people jump in when someone is stuck.")},
    "ww_mid": {"": ("Standups are short and to the point.",
                    "Mostly fine. {mate} has been helpful with reviews.",
                    "The new on-call rotation is working ok so far.")},
    "ww_low": {"": ("Honestly not much right now. Standups are short at least.",
                    "{mate} has been a help, otherwise it's been a grind.",
                    "Hard to say this week.")},
    "obstacles": {"": ("Flaky tests in CI keep eating my afternoons.",
                       "Too many meetings on Wednesdays, hard to get focus time.",
                       "Still waiting on access to the staging database.",
                       "The overlap with the rest of the team's hours is thin this week.",
                       "Specs for the next sprint are still fuzzy.")},
    "no_obstacles": {"": ("Nothing blocking right now.", "No real blockers.",
                          "Nothing major, all good.")},
    "still": {"": ("Still the same blocker: {obstacle_lc}", "Same as before: {obstacle_lc}",
                   "{obstacle} Still not solved.")},
    "progress": {"": ("{goal}: about {pct}% done.", "{goal} – got the next piece merged, "
                      "maybe {pct}% there.", "{goal}: small step, wrote up the plan and "
                      "started on it.", "{goal}: some progress, roughly {pct}%.")},
    "progress_low": {"": ("{goal}: not much this week, sorry.",
                          "{goal}: stalled, maybe {pct}% and not moving.")},
    "mood": {"5": ("5", "5, feeling great"), "4": ("4", "4 – good week", "4/5"),
             "3": ("3", "3, ok", "3 – so-so"), "2": ("2", "2 – pretty drained", "2, tired"),
             "1": ("1", "1, honestly running on empty")},
    "mood_prose": {"": ("Energy is about a {n} this week.", "I'd put my energy at {n}.",
                        "Energy-wise a {n}.")},
    "planned": {"": ("{goal}: finish the first part.", "{goal}: get past the halfway mark.")},
    "happened": {"": ("Got to about {pct}%. A support week got in the way.",
                      "Most of it, roughly {pct}%. Reviews took longer than planned.")},
    "worked": {"": ("Short PRs and pairing.", "Writing the plan down first.",
                    "Blocking focus time in the calendar.")},
    "improve": {"": ("Estimates were too optimistic, I'll cut scope earlier.",
                     "Too much context switching – fewer parallel tasks next month.")},
    "next_month": {"": ("{goal}: close it out.", "{goal}: finish it and write it up.")},
    "works": {"": ("Clear priorities, and you protect our focus time.",
                   "You listen and follow up on what we bring up.")},
    "better": {"": ("More 1:1 time would help, a few got cancelled.",
                    "Decisions could be shared a bit earlier.")},
    "support": {"": ("4", "3", "4 of 5", "5")},
    "strengthen": {"": ("Shorter, more frequent 1:1s with the people furthest away in time.",
                        "Start each week by naming the one priority.")},
    "involve": {"": ("Bring the recurring blockers to Tuesday's meeting and let the team "
                     "pick one to fix.", "Ask the team to run the next retro themselves.")},
    "generic": {"": ("Nothing special to add here.", "Fine, nothing to report.")},
    "hello": {"": ("", "", "Hi!", "Hi,", "Hey,")},
    "bye": {"": ("Thanks,\n{me}", "Cheers,\n{me}", "– {me}", "{me}", "Best,\n{me}")},
    "inline_note": {"": ("", "Answers inline below.", "See below!")},
    "free_open": {"": ("Quick update from me.", "Short one this time.", "")},
}
SV: dict[str, _T] = {
    "ww_high": {"": ("Parprogrammeringen med {mate} har funkat riktigt bra.",
                     "Asynka uppdateringar i kanalen funkar fint, färre möten.",
                     "Kodgranskningarna går snabbt, oftast inom ett par timmar.",
                     "Bra stämning i teamet, folk hoppar in när någon kör fast.")},
    "ww_mid": {"": ("Stand-upen är kort och bra.", "Mest okej. {mate} har hjälpt till med "
                    "granskningar.", "Nya jourschemat funkar hittills.")},
    "ww_low": {"": ("Ärligt talat inte så mycket just nu. Stand-upen är kort i alla fall.",
                    "{mate} har varit ett stöd, annars har det varit segt.",
                    "Svårt att säga den här veckan.")},
    "obstacles": {"": ("Flakiga tester i CI äter upp eftermiddagarna.",
                       "För många möten på onsdagar, svårt att få fokustid.",
                       "Väntar fortfarande på behörighet till staging-databasen.",
                       "Svårt att hitta tid med kollegorna i Tokyo.",
                       "Oklart vad som ska prioriteras nästa sprint.")},
    "no_obstacles": {"": ("Inga direkta hinder.", "Inget som stoppar mig just nu.",
                          "Inget särskilt, det rullar på.")},
    "still": {"": ("Fortfarande samma hinder: {obstacle_lc}", "Samma som förut: {obstacle_lc}",
                   "{obstacle} Fortfarande inte löst.")},
    "progress": {"": ("{goal}: ungefär {pct} % klart.", "{goal} – nästa del är mergad, "
                      "kanske {pct} %.", "{goal}: litet steg, skrev ner en plan och började.",
                      "{goal}: lite framsteg, runt {pct} %.")},
    "progress_low": {"": ("{goal}: inte mycket hänt den här veckan tyvärr.",
                          "{goal}: står still, kanske {pct} %.")},
    "mood": {"5": ("5", "5, toppen"), "4": ("4", "4 – bra vecka", "4/5"),
             "3": ("3", "3, helt ok", "3 – sådär"), "2": ("2", "2 – ganska slut", "2, trött"),
             "1": ("1", "1, orkar inte mycket just nu")},
    "mood_prose": {"": ("Energin ligger på en {n}:a typ.", "Jag skulle säga {n} i energi.",
                        "Energimässigt en {n}:a.")},
    "planned": {"": ("{goal}: bli klar med första delen.", "{goal}: komma över halvvägs.")},
    "happened": {"": ("Kom till ungefär {pct} %. En supportvecka kom emellan.",
                      "Det mesta, runt {pct} %. Granskningar tog längre tid än tänkt.")},
    "worked": {"": ("Små PR:er och parprogrammering.", "Att skriva ner planen först.",
                    "Att boka fokustid i kalendern.")},
    "improve": {"": ("Estimaten var för optimistiska, jag skär ner tidigare.",
                     "För mycket kontextbyten – färre parallella saker nästa månad.")},
    "next_month": {"": ("{goal}: bli klar.", "{goal}: avsluta och skriva ihop det.")},
    "works": {"": ("Tydliga prioriteringar, och du skyddar vår fokustid.",
                   "Du lyssnar och följer upp det vi tar upp.")},
    "better": {"": ("Mer tid för 1:1 skulle hjälpa, några har ställts in.",
                    "Beslut kunde delas lite tidigare.")},
    "support": {"": ("4", "3", "4 av 5", "5")},
    "strengthen": {"": ("Kortare och tätare 1:1 med dem som sitter längst bort tidsmässigt.",
                        "Börja varje vecka med att säga vilken prioritet som gäller.")},
    "involve": {"": ("Ta upp de återkommande hindren på tisdagsmötet och låta teamet välja "
                     "ett att lösa.", "Be teamet hålla i nästa retro själva.")},
    "generic": {"": ("Inget särskilt att tillägga här.", "Bra, inget att rapportera.")},
    "hello": {"": ("", "", "Hej!", "Hej,", "Tjena,")},
    "bye": {"": ("Mvh\n{me}", "/{me}", "Hälsningar\n{me}", "//{me}", "{me}")},
    "inline_note": {"": ("", "Svar nedan.", "Se svar nedan!")},
    "free_open": {"": ("Kort uppdatering från mig.", "Snabbt svar den här gången.", "")},
}
LABELS = {
    "en": {"working_well": "Working well", "obstacles": "Blockers", "mood": "Energy",
           "progress": "Progress", "planned": "Planned", "happened": "Happened",
           "worked": "Worked", "improve": "Less well", "next_month": "Next month",
           "works": "Works", "better": "Better", "support": "Support",
           "strengthen": "Strengthen", "involve": "Involve"},
    "sv": {"working_well": "Funkar bra", "obstacles": "Hinder", "mood": "Energi",
           "progress": "Framsteg", "planned": "Planerat", "happened": "Hände",
           "worked": "Fungerade", "improve": "Mindre bra", "next_month": "Nästa månad",
           "works": "Fungerar", "better": "Bättre", "support": "Stöd",
           "strengthen": "Stärka", "involve": "Involvera"},
}

# --------------------------------------------------------------------------- day and month names

SV_DAYS = ("mån", "tis", "ons", "tors", "fre", "lör", "sön")
SV_MONTHS = ("januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti",
             "september", "oktober", "november", "december")
SV_MON = ("jan.", "feb.", "mars", "apr.", "maj", "juni", "juli", "aug.", "sep.", "okt.",
          "nov.", "dec.")
EN_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
             "September", "October", "November", "December")
SV_WEEKDAYS = ("måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag", "söndag")

# --------------------------------------------------------------------------- out of office

OOO = {
    "sv": ("Hej! Jag är ledig och tillbaka {sv_date}. Vid brådskande ärenden, kontakta {boss}.",
           "Tack för ditt mejl. Jag är på semester till och med {sv_last} och läser inte mejl. "
           "Jag är åter {iso}.",
           "Jag är tjänstledig och nås igen {weekday_sv} {sv_date}."),
    "en": ("Thanks for your email. I'm out of the office and will be back on {en_date}. "
           "For anything urgent, please contact {boss}.",
           "I am on vacation with no access to email until {en_date}.",
           "Hi, I'm away and will return on {iso}. I'll reply when I'm back."),
}
