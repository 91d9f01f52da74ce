"""Words that say nothing about what a parent asks: greetings, thanks, question words,
pronouns, auxiliaries, prepositions and fillers, per language (folded like the texts).

Left out of a question before it is searched and before its coverage is counted, so "hello my
baby won't stop crying" is about crying, not about a tip that says hello, and "how much is
child benefit" in Urdu is not matched by a tip on how warm a room should be.

Written for tipsbot rather than taken from a package: stopwordsiso (0.7.1) and stop-words
(2025.11.4) have no Welsh list, stop-words none for Urdu, and their English lists (1,300
words) hold words parents ask about ("help", "free", "cry", "ill", "year", "stop", "work");
stopwordsiso's Polish one holds "lat" (years). These lists keep only words that never carry
the topic of a question. Urdu includes Roman Urdu, which parents type too; every language's
questions also drop the English words (they are searched in English too).
"""

from __future__ import annotations

from collections.abc import Mapping

from domain.ask.text import fold

_WORDS: Mapping[str, str] = {
    "en": """
        hello hi hey hiya morning evening thanks thank thx please pls plz ok okay yes no
        what whats when whens where wheres which who whos whom whose why how hows much many
        i im ive id me my mine myself we were us our ours you youre your yours he hes him his
        she shes her hers it its they theyre them their theirs this that thats these those
        am is are was be been being do does did doing done have has had having can could
        should would will shall may might must get got getting dont doesnt didnt cant couldnt
        wont wouldnt shouldnt isnt arent wasnt havent hasnt not
        a an the of to in on at for with from by about as into and or but if so than then
        there any some anyone someone anything something just really very still also too
        know tell ask asking question wondering need want
        """,
    "cy": """
        helo haia shwmae sumae bore noswaith diolch plis os gwelwch dda
        beth be pryd ble lle pwy pam sut faint pa oes ydy ydi yw mae ydw wyf dw dwi rwy rydw
        rwyn rydyn dyw nag oedd sydd bod fod wedi fydd bydd gallaf alla allaf fedra
        fy fe fi ti chi ni nhw hi e o ei eu ein eich
        y yr r a ac ag yn n i ir ar am at gyda efo mewn hefyd ond neu na nad ddim dim mor
        iawn jyst hwn hon hyn yma yna
        """,
    "pl": """
        czesc witam hej halo dzieki dziekuje prosze pytanie pytam
        co kiedy gdzie jak jaki jaka jakie jakiego jakiej ile czy dlaczego czemu kto ktory
        ktora ktore wynosi
        ja mnie mi moj moja moje mojego mojej moim moja ty tobie on ona ono my wy oni one nas
        nam jego jej ich sie to ten ta te tego tej tym
        jest sa byc byl byla bylo mam ma mamy macie mozna moge moze mozemy
        w we z ze na do od po o przy dla za u i a oraz lub albo ale tak juz jeszcze bardzo
        tylko nie
        """,
    "uk": """
        привіт вітаю дякую будь ласка питання
        що як коли де куди чому навіщо хто який яка яке які якого якої скільки чи
        я мене мені мій моя моє мої моєї моєму моїй моїм ти тебе тобі він вона воно ми ви
        вони нас нам вас вам його її їх їй йому себе собі це цей ця ці той та те ті
        таке така такі є бути був була було були можна можу може маю має маємо
        в у з із зі на до від по про при для за під і й а але або так вже ще дуже лише тільки
        не ні
        """,
    "ur": """
        ہیلو سلام السلام علیکم شکریہ براہ کرم
        کیا کیسے کب کہاں کون کونسا کونسی کیوں کتنا کتنی کتنے
        میں میرا میری میرے ہم ہمارا ہماری ہمارے آپ آپکا آپکی آپکے تم اس اسے اسکا اسکی وہ یہ
        ان انہیں مجھے ہمیں
        کا کی کے کو سے پر تک لیے لئے اور یا لیکن کہ بھی تو ہی
        ہے ہیں تھا تھی تھے ہو ہوں ہوتا ہوتی ہوتے گا گی گے رہا رہی رہے کر کرنا کریں کرتا کرتی
        کرتے سکتا سکتی سکتے چاہیے نہیں نہ
        salam shukriya kya kaise kese kab kahan kaun kon kyun kyu kitna kitni kitne
        main mein me mera meri mere hum aap ap tum is us ye yeh woh wo mujhe
        ka ki ke ko se par pe tak liye lye aur ya lekin bhi to hi
        hai hain tha thi the ho hon hota hoti hote ga gi ge raha rahi rahe kar karna karein
        karen krna sakta sakti sakte chahiye nahi nahin na ji
        """,
}

STOP_WORDS: Mapping[str, frozenset[str]] = {
    language: frozenset(fold(word) for word in text.split()) for language, text in _WORDS.items()
}


def stop_words(language: str, default_language: str = "en") -> frozenset[str]:
    """The words a question in `language` is searched without: its own and the default
    language's (the question is compared with the English texts too)."""
    return STOP_WORDS.get(language, frozenset()) | STOP_WORDS.get(default_language, frozenset())
