"""Words for the demo data: customer comments and names in the four languages of the source material.

The comments are real sentences, copied unchanged from the articles the product was conceived from
(English, Greek, Vietnamese and Persian; see DESIGN.md section 1), so demo pages show four scripts,
right-to-left text included. The Persian article was found without zero-width non-joiners
("میکند" rather than "می‌کند"); the sentences keep it exactly as it was found.

Everything here is a tuple, never a dict or a set, so the demo builder draws from it in a fixed order.
"""

from __future__ import annotations

from dataclasses import dataclass

# Tones a comment can carry; the builder picks a tone that fits the score it goes with.
PRAISE = "praise"
COMPLAINT = "complaint"
NEUTRAL = "neutral"


@dataclass(frozen=True)
class Sentence:
    language: str  # a journeys.choices.Language value
    tone: str
    text: str


SENTENCES: tuple[Sentence, ...] = (
    # --- English -------------------------------------------------------------------------------------
    Sentence("en", PRAISE, "This emotional connection can be achieved through personalized interactions, "
                           "exceptional service, and memorable experiences."),
    Sentence("en", PRAISE, "By taking a proactive approach, businesses can create a more tailored and "
                           "satisfying customer experience."),
    Sentence("en", PRAISE, "Customer experience aims to create a seamless and enjoyable experience at every "
                           "stage, aiming to exceed customer expectations and foster loyalty."),
    Sentence("en", COMPLAINT, "Customer service is about providing a solution to a problem, while customer "
                              "experience is about creating a positive emotional connection with the customer."),
    Sentence("en", COMPLAINT, "Customer service is typically reactive, addressing issues as they come up and "
                              "aiming to resolve them promptly and effectively."),
    Sentence("en", COMPLAINT, "It goes beyond just the interactions with customer service representatives and "
                              "includes every touchpoint a customer has with the business."),
    Sentence("en", NEUTRAL, "This can include answering questions, providing troubleshooting, handling "
                            "complaints, and resolving any problems that arise."),
    Sentence("en", NEUTRAL, "These two terms are often used interchangeably, but they refer to distinct aspects "
                            "of the relationship between a business and its customers."),
    # --- Greek ---------------------------------------------------------------------------------------
    Sentence("el", PRAISE, "Η εμπειρία του πελάτη είναι κάτι περισσότερο από την απλή εξυπηρέτηση πελατών."),
    Sentence("el", PRAISE, "Τα τελευταία χρόνια, η αντιπροσωπεία έχει σημειώσει αύξηση 26% στις πωλήσεις."),
    Sentence("el", PRAISE, "Η πραγματική κατανόηση των αναγκών, των επιθυμιών και των συναισθημάτων τους είναι "
                           "το κλειδί για τη δημιουργία εξατομικευμένων αλληλεπιδράσεων."),
    Sentence("el", COMPLAINT, "Αν και οι πωλήσεις ήταν σταθερές, η διοίκηση ανησυχούσε ότι οι πελάτες και οι "
                              "υπάλληλοί τους δεν ήταν ευχαριστημένοι."),
    Sentence("el", COMPLAINT, "Η εξυπηρέτηση πελατών είναι αντιδραστική, ενώ η εμπειρία του πελάτη είναι "
                              "προληπτική."),
    Sentence("el", COMPLAINT, "Η εξυπηρέτηση πελατών είναι ένα στοιχείο της συνολικής εμπειρίας του πελάτη, "
                              "αλλά δεν είναι ολόκληρη η εμπειρία."),
    Sentence("el", NEUTRAL, "Η εξυπηρέτηση πελατών είναι συναλλακτική, ενώ η εμπειρία του πελάτη είναι "
                            "σχεσιακή."),
    Sentence("el", NEUTRAL, "Η εξυπηρέτηση πελατών είναι ένα υποσύνολο της εμπειρίας των πελατών."),
    # --- Vietnamese ----------------------------------------------------------------------------------
    Sentence("vi", PRAISE, "Cả hai đều đóng vai trò quan trọng trong việc xây dựng sự trung thành của khách "
                           "hàng và thúc đẩy tăng trưởng kinh doanh."),
    Sentence("vi", PRAISE, "Cả dịch vụ khách hàng và trải nghiệm khách hàng đều rất quan trọng để xây dựng mối "
                           "quan hệ bền chặt với khách hàng."),
    Sentence("vi", PRAISE, "Trải nghiệm khách hàng là chủ động, tập trung vào việc dự đoán nhu cầu của khách "
                           "hàng và cải thiện hành trình của họ thông qua nghiên cứu và phân tích."),
    Sentence("vi", COMPLAINT, "Dịch vụ khách hàng là một phần của hành trình trải nghiệm khách hàng, giải quyết "
                              "các vấn đề và cải thiện trải nghiệm tổng thể."),
    Sentence("vi", COMPLAINT, "Nó liên quan đến nhiều điểm tiếp xúc và nhiều bộ phận tham gia."),
    Sentence("vi", COMPLAINT, "Dịch vụ khách hàng là chức năng hỗ trợ khách hàng, cung cấp trợ giúp và lời "
                              "khuyên khi khách hàng gặp vấn đề hoặc có thắc mắc về sản phẩm hoặc dịch vụ."),
    Sentence("vi", NEUTRAL, "Dịch vụ khách hàng và trải nghiệm khách hàng là hai khái niệm liên quan nhưng khác "
                            "biệt."),
    Sentence("vi", NEUTRAL, "Trải nghiệm khách hàng bao gồm toàn bộ quá trình tương tác của khách hàng với "
                            "doanh nghiệp, từ khám phá đến mua hàng và chăm sóc sau mua hàng."),
    # --- Persian -------------------------------------------------------------------------------------
    Sentence("fa", PRAISE, "تصور کنید شما همیشه در ارائه خدمات به مشتریان خود عالی عمل کردهاید، عملکرد شما "
                           "قطعا باعث خواهد شد که آن مشتری، تبدیل به یک مشتری وفادار شود."),
    Sentence("fa", PRAISE, "تجربهی مشتری یک فرایند است و در طول دوره عمر مشتری همواره در جریان خواهد بود."),
    Sentence("fa", PRAISE, "بنابراین فراهم کردن یک تجربهی خوب برای مشتریان، باعث رضایت مشتریان و وفاداری "
                           "آنها و کسب سود شما خواهد شد."),
    Sentence("fa", COMPLAINT, "گاهی خدمات مشکلی نداشتن و برخورد کارشناس خوب بوده، سایر بخش های سازمان هم در "
                              "رقم زدن تجربه مشتری خوب عمل کردن، اما یک اتفاق به ظاهر کوچک مثل صف انتظار بیش از "
                              "حد برای دریافت پشتیبانی باعث میشه مشتری احساس کنه تجربه خوبی نداره و به سرعت به "
                              "سمت رقبای ما جذب بشه!"),
    Sentence("fa", COMPLAINT, "در دنیای امروز مشتریان ما شاید بدلیل تغییرات سبک زندگی، واقعا حوصله و صبوری کمی "
                              "دارند."),
    Sentence("fa", COMPLAINT, "همچنین زمانی که مشتری با شما ارتباط تلفنی برقرار میکند توقع دارد که در کمترین "
                              "زمان ممکن به پاسخ برسد."),
    Sentence("fa", NEUTRAL, "تجربهای که مشتریان در تعامل با کسب و کار شما به دست میآورند مستقیما بر تصمیمات "
                            "آنها تاثیر میگذارد."),
    Sentence("fa", NEUTRAL, "هر مشتری در طول دوره عمر خود یک سفری را در تعامل با کسب و کار شما تجربه میکند."),
)

