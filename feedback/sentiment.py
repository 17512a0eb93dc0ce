"""Sentiment of a comment: a transparent lexicon-and-rules analyser, no model, nothing downloaded.

How it decides (docs/feedback.md says the same for managers):

1. The language. A language outside SUPPORTED_LANGUAGES gives UNKNOWN. The text's script is checked
   against it: Greek letters are read as Greek, Latin letters with Vietnamese marks as Vietnamese, other
   Latin text as the declared language (English when the declared one is written in another script), and
   Arabic script (Persian) or any other script as UNKNOWN - we do not read it, so we do not guess.
2. Words. The text is lower-cased (Greek also loses its accents and final sigma) and split into words and
   punctuation. Each lexicon entry (one word or a phrase of up to three words) scores +1 or -1.
3. Negation. A negator ("not", "never", "-n't", "δεν", "μην", "không", "chưa" ...) turns the next
   sentiment entry within three words around: "not good" counts -1; "not bad" counts +0.5 (milder than
   "good"). Punctuation ends a negation.
4. Contrast. After "but" ("αλλά", "nhưng") what came before counts half: "slow but very friendly" leans
   positive.
5. The sum decides: above zero positive, below zero negative. Zero is neutral only when the text is
   readable in that language (a sentiment word, or at least one in five words is a common word of the
   language); otherwise UNKNOWN.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction

from feedback.choices import Sentiment
from journeys.choices import Language

SUPPORTED_LANGUAGES: tuple[str, ...] = ("en", "el", "vi")
NEGATION_REACH = 3  # words after a negator that it can still turn around
MIN_COMMON_SHARE = 0.2  # share of common words that shows a sentiment-free text is in the language
MAX_PHRASE = 3

_TOKEN = re.compile(r"[\w']+|[.!?;,:]", re.UNICODE)


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


def _phrases(*items: str) -> frozenset[tuple[str, ...]]:
    return frozenset(tuple(item.split()) for item in items)


@dataclass(frozen=True)
class Lexicon:
    positive: frozenset[tuple[str, ...]]
    negative: frozenset[tuple[str, ...]]
    negators: frozenset[str]
    contrast: frozenset[str]
    common: frozenset[str]


ENGLISH = Lexicon(
    positive=_phrases(
        "good", "great", "excellent", "amazing", "awesome", "fantastic", "wonderful", "perfect", "love",
        "loved", "loves", "like", "liked", "happy", "pleased", "satisfied", "glad", "helpful", "friendly",
        "kind", "polite", "professional", "quick", "quickly", "fast", "easy", "easily", "smooth", "clear",
        "nice", "best", "better", "recommend", "recommended", "thanks", "thank", "impressed", "reliable",
        "efficient", "courteous", "superb", "brilliant", "outstanding", "pleasant", "enjoyed", "fine",
        "solved", "resolved", "fixed", "well done", "on time", "patient", "knowledgeable", "responsive",
        "trust", "comfortable", "convenient", "delighted", "exceeded", "attentive", "caring", "seamless",
    ),
    negative=_phrases(
        "bad", "poor", "terrible", "awful", "horrible", "worst", "worse", "hate", "hated", "angry",
        "annoyed", "annoying", "frustrated", "frustrating", "disappointed", "disappointing", "unhappy",
        "dissatisfied", "slow", "slowly", "late", "delay", "delayed", "rude", "unhelpful", "useless",
        "broken", "wrong", "problem", "problems", "issue", "issues", "complaint", "difficult", "hard",
        "confusing", "confused", "expensive", "overpriced", "waited", "waiting", "wait", "ignored",
        "never again", "waste", "wasted", "mess", "unprofessional", "careless", "lost", "damaged",
        "fail", "failed", "failure", "unacceptable", "ridiculous", "nightmare", "dirty", "noisy",
        "cancelled", "refund", "scam", "misleading", "unreliable", "incompetent", "sorry", "worried",
        "rip off", "no one", "nobody answered", "too long", "hung up",
    ),
    negators=_words("not no never nothing nobody hardly barely without neither nor cannot"),
    contrast=_words("but however although though yet"),
    common=_words(
        "the a an and or to of in on at for with was is are were be been it this that i we you they he she "
        "my our your me us them have has had do did will would can could there here from by as so very "
        "car service staff order"
    ),
)

# Greek is matched without accents or final sigma (see _normalise), so "Καλή" and "καλη" are one word.
# Greek inflects: each adjective is listed in the forms a comment uses.
GREEK = Lexicon(
    positive=_phrases(
        "καλοσ", "καλη", "καλο", "καλοι", "καλεσ", "καλα", "καλυτεροσ", "καλυτερη", "καλυτερο", "καλυτερα",
        "αριστοσ", "αριστη", "αριστο", "αριστα", "εξαιρετικοσ", "εξαιρετικη", "εξαιρετικο", "εξαιρετικα",
        "τελειοσ", "τελεια", "τελειο", "υπεροχοσ", "υπεροχη", "υπεροχο", "υπεροχα", "ευχαριστημενοσ",
        "ευχαριστημενη", "ευχαριστημενοι", "ευχαριστω", "ευχαριστουμε", "ικανοποιημενοσ", "ικανοποιημενη",
        "ικανοποιημενοι", "ευγενικοσ", "ευγενικη", "ευγενικο", "ευγενικοι", "ευγενικα", "γρηγοροσ",
        "γρηγορη", "γρηγορο", "γρηγορα", "ευκολοσ", "ευκολη", "ευκολο", "ευκολα", "χαρουμενοσ",
        "χαρουμενη", "συστηνω", "προτεινω", "φιλικοσ", "φιλικη", "φιλικο", "φιλικοι", "εξυπηρετικοσ",
        "εξυπηρετικη", "εξυπηρετικο", "εξυπηρετικοι", "επαγγελματιεσ", "επαγγελματικη", "αψογοσ", "αψογη",
        "αψογο", "αψογα", "μπραβο", "λυθηκε", "ομορφη", "ομορφο", "αξιοπιστοσ", "αξιοπιστη", "αξιοπιστο",
        "ευχαριστη", "ευχαριστο", "ικανοποιηση", "αγαπω", "μου αρεσε", "μου αρεσει",
    ),
    negative=_phrases(
        "κακοσ", "κακη", "κακο", "κακοι", "κακεσ", "κακα", "χειροτεροσ", "χειροτερη", "χειροτερο",
        "χειροτερα", "απαισιοσ", "απαισια", "απαισιο", "αθλιοσ", "αθλια", "αθλιο", "απογοητευση",
        "απογοητευμενοσ", "απογοητευμενη", "απογοητευμενοι", "θυμωμενοσ", "θυμωμενη", "αργοσ", "αργη",
        "αργο", "αργα", "αργησε", "καθυστερηση", "καθυστερησε", "καθυστερημενο", "αγενησ", "αγενεισ",
        "προβλημα", "προβληματα", "δυσκολο", "δυσκολη", "δυσκολα", "ακριβο", "ακριβη", "ακριβα",
        "περιμενα", "περιμεναμε", "αναμονη", "χαλασμενο", "χαλασε", "λαθοσ", "λαθη", "απαραδεκτο",
        "απαραδεκτη", "απαραδεκτοσ", "παραπονο", "ενοχλητικο", "ενοχλημενοσ", "αδιαφορια", "αδιαφοροι",
        "ασχετοι", "χαλια", "ποτε ξανα", "δυσαρεστημενοσ", "δυσαρεστημενη", "ανικανοι",
    ),
    negators=_words("δεν μην ουτε οχι χωρισ ποτε"),
    contrast=_words("αλλα ομωσ"),
    common=_words(
        "ο η το οι τα του τησ των τον την στο στη στην στον στα και να με σε για απο που ειναι ηταν "
        "εχω ειχα ηθελα μου μασ σασ αυτο αυτη πολυ θα ειχαμε εγινε αυτοκινητο υπηρεσια"
    ),
)

# Vietnamese writes words as syllables: most entries are phrases ("hài lòng" = satisfied). Matching
# needs the marks; text typed without them is not read (it falls through to UNKNOWN).
VIETNAMESE = Lexicon(
    positive=_phrases(
        "tốt", "rất tốt", "tuyệt", "tuyệt vời", "xuất sắc", "hài lòng", "vui", "vui vẻ", "thân thiện",
        "nhiệt tình", "nhanh", "nhanh chóng", "dễ", "dễ dàng", "hoàn hảo", "cảm ơn", "cám ơn", "chuyên nghiệp",
        "chu đáo", "lịch sự", "thích", "yêu", "hữu ích", "giới thiệu", "đáng tin", "ổn", "hiệu quả",
        "tận tình", "tận tâm", "ấn tượng", "đẹp", "tiện lợi", "giải quyết",
    ),
    negative=_phrases(
        "tệ", "rất tệ", "kém", "tồi", "tồi tệ", "dở", "chậm", "chậm trễ", "trễ", "muộn", "thất vọng",
        "bực", "bực mình", "khó chịu", "khó", "khó khăn", "đắt", "lỗi", "hỏng", "vấn đề", "thô lỗ",
        "chờ", "chờ đợi", "đợi lâu", "lâu", "không bao giờ quay lại", "phàn nàn", "cẩu thả", "lừa đảo",
        "tức giận", "buồn", "sai", "tệ hại", "kinh khủng",
    ),
    negators=_words("không chẳng chả chưa đừng chớ"),
    contrast=_words("nhưng tuy"),
    common=_words(
        "tôi chúng ta bạn anh chị em là của và có được đã đang sẽ rất với cho này đó một những các "
        "người xe dịch vụ nhân viên khi thì mà ở"
    ),
)

LEXICONS: dict[str, Lexicon] = {"en": ENGLISH, "el": GREEK, "vi": VIETNAMESE}

# Marks only Vietnamese uses among Latin-script languages we might meet (ơ ư ă đ, and the tone marks
# stacked on circumflex vowels or placed with a dot below).
_VIETNAMESE_MARKS = re.compile(r"[ơưăđƠƯĂĐ\u1EA0-\u1EF9]")


def _script(text: str) -> str:
    """The dominant script of the letters: latin, greek, arabic, other, or none (no letters)."""
    counts = {"latin": 0, "greek": 0, "arabic": 0, "other": 0}
    for char in text:
        if not char.isalpha():
            continue
        code = ord(char)
        if code < 0x250 or 0x1E00 <= code <= 0x1EFF:
            counts["latin"] += 1
        elif 0x370 <= code <= 0x3FF or 0x1F00 <= code <= 0x1FFF:
            counts["greek"] += 1
        elif 0x600 <= code <= 0x6FF or 0x750 <= code <= 0x77F or 0xFB50 <= code <= 0xFDFF or 0xFE70 <= code <= 0xFEFF:
            counts["arabic"] += 1
        else:
            counts["other"] += 1
    script, count = max(counts.items(), key=lambda item: item[1])
    return script if count else "none"


def reading_language(text: str, language: str) -> str | None:
    """The supported language the text is read in, or None when it cannot be read (never a guess)."""
    if language not in Language.values:
        return None  # a language the product does not speak at all
    script = _script(text)
    if script == "greek":
        return "el"
    if script != "latin":
        return None  # Arabic script (Persian), any other script, or no letters at all
    if _VIETNAMESE_MARKS.search(text):
        return "vi"
    if language in ("en", "vi"):
        return language
    return "en"  # Latin letters under a non-Latin language: read as English; step 5 refuses non-English


def _normalise(text: str, language: str) -> str:
    text = unicodedata.normalize("NFC", text).lower()
    if language == "el":
        stripped = "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))
        text = stripped.replace("ς", "σ")
    return text.replace("’", "'")


def _tokens(text: str, language: str) -> list[str]:
    tokens = []
    for token in _TOKEN.findall(_normalise(text, language)):
        if token.endswith("n't"):  # don't, isn't, wasn't ...: the negation is the word's end
            tokens.extend([token[:-3], "not"])
        else:
            tokens.append(token.strip("'") or token)
    return [t for t in tokens if t]


def score_text(text: str, language: str) -> tuple[float, int, int]:
    """(score, sentiment entries found, common words) of a text already known to be in `language`."""
    lexicon = LEXICONS[language]
    tokens = _tokens(text, language)
    total = 0.0
    hits = 0
    common = 0
    negation_left = 0
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if not token[0].isalnum() and token[0] != "_":
            negation_left = 0  # punctuation ends a negation
            i += 1
            continue
        matched = 0
        polarity = 0
        for size in range(min(MAX_PHRASE, len(tokens) - i), 0, -1):
            phrase = tuple(tokens[i:i + size])
            if phrase in lexicon.positive:
                matched, polarity = size, 1
                break
            if phrase in lexicon.negative:
                matched, polarity = size, -1
                break
        if matched:
            hits += 1
            if negation_left:
                total += -1.0 if polarity > 0 else 0.5
                negation_left = 0
            else:
                total += polarity
            i += matched
            continue
        if token in lexicon.negators:
            negation_left = NEGATION_REACH
        elif token in lexicon.contrast:
            total /= 2
            negation_left = 0
        else:
            if token in lexicon.common:
                common += 1
            negation_left = max(negation_left - 1, 0)
        if token in lexicon.negators or token in lexicon.contrast:
            common += 1
        i += 1
    return total, hits, common


def analyse(text: str, *, language: str) -> str:
    """POSITIVE, NEUTRAL or NEGATIVE for a comment in a supported language; UNKNOWN otherwise."""
    text = (text or "").strip()
    if not text:
        return Sentiment.UNKNOWN
    reading = reading_language(text, language)
    if reading is None:
        return Sentiment.UNKNOWN
    total, hits, common = score_text(text, reading)
    if total > 0:
        return Sentiment.POSITIVE
    if total < 0:
        return Sentiment.NEGATIVE
    words = sum(1 for t in _tokens(text, reading) if t[0].isalnum() or t[0] == "_")
    if hits or (words and common / words >= MIN_COMMON_SHARE):
        return Sentiment.NEUTRAL
    return Sentiment.UNKNOWN


REANALYSE_BATCH_SIZE = 1000  # responses read and written per transaction: ~1000 short UPDATEs


def sentiment_reanalyse_all(
    *, batch_size: int = REANALYSE_BATCH_SIZE, progress: Callable[[int, int], None] | None = None
) -> int:
    """Recompute the sentiment of every response (after the lexicons change). Returns how many changed.

    Walks the responses in id order in bounded batches, each in its own transaction, and writes only
    the rows whose sentiment changes; safe to interrupt and run again.
    """
    from feedback.models import Response

    total = Response.objects.count()
    done = changed = 0
    last_id = 0
    while True:
        with transaction.atomic():
            rows = list(Response.objects.filter(pk__gt=last_id).order_by("pk")
                        .values_list("pk", "comment", "language", "sentiment")[:batch_size])
            if not rows:
                break
            updates: dict[str, list[int]] = {}
            for pk, comment, language, old in rows:
                new = analyse(comment, language=language)
                if new != old:
                    updates.setdefault(new, []).append(pk)
            for sentiment, ids in updates.items():
                changed += Response.objects.filter(pk__in=ids).update(sentiment=sentiment)
        last_id = rows[-1][0]
        done += len(rows)
        if progress is not None:
            progress(done, total)
    return changed
