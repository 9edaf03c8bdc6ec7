# ruff: noqa: RUF001  (Russian text next to escapes and digits is not a confusable)
"""Demo data: the two users of the R7 example and a few hundred messages of theirs.

Everything is deterministic (a seeded random generator; dates count back from
now) and every message goes through ``resolvers.mailstore.store_message``, so
counters, the search index and the change log hold exactly as they would for
real mail. Each message keeps an RFC 5322 source built with ``app.mail.mime``.
"""

from __future__ import annotations

import io
import random
import uuid
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from fpdf import FPDF
from sqlalchemy import insert, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.mail.invites import invite_status
from app.mail.mime import Envelope, MimePart, build_email
from db.engine import Database
from db.models import ApiPermission, ChangeKind, Folder, MailThread
from db.types import utcnow
from resolvers.blobs import put_blob
from resolvers.changelog import ChangeEntry, record_changes
from resolvers.counters import CounterDeltas
from resolvers.errors import Conflict
from resolvers.labels import create_label
from resolvers.mailbox import list_folders
from resolvers.mailstore import Address, NewAttachment, NewMessage, store_message
from resolvers.records import UserRecord
from resolvers.thread_store import insert_thread
from resolvers.users import create_user, user_by_login
from resolvers.viewer import Viewer

PASSWORD = "TestPassword"
SEED = 7
DAYS = 90
#: Messages stored per unit of work.
CHUNK = 160

USERS: tuple[tuple[str, str, str], ...] = (
    ("user_test", "Сизый Федор Петрович", "siz_test@devr7.ru"),
    ("filip_test", "Филиппов Филипп Филиппович", "filip_test@devr7.ru"),
)
LABELS: tuple[tuple[str, str], ...] = (
    ("Работа", "#e53935"),
    ("Личное", "#43a047"),
    ("Finance", "#1e88e5"),
    ("Travel", "#fb8c00"),
)
#: (owner, name, parent name): folders the users made themselves.
USER_FOLDERS: tuple[tuple[str, str, str | None], ...] = (
    ("user_test", "Проекты", None),
    ("user_test", "Договоры", "Проекты"),
    ("filip_test", "Receipts", None),
)
#: Where each user files work mail that is about a project, and receipts.
PROJECT_FOLDER = {"user_test": "Проекты", "filip_test": None}
RECEIPTS_FOLDER = {"user_test": None, "filip_test": "Receipts"}

DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

MONTHS = ("январь", "февраль", "март", "апрель", "май", "июнь", "июль", "август", "сентябрь", "октябрь", "ноябрь")
MONTHS_GEN = ("января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября", "октября")
CITIES_RU = ("Казань", "Новосибирск", "Екатеринбург", "Санкт-Петербург", "Нижний Новгород", "Сочи")
CITIES_EN = ("Berlin", "Lisbon", "Istanbul", "Dubai", "Belgrade", "Yerevan")
PROJECTS_RU = ("Меркурий", "Северный поток данных", "Личный кабинет", "Портал закупок", "Интеграция с 1С")
PROJECTS_EN = ("Atlas", "Nightingale", "Mobile 3.0", "Payments API", "Search revamp")
WEEKDAYS = ("понедельник", "вторник", "среду", "четверг", "пятницу")


@dataclass(frozen=True, slots=True)
class Person:
    name: str
    address: str

    @property
    def first(self) -> str:
        parts = self.name.split()
        # Russian full names are "Surname Name Patronymic"; others "Name Surname".
        if len(parts) == 3:
            return parts[1]
        return parts[0] if parts else self.address

    def as_dict(self) -> dict[str, str]:
        return {"name": self.name, "address": self.address}


CONTACTS: tuple[Person, ...] = (
    Person("Анна Смирнова", "a.smirnova@example.ru"),
    Person("Дмитрий Козлов", "d.kozlov@example.ru"),
    Person("Ольга Васильева", "olga.vasilieva@example.ru"),
    Person("Игорь Петренко", "i.petrenko@example.org"),
    Person("Мария Лебедева", "m.lebedeva@example.ru"),
    Person("John Carter", "john.carter@example.com"),
    Person("Emily Stone", "emily.stone@example.com"),
    Person("Michael Brown", "m.brown@example.org"),
    Person("Sofia Rossi", "sofia.rossi@example.net"),
)
BANK = Person("Банк Уведомления", "noreply@bank.example.ru")
AIRLINE = Person("Авиакомпания", "tickets@avia.example.ru")
NEWS = Person("R7 Новости", "news@r7.example.ru")
GITLAB = Person("GitLab", "gitlab@example.com")
CLOUD = Person("Acme Cloud Billing", "billing@acme.example.com")
SPAMMERS: tuple[Person, ...] = (
    Person("Выигрыш дня", "prize@lucky.example.net"),
    Person("Crypto Profits", "win@crypto.example.net"),
)