# Real replies from the material, used now and then as an agent's answer to a customer of that language.
AGENT_SENTENCES: tuple[Sentence, ...] = (
    Sentence("fa", NEUTRAL, "بله دقیقا همینظوره، به همین دلیل سازمان باید تمام تلاششو انجام بده تا خدمات در "
                            "کمترین زمان ممکن ارائه بشه اما بروز چنین اتفاقاتی اجتناب ناپذیره"),
    Sentence("el", NEUTRAL, "Η εμπειρία του πελάτη αφορά την ευρύτερη εικόνα του τι συμβαίνει πριν και μετά από "
                            "αυτές τις αλληλεπιδράσεις."),
)

# The agents' own words (the agents of the demo write English).
FIRST_REPLIES: tuple[str, ...] = (
    "Thank you for telling us. I am looking into this now and will get back to you today.",
    "Sorry about this. I have your details in front of me and am checking with the team.",
    "Thanks for your patience. I have picked this up and will keep you posted.",
    "Thank you for reaching out. Let me check what happened and come back to you.",
)
ASK_CUSTOMER: tuple[str, ...] = (
    "Could you send us your order number so we can find it quickly?",
    "Could you tell us a time that suits you for a call back?",
    "Could you send a photo so we can see what you mean?",
)
CUSTOMER_FOLLOW_UPS: tuple[str, ...] = (
    "Here is the information you asked for.",
    "Any news? I am still waiting.",
    "Thanks, tomorrow morning works for me.",
)
RESOLUTIONS: tuple[str, ...] = (
    "This is sorted now. Thank you for bearing with us.",
    "Done: the change is in place and you should see it straight away.",
    "We have fixed this and added a note so it does not happen again.",
    "All resolved. If anything else comes up, just reply to this message.",
)
INTERNAL_NOTES: tuple[str, ...] = (
    "Asked the owning team for an update; waiting on their answer.",
    "Second time this customer has written about this. Keep an eye on it.",
    "Root cause looks like the hand-off between teams, not this case alone.",
)
REOPEN_MESSAGES: tuple[str, ...] = (
    "Sorry, the problem is back.",
    "This is not fixed after all.",
    "It worked for a day and now it happens again.",
)

