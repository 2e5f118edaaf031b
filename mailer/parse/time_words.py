"""The words of a command's time, Swedish and English, and the patterns built from them. Pure.

The vocabulary :mod:`mailer.parse.command_time` reads a time with (its module docstring says
which shapes): lengths and counts, days and weekdays, the current check-in, open ends, week
numbers, the words around a start and an end, whole months and their ends. Text comes in
lowercased, whitespace folded; every pattern is anchored by its user and runs on a clause of a
first line, so none can take long. Month and weekday names are
:mod:`mailer.parse.return_dates`'s.
"""

from __future__ import annotations

import re

from mailer.parse.return_dates import MONTHS, WEEKDAYS, alternatives

#: A length as a number of days ("a month" is 30, as the pause command has always counted).
UNIT_DAYS = {
    "day": 1, "days": 1, "dag": 1, "dagar": 1, "dagarna": 1, "d": 1,
    "week": 7, "weeks": 7, "wk": 7, "wks": 7, "w": 7, "vecka": 7, "veckor": 7,
    "veckorna": 7, "v": 7, "fortnight": 14,
    "month": 30, "months": 30, "månad": 30, "månader": 30, "månaderna": 30,
}
COUNTS = {
    "a": 1, "an": 1, "one": 1, "en": 1, "ett": 1, "two": 2, "två": 2, "three": 3, "tre": 3,
    "four": 4, "fyra": 4, "five": 5, "fem": 5, "six": 6, "sex": 6, "seven": 7, "sju": 7,
    "eight": 8, "åtta": 8, "nine": 9, "nio": 9, "ten": 10, "tio": 10,
}

LENGTH = re.compile(
    r"(?:(?:for|i|under)\s+)?(?:(?:the|de)\s+)?(?:(?:next|coming|following|närmaste|kommande)"
    rf"\s+)?(?P<n>\d{{1,3}}|{alternatives(COUNTS)})\s*(?P<unit>{alternatives(UNIT_DAYS)})\.?"
    r"(?:\s+(?:framåt|framöver|ahead|from now|from today|från idag|från i dag))?")

_MONTH = alternatives(MONTHS)
#: A weekday shortened, as it is written before a date ("fre 18/12", "Fri. 18 Dec").
_WEEKDAY_SHORT = alternatives(("mån", "tis", "ons", "tor", "tors", "fre", "lör", "sön", "mon",
                               "tue", "tues", "wed", "thu", "thur", "thurs", "fri", "sat", "sun"))
_YEAR = r"(?:,?\s+20\d\d)?"
#: The calendar dates first_date reads, whole ("4 januari", "jan 3rd", "21/12", "7.1."), maybe
#: after their weekday ("fredag 18/12", "fre. 18/12", "Monday, January 4").
CALENDAR = re.compile(
    rf"(?:(?:{alternatives(WEEKDAYS)}|(?:{_WEEKDAY_SHORT})\.?),?\s+(?:the\s+|den\s+)?)?(?:"
    r"20\d\d-\d{1,2}-\d{1,2}"
    rf"|\d{{1,2}}(?::?e|:?a|st|nd|rd|th)?\.?(?:\s+of)?\s+(?:{_MONTH})\.?{_YEAR}"
    rf"|(?:{_MONTH})\.?\s+(?:the\s+)?\d{{1,2}}(?:st|nd|rd|th)?{_YEAR}"
    r"|\d{1,2}/\d{1,2}(?:/(?:20)?\d\d)?"
    r"|\d{1,2}\.\d{1,2}\.(?:(?:20)?\d\d)?)")
#: A day of the month with an ordinal ("the 14th" reaches it through ON): a bare number is no day.
DAY_OF_MONTH = re.compile(r"(?P<day>\d{1,2})(?:st|nd|rd|th|:e|:a|e)")
THE_DAY = re.compile(r"(?:the|den)\s+(?P<day>\d{1,2})")  # "den 14": the article says it
WEEKDAY = re.compile(
    rf"(?:(?:next|this|coming|nästa|kommande|på)\s+)?(?P<w>{alternatives(WEEKDAYS)})")
RELATIVE_DAYS = {
    "yesterday": -1, "igår": -1, "i går": -1, "today": 0, "idag": 0, "i dag": 0,
    "tomorrow": 1, "imorgon": 1, "i morgon": 1,
    "imorn": 1, "i morn": 1, "imorrn": 1, "i morrn": 1, "morgondagen": 1,
    "the day after tomorrow": 2, "i övermorgon": 2, "övermorgon": 2,
}
ON = re.compile(r"(?:on|på|for|för|the|den|under|during)\s+")

#: The current check-in: a skip says this, a pause of it lasts until Sunday.
THIS_WEEK = re.compile(
    r"(?:(?:for|för|under)\s+)?(?:this week|den här veckan|denna vecka|denna veckan|veckan|"
    r"the week|this whole week|hela veckan|hela den här veckan|the rest of (?:the|this) week|"
    r"resten av veckan)")