# Templates: (subject, body, label or None, important-ish, sender pool).
# Placeholders are filled by ``_fill``.
Template = tuple[str, str, str | None, bool, str]

INBOUND: tuple[Template, ...] = (
    (
        "Отчёт за {month}",
        "Добрый день, {to}!\n\nНаправляю отчёт за {month}. Выручка выросла на {pct}%, расходы в пределах плана."
        " Подробности обсудим на планёрке.\n\nС уважением,\n{from_name}",
        "Работа",
        False,
        "ru",
    ),
    (
        "Совещание по проекту «{project}»",
        "Коллеги, переносим совещание по проекту «{project}» на {weekday}, {hour}:00.\n\nПовестка: статус задач,"
        " риски, план на следующую неделю.\n\n{from_name}",
        "Работа",
        False,
        "ru",
    ),
    (
        "Счёт №{n} на оплату",
        "Здравствуйте!\n\nВыставлен счёт №{n} от {day} {month_gen}. Сумма к оплате: {amount} ₽."
        " Просим оплатить до конца месяца.\n\nБухгалтерия",
        "Finance",
        True,
        "ru",
    ),
    (
        "Командировка в {city}",
        "{to}, добрый день!\n\nБилеты и гостиница для командировки в {city} забронированы. Вылет {day} {month_gen},"
        " проживание три ночи. Не забудьте оформить авансовый отчёт после поездки.\n\n{from_name}",
        "Travel",
        False,
        "ru",
    ),
    (
        "Напоминание: табель учёта рабочего времени",
        "Напоминаем, что табель за {month} нужно сдать до пятницы. Спасибо!\n\n{from_name}",
        "Работа",
        False,
        "ru",
    ),
    (
        "Поздравляем с днём рождения!",
        "Дорогой {to}!\n\nОт всей команды поздравляем с днём рождения! Желаем здоровья, удачи и интересных"
        " проектов.\n\n{from_name}",
        "Личное",
        False,
        "ru",
    ),
    (
        "Фотографии с выходных",
        "Привет!\n\nВыложила фотографии с поездки за город, посмотри, когда будет время. Было здорово, надо"
        " повторить!\n\n{from_name}",
        "Личное",
        False,
        "ru",
    ),
    (
        "Изменения в регламенте документооборота",
        "Уважаемые коллеги!\n\nС {day} {month_gen} вступает в силу новая редакция регламента документооборота."
        " Договоры теперь согласуются в системе электронного документооборота.\n\n{from_name}",
        "Работа",
        True,
        "ru",
    ),
    (
        "Вопрос по проекту «{project}»",
        "{to}, подскажите, пожалуйста, кто отвечает за интеграцию в проекте «{project}»? Нужно согласовать"
        " сроки.\n\nСпасибо,\n{from_name}",
        "Работа",
        False,
        "ru",
    ),
    (
        "Quarterly report Q{q}",
        "Hi {to},\n\nPlease find the Q{q} numbers below. Revenue is up {pct}% quarter over quarter, churn is"
        " flat.\n\nBest,\n{from_name}",
        "Finance",
        False,
        "en",
    ),
    (
        "Weekly sync notes — {project_en}",
        "Hi all,\n\nNotes from today's {project_en} sync:\n- staging is green\n- release candidate on {weekday_en}\n"
        "- open question: data migration window\n\nThanks,\n{from_name}",
        "Работа",
        False,
        "en",
    ),
    (
        "Conference in {city_en}",
        "Hi {to},\n\nThe conference in {city_en} is confirmed for next month. I booked the hotel near the venue;"
        " let me know your arrival date.\n\nCheers,\n{from_name}",
        "Travel",
        False,
        "en",
    ),
    (
        "Lunch on Friday?",
        "Hey {to}, are you free for lunch on Friday? There is a new place near the office.\n\n{from_name}",
        "Личное",
        False,
        "en",
    ),
    (
        "Contract renewal for {project_en}",
        "Dear {to},\n\nOur contract for {project_en} expires at the end of the quarter. Could we schedule a call"
        " to discuss the renewal terms?\n\nKind regards,\n{from_name}",
        "Работа",
        True,
        "en",
    ),
)

