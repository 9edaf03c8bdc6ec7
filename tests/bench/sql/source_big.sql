-- Big folders for the list page's p50 against folder size: user 51 ("biguser") with the six
-- folders every seeded user has, plus one user folder per size in :sizes (an int array, e.g.
-- array[10000, 100000, 1000000]) named "Big <size>", holding that many messages (ids after
-- the seed's). Deterministic (no random()): short bodies, one message in three with an
-- attachment, one in five unread, dates one minute apart. Run after source_seed.sql, in schema "peer".

insert into users (id, login, name, email) values (51, 'biguser', 'Big Mailbox 51', 'biguser@mail.example.com');

insert into folders (id, owner_id, name, role, parent_id, sort_order)
select 300 + k, 51, (array['Inbox','Sent','Drafts','Trash','Spam','Work'])[k],
       (array['inbox','sent','drafts','trash','spam',null])[k], case when k = 6 then 301 end, k
from generate_series(1, 6) k;

create temp table big_sizes on commit drop as
select 306 + n as folder_id, size, coalesce(sum(size) over (order by n rows between unbounded preceding and 1 preceding), 0) as first
from unnest(:sizes::int[]) with ordinality s(size, n);

insert into folders (id, owner_id, name, role, parent_id, sort_order)
select folder_id, 51, 'Big ' || size, null, null, folder_id from big_sizes;

create temp table big_gen on commit drop as
select (select coalesce(max(id), 0) from messages) + b.first + i as id, b.folder_id, i
from big_sizes b, generate_series(1, b.size) i;

insert into messages (id, owner_id, folder_id, thread_id, subject, body, html_body, from_name, from_address,
                      to_addrs, cc_addrs, bcc_addrs, date, was_read, important, was_replied, is_deleted,
                      has_attachments, size, message_id)
select g.id, 51, g.folder_id, null,
       'Big folder message #' || g.i,
       'Message ' || g.i || ' of a big folder: please review the attached budget before the meeting',
       null, 'Contact ' || (g.i % 500), 'contact' || (g.i % 500) || '@example.org',
       array['biguser@mail.example.com'], '{}', '{}',
       timestamptz '2024-06-01 00:00:00+00' - make_interval(mins => g.i),
       g.i % 5 <> 0, false, false, false, g.i % 3 = 0, 900 + case when g.i % 3 = 0 then 20000 else 0 end,
       format('<big%s@example.org>', g.id)
from big_gen g
order by g.id;

insert into attachments (message_id, file_name, mime_type, size)
select g.id, 'report_' || g.i || '.pdf', 'application/pdf', 20000 from big_gen g where g.i % 3 = 0 order by g.id;

select setval('users_id_seq', 51);
select setval('folders_id_seq', (select max(id) from folders));
select setval('messages_id_seq', (select max(id) from messages));