THIS_ONE = re.compile(
    r"(?:(?:for|för)\s+)?(?:this one|this time|this round|this check-in|this checkin|"
    r"den här gången|denna gång|denna gången|den här omgången|denna omgång|denna omgången|"
    r"den här rundan|denna runda|denna rundan|den här|denna|detta|det här|this|"
    r"den här avstämningen|denna avstämning|nu|now)")
#: No end: a pause that asks to be told when.
OPEN = re.compile(
    r"(?:for now|for the time being|for a while|for some time|until further notice|"
    r"indefinitely|tills vidare|ett tag|ett tag framöver|en tid|en tid framöver|framöver|"
    r"until i'?m back|until i am back|tills jag är tillbaka|tills jag hör av mig)")
NEXT_WEEK = re.compile(r"(?:(?:for|för|under|during)\s+)?(?:next week|nästa vecka|nästa veckan|"
                       r"the coming week|kommande vecka|the week after|veckan efter)")
#: ISO week numbers, as "ledig v. 52" names them.
WEEKS = (r"(?:v\.?|vecka|veckorna|week|weeks|wk\.?|w\.?)\s*(?P<a>\d{1,2})"
                r"(?:\s*(?:-|–|och|and|&|,|to|till)\s*(?:v\.?\s*)?(?P<b>\d{1,2}))?")
WEEK_NUMBERS = re.compile(rf"(?:(?:for|för|under|during|i|in)\s+)?(?:hela\s+|all\s+)?"
                          rf"{WEEKS}")

# The words around a start and an end, the longest first: "till och med" before "till".
FROM = re.compile(r"(?:^|\s)(?:" + alternatives((
    "from", "starting", "starting from", "starting on", "beginning", "beginning on", "as of",
    "effective", "från och med", r"fr\.?\s?o\.?\s?m\.?", "från", "med start",
    "med början", "with effect from")) + r")(?:\s+|$)")
_LAST_WORDS = ("until", "up until", "till", "to", "through", "thru", "till och med",
               r"t\.?\s?o\.?\s?m\.?", "up to and including", "until and including")
TO = re.compile(r"\s+(?:" + alternatives((*_LAST_WORDS, "and", "och")) + r")\s+|\s*[-–]\s*")
UNTIL = re.compile(r"(?:" + alternatives((*_LAST_WORDS, "tills", "tom", "fram till och med",
                                          "fram till", "up to")) + r")\s+")
#: "until after the 20th", "till efter nästa vecka": the day or week named is the last one away.
UNTIL_AFTER = re.compile(r"(?:until|up until|till|tills|fram till)\s+(?:after|efter)\s+")
FOR = re.compile(r"\s+(?=(?:for|i|under)\s)")
BETWEEN = re.compile(r"(?:between|mellan)\s+")

#: A dotted date at the end ("until 7.1."): its full stop is the date's, not the sentence's.
DOTTED_DATE_END = re.compile(r"\d\.\d{1,2}\.$")
SOME_LENGTH = re.compile(r"(?:(?:for|i|under)\s+)?\d{1,3}\s*[^\W\d_]{1,20}")

#: The month names of return_dates' one table, but "jul": Swedish for Christmas too ("i jul",
#: "över jul"), it names July only in a date ("24 jul").
MONTH_NUMBERS = {name: number for name, number in MONTHS.items() if name != "jul"}
#: A whole month, said as one ("i januari", "hela januari", "during January"); a month alone
#: is not ("till januari": the start of it, or the end?).
WHOLE_MONTH = re.compile(r"(?:in|i|during|under|hela|all of|all|throughout)\s+(?P<month>"
                         + alternatives(MONTH_NUMBERS) + ")")

REST_OF = re.compile(r"(?:(?:for|during|under)\s+)?(?:the\s+)?(?:rest of (?:the|this)|resten av)"
                     r"\s+(?:month|year|månaden|året)")
END_OF = re.compile(r"(?:the\s+)?(?:end of (?:the\s+|this\s+)?|slutet av\s+)"
                    r"(?P<what>month|year|månaden|året|" + alternatives(MONTH_NUMBERS) + ")")
YEAR_END = ("year", "året", "årsskiftet", "new year", "the new year", "nyår")

#: Two days of one month, the month said once: "14–23 december", "14 to 23 Dec", "den 14-23/12",
#: "December 14-23", "the 14th to the 23rd of December".
_ORDINAL = r"(?:st|nd|rd|th|:e|:a|e)?\.?"
DAYS_OF_A_MONTH = re.compile(
    rf"(?:(?:the|den)\s+)?(?P<a>\d{{1,2}}){_ORDINAL}(?P<to>{TO.pattern})"
    rf"(?P<last>(?:(?:the|den)\s+)?\d{{1,2}}{_ORDINAL}(?:\s+of)?\s+(?:{_MONTH})\.?{_YEAR}"
    r"|\d{1,2}/\d{1,2}(?:/(?:20)?\d\d)?)")
MONTH_OF_DAYS = re.compile(
    rf"(?P<month>{_MONTH})\.?\s+(?:the\s+)?(?P<a>\d{{1,2}}){_ORDINAL}(?P<to>{TO.pattern})"
    rf"(?:the\s+)?(?P<b>\d{{1,2}}){_ORDINAL}(?P<year>{_YEAR})")