SERVICE: tuple[tuple[Person, str, str, str | None], ...] = (
    (
        BANK,
        "Выписка по счёту за {month}",
        "Уважаемый клиент! Сформирована выписка по счёту за {month}. Остаток на конец периода: {amount} ₽.",
        "Finance",
    ),
    (
        BANK,
        "Списание {amount} ₽",
        "По вашей карте *{card} выполнено списание {amount} ₽. Если это были не вы, позвоните в банк.",
        "Finance",
    ),
    (
        AIRLINE,
        "Ваш билет: Москва — {city}",
        "Спасибо за покупку! Рейс Москва — {city}, {day} {month_gen}. Онлайн-регистрация открывается за 24 часа.",
        "Travel",
    ),
    (
        NEWS,
        "Новости R7: что нового в {month}",
        "В этом выпуске: совместное редактирование документов, новый почтовый клиент и обновлённый календарь.",
        None,
    ),
    (
        GITLAB,
        "[GitLab] Pipeline failed for {project_en}",
        "Pipeline #{n} for {project_en} failed on branch main.\nFailed job: test-integration\n",
        "Работа",
    ),
    (
        GITLAB,
        "[GitLab] Merge request !{n} was merged",
        'Merge request !{n} "Fix pagination in {project_en}" was merged into main.',
        "Работа",
    ),
)

OUTBOUND: tuple[tuple[str, str, str | None], ...] = (
    (
        "Документы по проекту «{project}»",
        "Добрый день, {to}!\n\nОтправляю документы по проекту «{project}». Прошу подтвердить получение.\n\n"
        "С уважением,\n{from_name}",
        "Работа",
    ),
    (
        "Ответ на запрос №{n}",
        "{to}, здравствуйте!\n\nПо вашему запросу №{n}: работы будут завершены до {day} {month_gen}.\n\n{from_name}",
        "Работа",
    ),
    (
        "Meeting follow-up",
        "Hi {to},\n\nThanks for the meeting today. As agreed, we will send the updated estimate for {project_en}"
        " by {weekday_en}.\n\nBest regards,\n{from_name}",
        "Работа",
    ),
    (
        "Question about invoice #{n}",
        "Hello,\n\nCould you please resend invoice #{n}? The attachment in the previous email was empty.\n\n"
        "Thanks,\n{from_name}",
        "Finance",
    ),
    ("Заявка на отпуск", "{to}, добрый день!\n\nПрошу согласовать отпуск с {day} {month_gen} на две недели.", None),
)

INTERNAL: tuple[tuple[str, str, str | None], ...] = (
    ("Ключи от переговорной", "{to}, ключи от переговорной оставил на ресепшене.", None),
    ("Обед в 13:00?", "Идём обедать в 13:00? Могу забронировать столик.", "Личное"),
    (
        "Презентация для клиента",
        "{to}, посмотри, пожалуйста, презентацию для клиента по проекту «{project}» до вечера.",
        "Работа",
    ),
    ("Code review please", "Hi {to}, could you review my merge request for {project_en} today? Thanks!", "Работа"),
    ("План на неделю", "Коллега, план на неделю: ревью договора, демо «{project}», отчёт за {month}.", "Работа"),
    ("Авансовый отчёт", "{to}, не забудь приложить чеки к авансовому отчёту по командировке в {city}.", "Finance"),
)

#: Conversations between the two users: (subject, label, replies; first one opens the thread).
THREADS: tuple[tuple[str, str | None, tuple[str, ...]], ...] = (
    (
        "Договор поставки № 17/25",
        "Работа",
        (
            "Фёдор Петрович, добрый день!\n\nНаправляю проект договора поставки № 17/25 на согласование.",
            "Посмотрел договор. Есть замечания по пункту 4.2 (сроки оплаты) и приложению 3.",
            "Исправил пункт 4.2, приложение 3 согласовали с юристами. Новая редакция во вложении.",
            "Согласовано. Передаю договор на подписание.",
        ),
    ),
    (
        "Подготовка к релизу 2.4",
        "Работа",
        (
            "Коллеги, релиз 2.4 планируем на следующую среду. Соберите, пожалуйста, список изменений.",
            "Список изменений готов, осталось описать миграцию базы данных.",
            "Миграцию описал. Тестовый стенд обновлён, можно проверять.",
            "Проверил на стенде: всё работает, кроме выгрузки в XLSX. Завёл задачу.",
            "Выгрузку починили, релиз по плану.",
        ),
    ),
    (
        "Offsite in Kazan — agenda",
        "Travel",
        (
            "Hi! Here is the draft agenda for the offsite in Kazan: strategy on day one, team workshops on day two.",
            "Looks good. Can we add a session on the mobile roadmap?",
            "Added it after lunch on day two. Hotel is booked for everyone.",
            "Great, thanks! I'll share the travel details with the team.",
        ),
    ),
    (
        "Бюджет на третий квартал",
        "Finance",
        (
            "Прошу до пятницы прислать заявки на бюджет третьего квартала.",
            "Заявка отдела разработки: серверы, лицензии, обучение. Итого 1 250 000 ₽.",
            "Принято, включил в сводный бюджет.",
        ),
    ),
    (
        "Onboarding of the new developer",
        "Работа",
        (
            "Our new developer starts on Monday. Could you prepare the laptop and accounts?",
            "Accounts are ready; the laptop arrives on Friday.",
            "Perfect, I'll pair with them on the first tasks.",
        ),
    ),
    (
        "Отпуск в августе",
        "Личное",
        (
            "Филипп, я планирую отпуск в августе, сможешь подменить меня на две недели?",
            "Да, без проблем. Оставь, пожалуйста, список текущих задач.",
        ),
    ),
)