# --- Names ---------------------------------------------------------------------------------------------
# (given name, family name) pools per language. Greek family names agree with the given name's gender,
# so each Greek pool pairs given names with family names of the same form.

ENGLISH_GIVEN: tuple[str, ...] = (
    "Emma", "Olivia", "Amelia", "Grace", "Chloe", "Sophie", "Hannah", "Ruby",
    "Jack", "Oliver", "Harry", "Thomas", "James", "Daniel", "Samuel", "Noah",
)
ENGLISH_FAMILY: tuple[str, ...] = (
    "Smith", "Clarke", "Walker", "Bennett", "Hughes", "Morgan", "Turner", "Price", "Patel", "Evans",
    "Foster", "Reid",
)

GREEK_GIVEN_MALE: tuple[str, ...] = (
    "Νίκος", "Γιώργος", "Δημήτρης", "Κώστας", "Γιάννης", "Αλέξανδρος", "Σπύρος", "Παναγιώτης",
)
GREEK_FAMILY_MALE: tuple[str, ...] = (
    "Παπαδόπουλος", "Γεωργίου", "Οικονόμου", "Καραγιάννης", "Βλάχος", "Νικολάου", "Μαυρίδης", "Παππάς",
)
GREEK_GIVEN_FEMALE: tuple[str, ...] = (
    "Μαρία", "Ελένη", "Κατερίνα", "Σοφία", "Δήμητρα", "Αναστασία", "Χριστίνα", "Βασιλική",
)
GREEK_FAMILY_FEMALE: tuple[str, ...] = (
    "Παπαδοπούλου", "Γεωργίου", "Οικονόμου", "Καραγιάννη", "Βλάχου", "Νικολάου", "Μαυρίδου", "Παππά",
)

# Vietnamese names read family name, middle name, given name.
VIETNAMESE_FAMILY: tuple[str, ...] = (
    "Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ",
)
VIETNAMESE_MIDDLE_MALE: tuple[str, ...] = ("Văn", "Minh", "Đức", "Quang", "Thanh")
VIETNAMESE_GIVEN_MALE: tuple[str, ...] = ("An", "Bảo", "Dũng", "Hùng", "Khoa", "Long", "Phúc", "Tuấn")
VIETNAMESE_MIDDLE_FEMALE: tuple[str, ...] = ("Thị", "Ngọc", "Thu", "Thanh", "Minh")
VIETNAMESE_GIVEN_FEMALE: tuple[str, ...] = ("Anh", "Hà", "Hương", "Lan", "Linh", "Mai", "Thảo", "Trang")

PERSIAN_GIVEN: tuple[str, ...] = (
    "علی", "محمد", "رضا", "حسین", "امیر", "مهدی", "سعید", "کاوه",
    "سارا", "مریم", "زهرا", "فاطمه", "نگار", "لیلا", "شیرین", "گلاله",
)
PERSIAN_FAMILY: tuple[str, ...] = (
    "احمدی", "محمدی", "حسینی", "رضایی", "کریمی", "موسوی", "رحیمی", "جعفری", "سلطانی", "برزگر",
    "صادقی", "تهرانی",
)

# Share of demo customers per language, in a fixed order.
LANGUAGE_MIX: tuple[tuple[str, float], ...] = (("en", 0.34), ("el", 0.24), ("vi", 0.21), ("fa", 0.21))
