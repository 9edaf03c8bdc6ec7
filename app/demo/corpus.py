# ruff: noqa: RUF001  (Russian text next to escapes and digits is not a confusable)
"""The demo's people, folders, labels and the texts its mail is made of."""

from __future__ import annotations

from dataclasses import dataclass

PASSWORD = "TestPassword"
SEED = 7
DAYS = 90

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