SPAM: tuple[tuple[str, str], ...] = (
    ("Вы выиграли iPhone!!!", "Поздравляем! Для получения приза перейдите по ссылке и оплатите доставку."),
    ("Double your crypto in 24 hours", "Send 0.1 BTC and receive 0.2 BTC back. Limited offer!"),
    ("Срочно: ваш аккаунт будет заблокирован", "Подтвердите пароль по ссылке, иначе аккаунт будет удалён."),
)


# ---------------------------------------------------------------------------
# Files


def make_docx(paragraphs: list[str]) -> bytes:
    """A minimal valid Word document: content types, package relationships, the document."""
    content_types = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/word/document.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
        "</Types>"
    )
    rels = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        'officeDocument" Target="word/document.xml"/>'
        "</Relationships>"
    )
    body = "".join(f'<w:p><w:r><w:t xml:space="preserve">{_xml(p)}</w:t></w:r></w:p>' for p in paragraphs)
    document = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        f"<w:body>{body}</w:body></w:document>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in (
            ("[Content_Types].xml", content_types),
            ("_rels/.rels", rels),
            ("word/document.xml", document),
        ):
            info = zipfile.ZipInfo(name, date_time=(2025, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, text.encode("utf-8"))
    return out.getvalue()


def _xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def make_pdf(title: str, lines: list[str]) -> bytes:
    """A one-page PDF with Latin text (the core Helvetica font)."""
    pdf = FPDF()
    pdf.set_creation_date(datetime(2025, 1, 1, tzinfo=UTC))
    pdf.set_title(title)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 16)
    pdf.cell(0, 10, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=11)
    for line in lines:
        pdf.cell(0, 7, line, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def make_ics(
    *, method: str, uid: str, summary: str, start: datetime, organizer: Person, attendee: Person, partstat: str
) -> bytes:
    """A calendar invite (or a reply to one) with one attendee."""

    def stamp(value: datetime) -> str:
        return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")

    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//mailgate//demo//EN",
        f"METHOD:{method}",
        "BEGIN:VEVENT",
        f"UID:{uid}",
        f"DTSTAMP:{stamp(start - timedelta(days=2))}",
        f"DTSTART:{stamp(start)}",
        f"DTEND:{stamp(start + timedelta(hours=1))}",
        f"SUMMARY:{summary}",
        f"ORGANIZER;CN={organizer.name}:mailto:{organizer.address}",
        f"ATTENDEE;CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;PARTSTAT={partstat};CN={attendee.name}:mailto:{attendee.address}",
        "END:VEVENT",
        "END:VCALENDAR",
        "",
    ]
    return "\r\n".join(lines).encode("utf-8")


# ---------------------------------------------------------------------------
# The plan: logical messages and the mailbox copies of each


@dataclass(slots=True)
class File:
    name: str
    mime_type: str
    data: bytes


@dataclass(slots=True)
class Copy:
    """One mailbox's copy: owner login, folder (a role or a user folder's name) and flags."""

    owner: str
    folder: str
    was_read: bool
    labels: list[str] = field(default_factory=list)
    important: bool = False
    was_sent: bool = False
    is_draft: bool = False


@dataclass(slots=True)
class Mail:
    subject: str
    body: str
    sender: Person
    to: list[Person]
    date: datetime
    message_id: str
    copies: list[Copy]
    html_body: str | None = None
    cc: list[Person] = field(default_factory=list)
    in_reply_to: str | None = None
    references: list[str] = field(default_factory=list)
    thread: int | None = None
    files: list[File] = field(default_factory=list)
    important: bool = False
    autogenerated: bool = False
    invite_status: str = "NONE"


