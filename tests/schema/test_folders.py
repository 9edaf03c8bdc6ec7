"""Folders, labels and the mailbox state, as a mail client reads them."""

from __future__ import annotations

from db.engine import Database
from tests.utils.factories import deliver, folder_id, make_folder, make_label, make_user
from tests.utils.graphql import Client

FOLDERS = "{ folders { id name role sortOrder totalCount unreadCount parent { id name } children { id name } } }"


async def test_folders_list_system_folders_first_then_by_sort_order_and_name(db: Database, client: Client) -> None:
    user = await make_user(db, "user_test")
    await make_folder(db, user, "Zeta", sort_order=0)
    await make_folder(db, user, "alpha", sort_order=5)
    await make_folder(db, user, "Beta", sort_order=0)
    me = await client.login("user_test")

    folders = (await me.data(FOLDERS))["folders"]

    roles = [f["role"] for f in folders]
    assert roles[:6] == ["INBOX", "DRAFTS", "SENT", "ARCHIVE", "JUNK", "TRASH"]
    assert [f["name"] for f in folders[6:]] == ["Beta", "Zeta", "alpha"]
    assert all(f["role"] is None for f in folders[6:])


async def test_folder_counters_follow_arriving_mail(db: Database, client: Client) -> None:
    user = await make_user(db, "user_test")
    await deliver(db, user, subject="one")
    await deliver(db, user, subject="two", was_read=True)
    await deliver(db, user, folder="ARCHIVE", subject="three")
    me = await client.login("user_test")

    folders = {f["role"]: f for f in (await me.data(FOLDERS))["folders"]}

    assert (folders["INBOX"]["totalCount"], folders["INBOX"]["unreadCount"]) == (2, 1)
    assert (folders["ARCHIVE"]["totalCount"], folders["ARCHIVE"]["unreadCount"]) == (1, 1)
    assert (folders["SENT"]["totalCount"], folders["SENT"]["unreadCount"]) == (0, 0)


async def test_nested_folder_knows_its_parent_and_the_parent_its_children(db: Database, client: Client) -> None:
    user = await make_user(db, "user_test")
    projects = await make_folder(db, user, "Projects")
    second = await make_folder(db, user, "Второй", parent_id=projects, sort_order=2)
    first = await make_folder(db, user, "Первый", parent_id=projects, sort_order=1)
    me = await client.login("user_test")

    by_id = {f["id"]: f for f in (await me.data(FOLDERS))["folders"]}

    assert by_id[str(projects)]["parent"] is None
    assert by_id[str(projects)]["children"] == [
        {"id": str(first), "name": "Первый"},
        {"id": str(second), "name": "Второй"},
    ]
    assert by_id[str(first)]["parent"] == {"id": str(projects), "name": "Projects"}
    assert by_id[str(first)]["children"] == []

    one = await me.data(
        "query($id: ID!) { folder(id: $id) { name parent { name } children { name } } }", {"id": second}
    )
    assert one["folder"] == {"name": "Второй", "parent": {"name": "Projects"}, "children": []}


async def test_folder_by_id_with_its_messages(db: Database, client: Client) -> None:
    user = await make_user(db, "user_test")
    await deliver(db, user, subject="in inbox")
    await deliver(db, user, folder="SENT", subject="sent one", was_read=True)
    inbox = await folder_id(db, user, "INBOX")
    me = await client.login("user_test")

    data = await me.data(
        """query($id: ID!) { folder(id: $id) { id name role totalCount unreadCount
             messages(first: 5) { totalCount unreadCount nodes { subject folder { id } } } } }""",
        {"id": str(inbox)},
    )

    folder = data["folder"]
    assert (folder["name"], folder["role"], folder["totalCount"], folder["unreadCount"]) == ("Inbox", "INBOX", 1, 1)
    assert folder["messages"]["nodes"] == [{"subject": "in inbox", "folder": {"id": str(inbox)}}]
    assert (folder["messages"]["totalCount"], folder["messages"]["unreadCount"]) == (1, 1)


async def test_labels_with_their_counters(db: Database, client: Client) -> None:
    user = await make_user(db, "user_test")
    work = await make_label(db, user, "Работа", "#ff0000")
    home = await make_label(db, user, "Home")
    await make_label(db, user, "Empty")
    await deliver(db, user, label_ids=[work.id, home.id])
    await deliver(db, user, label_ids=[work.id], was_read=True)
    me = await client.login("user_test")

    labels = (await me.data("{ labels { id name color messageCount unreadCount } }"))["labels"]

    assert [(x["name"], x["messageCount"], x["unreadCount"]) for x in labels] == [
        ("Empty", 0, 0),
        ("Home", 1, 1),
        ("Работа", 2, 1),
    ]
    assert labels[2]["color"] == "#ff0000" and labels[2]["id"] == str(work.id)


async def test_mailbox_state_moves_when_mail_arrives(db: Database, client: Client) -> None:
    user = await make_user(db, "user_test")
    me = await client.login("user_test")
    before = (await me.data("{ mailboxState }"))["mailboxState"]

    await deliver(db, user)
    after = (await me.data("{ mailboxState }"))["mailboxState"]

    assert after != before
    assert (await me.data("{ mailboxState }"))["mailboxState"] == after