class Planner:
    """Builds the list of mails from a seeded generator; writes nothing."""

    def __init__(self, now: datetime, domain: str, seed: int = SEED) -> None:
        self.rng = random.Random(seed)  # noqa: S311 (demo data, not secrets)
        self.now = now.replace(microsecond=0)
        self.domain = domain
        self.mails: list[Mail] = []
        self.users = {login: Person(name, email) for login, name, email in USERS}
        self.counter = 0
        self.thread_keys: list[str] = []
        self.thread_names: list[str] = []
        self.docx = make_docx(
            [
                "ДОГОВОР ПОСТАВКИ № 17/25",
                "г. Москва",
                "1. Поставщик обязуется поставить, а Покупатель принять и оплатить товар.",
                "4.2. Оплата производится в течение 10 банковских дней с даты поставки.",
            ]
        )
        self.pdf = make_pdf(
            "Invoice #0142 - Acme Cloud",
            [
                "Bill to: R7 Demo LLC",
                "Period: last month",
                "Compute: 2 x standard-4   USD 240.00",
                "Storage: 500 GB           USD  25.00",
                "Total due:                USD 265.00",
            ],
        )

    # helpers -----------------------------------------------------------

    def message_id(self) -> str:
        self.counter += 1
        return f"demo.{self.counter:04d}.{self.rng.getrandbits(40):010x}@{self.domain}"

    def date(self, max_days: float = DAYS, min_days: float = 0.02) -> datetime:
        seconds = self.rng.uniform(min_days * 86400, max_days * 86400)
        return self.now - timedelta(seconds=int(seconds))

    def was_read(self, date: datetime) -> bool:
        age = (self.now - date).days
        return self.rng.random() < (0.95 if age > 7 else 0.45)

    def fill(self, subject: str, body: str, sender: Person, to: Person) -> tuple[str, str]:
        """The subject and body with the same values in their placeholders."""
        rng = self.rng
        values = {
            "month": rng.choice(MONTHS),
            "month_gen": rng.choice(MONTHS_GEN),
            "day": rng.randint(1, 28),
            "city": rng.choice(CITIES_RU),
            "city_en": rng.choice(CITIES_EN),
            "project": rng.choice(PROJECTS_RU),
            "project_en": rng.choice(PROJECTS_EN),
            "weekday": rng.choice(WEEKDAYS),
            "weekday_en": rng.choice(("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")),
            "hour": rng.randint(10, 17),
            "pct": rng.randint(3, 27),
            "q": rng.randint(1, 4),
            "n": rng.randint(100, 9999),
            "amount": f"{rng.randint(1_000, 250_000):,}".replace(",", " "),
            "card": rng.randint(1000, 9999),
            "to": to.first,
            "from_name": sender.name,
        }
        return subject.format(**values), body.format(**values)

    def inbound_folder(self, owner: str, label: str | None, date: datetime, autogenerated: bool) -> str:
        rng = self.rng
        receipts = RECEIPTS_FOLDER[owner]
        if receipts and label == "Finance" and autogenerated:
            return receipts
        project = PROJECT_FOLDER[owner]
        if project and label == "Работа" and rng.random() < 0.25:
            return project
        if (self.now - date).days > 30 and rng.random() < 0.4:
            return "ARCHIVE"
        return "INBOX"

    def add(self, mail: Mail) -> Mail:
        self.mails.append(mail)
        return mail

    # kinds of mail -----------------------------------------------------

    def inbound(self, owner: str, count: int) -> None:
        rng, me = self.rng, self.users[owner]
        for _ in range(count):
            if rng.random() < 0.3:
                sender, subject, body, label = rng.choice(SERVICE)
                autogenerated, important = True, False
            else:
                subject, body, label, important, lang = rng.choice(INBOUND)
                pool = [c for c in CONTACTS if (c.address.endswith(".ru")) == (lang == "ru")] or list(CONTACTS)
                sender = rng.choice(pool)
                autogenerated = False
                important = (important and rng.random() < 0.5) or rng.random() < 0.05
            date = self.date()
            subject, text = self.fill(subject, body, sender, me)
            html = None
            if sender is NEWS:
                html = (
                    "<html><body><h1>Новости R7</h1>"
                    + "".join(f"<p>{_xml(p)}</p>" for p in text.split("\n"))
                    + "</body></html>"
                )
            labels = [label] if label and rng.random() < 0.8 else []
            self.add(
                Mail(
                    subject=subject,
                    body=text,
                    html_body=html,
                    sender=sender,
                    to=[me],
                    date=date,
                    message_id=self.message_id(),
                    autogenerated=autogenerated,
                    important=important,
                    copies=[
                        Copy(
                            owner,
                            self.inbound_folder(owner, label, date, autogenerated),
                            self.was_read(date),
                            labels,
                            important,
                        )
                    ],
                )
            )

    def outbound(self, owner: str, count: int) -> None:
        rng, me = self.rng, self.users[owner]
        for _ in range(count):
            subject, body, label = rng.choice(OUTBOUND)
            to = rng.choice(CONTACTS)
            cc = [rng.choice([c for c in CONTACTS if c != to])] if rng.random() < 0.2 else []
            subject, body = self.fill(subject, body, me, to)
            self.add(
                Mail(
                    subject=subject,
                    body=body,
                    sender=me,
                    to=[to],
                    cc=cc,
                    date=self.date(),
                    message_id=self.message_id(),
                    copies=[Copy(owner, "SENT", True, [label] if label else [], was_sent=True)],
                )
            )

    def internal(self, count: int) -> None:
        rng = self.rng
        logins = list(self.users)
        for _ in range(count):
            sender_login = rng.choice(logins)
            to_login = next(login for login in logins if login != sender_login)
            sender, to = self.users[sender_login], self.users[to_login]
            subject, body, label = rng.choice(INTERNAL)
            subject, body = self.fill(subject, body, sender, to)
            date = self.date()
            labels = [label] if label else []
            self.add(
                Mail(
                    subject=subject,
                    body=body,
                    sender=sender,
                    to=[to],
                    date=date,
                    message_id=self.message_id(),
                    copies=[
                        Copy(sender_login, "SENT", True, labels, was_sent=True),
                        Copy(to_login, "INBOX", self.was_read(date), labels),
                    ],
                )
            )

    def threads(self) -> None:
        rng = self.rng
        logins = list(self.users)
        for index, (subject, label, replies) in enumerate(THREADS):
            self.thread_keys.append(str(uuid.UUID(int=rng.getrandbits(128), version=4)))
            self.thread_names.append(subject)
            date = self.date(max_days=DAYS - 5, min_days=2)
            first_sender = logins[1] if index % 2 == 0 else logins[0]
            chain: list[str] = []
            sender_login = first_sender
            for turn, text in enumerate(replies):
                to_login = next(login for login in logins if login != sender_login)
                sender, to = self.users[sender_login], self.users[to_login]
                files: list[File] = []
                if index == 0 and turn in (0, 2):
                    files.append(File("Договор.docx", DOCX_MIME, self.docx))
                mail_id = self.message_id()
                # The first user files the contract conversation under Проекты/Договоры.
                inbox = "Договоры" if index == 0 and to_login == "user_test" else "INBOX"
                labels = [label] if label else []
                self.add(
                    Mail(
                        subject=subject if turn == 0 else f"Re: {subject}",
                        body=f"{text}\n\n{sender.name}",
                        sender=sender,
                        to=[to],
                        date=date,
                        message_id=mail_id,
                        in_reply_to=chain[-1] if chain else None,
                        references=list(chain),
                        thread=index,
                        files=files,
                        important=index == 0 and turn == 0,
                        copies=[
                            Copy(sender_login, "SENT", True, labels, was_sent=True),
                            Copy(to_login, inbox, self.was_read(date), labels, important=index == 0 and turn == 0),
                        ],
                    )
                )
                chain.append(mail_id)
                step = timedelta(minutes=rng.randint(30, 30 * 60))
                date = min(date + step, self.now - timedelta(minutes=5))
                sender_login = to_login

    def specials(self) -> None:
        """The mail with files: an invite reply, an invitation, an invoice PDF, contracts, a draft."""
        me, filip = self.users["user_test"], self.users["filip_test"]
        brown, smirnova = CONTACTS[7], CONTACTS[0]
        start = (self.now + timedelta(days=5)).replace(hour=9, minute=0, second=0)
        declined = make_ics(
            method="REPLY",
            uid=f"kickoff-q3@{self.domain}",
            summary="Q3 planning kickoff",
            start=start,
            organizer=me,
            attendee=brown,
            partstat="DECLINED",
        )
        date = self.date(max_days=6)
        self.add(
            Mail(
                subject="Declined: Q3 planning kickoff",
                body="Michael Brown has declined this invitation.\n\nSorry, I am travelling that week.",
                sender=brown,
                to=[me],
                date=date,
                message_id=self.message_id(),
                files=[File("invite.ics", "text/calendar", declined)],
                invite_status=invite_status(declined),
                copies=[Copy("user_test", "INBOX", False, ["Работа"])],
            )
        )
        invitation = make_ics(
            method="REQUEST",
            uid=f"retro@{self.domain}",
            summary="Ретроспектива спринта",
            start=start + timedelta(days=1, hours=5),
            organizer=smirnova,
            attendee=filip,
            partstat="NEEDS-ACTION",
        )
        date = self.date(max_days=4)
        self.add(
            Mail(
                subject="Приглашение: Ретроспектива спринта",
                body="Анна Смирнова приглашает вас на ретроспективу спринта.",
                sender=smirnova,
                to=[filip],
                date=date,
                message_id=self.message_id(),
                files=[File("invite.ics", "text/calendar", invitation)],
                invite_status=invite_status(invitation, filip.address),
                copies=[Copy("filip_test", "INBOX", False, ["Работа"])],
            )
        )
        for owner in ("user_test", "filip_test"):
            person = self.users[owner]
            date = self.date(max_days=40)
            folder = RECEIPTS_FOLDER[owner] or "INBOX"
            self.add(
                Mail(
                    subject="Invoice #0142 from Acme Cloud",
                    body=f"Hello {person.first},\n\nYour invoice #0142 is attached. Total due: USD 265.00.\n\n"
                    "Acme Cloud Billing",
                    sender=CLOUD,
                    to=[person],
                    date=date,
                    message_id=self.message_id(),
                    autogenerated=True,
                    files=[File("Invoice-0142.pdf", "application/pdf", self.pdf)],
                    copies=[Copy(owner, folder, self.was_read(date), ["Finance"])],
                )
            )
        date = self.date(max_days=60)
        self.add(
            Mail(
                subject="Договор аренды офиса: подписанный экземпляр",
                body="Фёдор Петрович, добрый день!\n\nВо вложении подписанный договор аренды.\n\nОльга Васильева",
                sender=CONTACTS[2],
                to=[me],
                date=date,
                message_id=self.message_id(),
                files=[File("Договор.docx", DOCX_MIME, self.docx)],
                copies=[Copy("user_test", "Договоры", True, ["Работа"])],
            )
        )
        self.add(
            Mail(
                subject="Черновик: предложение по проекту «Меркурий»",
                body="Предлагаю разбить проект на три этапа...",
                sender=me,
                to=[CONTACTS[1]],
                date=self.date(max_days=2),
                message_id=self.message_id(),
                copies=[Copy("user_test", "DRAFTS", True, is_draft=True)],
            )
        )
        for subject, body in SPAM:
            sender = self.rng.choice(SPAMMERS)
            owner = self.rng.choice(list(self.users))
            self.add(
                Mail(
                    subject=subject,
                    body=body,
                    sender=sender,
                    to=[self.users[owner]],
                    date=self.date(max_days=30),
                    message_id=self.message_id(),
                    copies=[Copy(owner, "JUNK", False)],
                )
            )

    def plan(self) -> list[Mail]:
        self.inbound("user_test", 120)
        self.inbound("filip_test", 70)
        self.outbound("user_test", 25)
        self.outbound("filip_test", 15)
        self.internal(20)
        self.threads()
        self.specials()
        self.mails.sort(key=lambda m: m.date)
        return self.mails


# ---------------------------------------------------------------------------
# Writing


async def load_demo_data(db: Database, *, domain: str = "mailgate.local") -> bool:
    """Load the demo users and their mail once; False when the users exist already."""
    async with db.read() as session:
        if await user_by_login(session, USERS[0][0]) is not None:
            return False
    planner = Planner(utcnow(), domain)
    mails = planner.plan()
    # The CPU work (MIME) happens before any write lock is taken.
    raws = [_raw(mail) for mail in mails]
    try:
        setup = await _setup(db, planner, mails)
    except Conflict:
        return False  # loaded by someone else meanwhile, or one of the addresses is taken
    if setup is None:
        return False
    blobs: dict[bytes, str] = {}
    for start in range(0, len(mails), CHUNK):
        async with db.write() as session:
            deltas: dict[str, CounterDeltas] = defaultdict(CounterDeltas)
            changes: dict[str, list[ChangeEntry]] = defaultdict(list)
            for mail, raw in zip(mails[start : start + CHUNK], raws[start : start + CHUNK], strict=True):
                await _store(session, mail, raw, setup, blobs, deltas, changes, domain)
            for login, entries in changes.items():
                touched = await deltas[login].apply(session)
                await record_changes(
                    session,
                    setup.users[login].id,
                    entries + [ChangeEntry(ChangeKind.FOLDER_UPDATED, folder_id=f) for f in touched],
                )
    return True


@dataclass(slots=True)
class Setup:
    """Ids of what the first unit of work made: users, folders and labels by name, threads."""

    users: dict[str, UserRecord]
    folders: dict[str, dict[str, int]]
    labels: dict[str, dict[str, int]]
    threads: list[str]


async def _setup(db: Database, planner: Planner, mails: list[Mail]) -> Setup | None:
    """Users, their folders and labels, and the mail threads; None when the users exist."""
    folder_table = Folder.__table__  # type: ignore[attr-defined]
    thread_table = MailThread.__table__  # type: ignore[attr-defined]
    async with db.write() as session:
        if await user_by_login(session, USERS[0][0]) is not None:
            return None
        setup = Setup(users={}, folders={}, labels={}, threads=[])
        for login, name, email in USERS:
            setup.users[login] = await create_user(session, login=login, name=name, email=email, password=PASSWORD)
        for login, user in setup.users.items():
            viewer = Viewer(user_id=user.id, permissions=ApiPermission.ALL)
            folders = setup.folders[login] = {str(f.role): f.id for f in await list_folders(session, viewer) if f.role}
            for order, (owner, name, parent) in enumerate(USER_FOLDERS):
                if owner != login:
                    continue
                statement = insert(folder_table).values(
                    owner_id=user.id,
                    name=name,
                    role=None,
                    parent_id=folders[parent] if parent else None,
                    sort_order=order,
                    total_count=0,
                    unread_count=0,
                    created_at=planner.now - timedelta(days=DAYS + 1),
                )
                folders[name] = int((await session.execute(statement.returning(folder_table.c.id))).scalar_one())
            setup.labels[login] = {
                name: (await create_label(session, viewer, name, color)).id for name, color in LABELS
            }
        for index, (key, name) in enumerate(zip(planner.thread_keys, planner.thread_names, strict=True)):
            creator, follower = setup.users["filip_test"], setup.users["user_test"]
            if index % 2:
                creator, follower = follower, creator
            record = await insert_thread(session, creator.id, name, key, [follower.id])
            dates = [m.date for m in mails if m.thread == index]
            # The thread is as old as its first message and was updated by its last.
            await session.execute(
                update(thread_table)
                .where(thread_table.c.id == record.id)
                .values(created_at=min(dates), updated_at=max(dates))
            )
            setup.threads.append(record.id)
    return setup


def _raw(mail: Mail) -> bytes:
    """The RFC 5322 source of a mail."""
    return build_email(
        Envelope(
            sender=mail.sender.as_dict(),
            subject=mail.subject,
            body=mail.body,
            html_body=mail.html_body,
            to=[p.as_dict() for p in mail.to],
            cc=[p.as_dict() for p in mail.cc],
            date=mail.date,
            message_id=mail.message_id,
            in_reply_to=mail.in_reply_to,
            references=mail.references,
            important=mail.important,
            parts=[MimePart(f.name, f.mime_type, f.data) for f in mail.files],
        )
    ).as_bytes()


async def _blob(session: AsyncSession, data: bytes, cache: dict[bytes, str]) -> str:
    digest = cache.get(data)
    if digest is None:
        digest = cache[data] = await put_blob(session, data)
    return digest


async def _store(
    session: AsyncSession,
    mail: Mail,
    raw: bytes,
    setup: Setup,
    blobs: dict[bytes, str],
    deltas: dict[str, CounterDeltas],
    changes: dict[str, list[ChangeEntry]],
    domain: str,
) -> None:
    """Every copy of one mail, through store_message; counters and changes go to the chunk's totals."""
    raw_sha256 = await put_blob(session, raw)
    attachments = [
        NewAttachment(await _blob(session, f.data, blobs), f.name, f.mime_type, len(f.data)) for f in mail.files
    ]
    for copy in mail.copies:
        folder_id = setup.folders[copy.owner][copy.folder]
        new = NewMessage(
            subject=mail.subject,
            sender=Address(mail.sender.address, mail.sender.name),
            body=mail.body,
            html_body=mail.html_body,
            to=[Address(p.address, p.name) for p in mail.to],
            cc=[Address(p.address, p.name) for p in mail.cc],
            date=mail.date,
            thread_id=setup.threads[mail.thread] if mail.thread is not None else None,
            was_read=copy.was_read,
            important=copy.important,
            was_sent=copy.was_sent,
            is_draft=copy.is_draft,
            is_autogenerated=mail.autogenerated,
            message_id_header=mail.message_id,
            in_reply_to=mail.in_reply_to,
            references=list(mail.references),
            event_invite_status=mail.invite_status,
            attachments=attachments,
            label_ids=[setup.labels[copy.owner][name] for name in copy.labels],
            size=len(raw),
            raw_sha256=raw_sha256,
        )
        owner_id = setup.users[copy.owner].id
        message_id = await store_message(session, owner_id, folder_id, new, deltas=deltas[copy.owner], domain=domain)
        changes[copy.owner].append(ChangeEntry(ChangeKind.CREATED, message_id, folder_id))
