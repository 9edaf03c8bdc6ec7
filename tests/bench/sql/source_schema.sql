-- The source data of the benchmarks: the peer rig's mail schema (../shared/peers/schema.sql), created
-- in schema "peer" (the loader sets search_path), so the bench generates exactly the rows the
-- PostGraphile/Apollo peers serve, and tests/bench/sql/to_mailgate.sql maps them into mailgate's tables
-- the same way for `make bench` (generated here) and `make bench-peers` (copied from the rig's db "mail").


create table users (
  id     serial primary key,
  login  text not null unique,
  name   text not null,
  email  text not null
);

create table folders (
  id         serial primary key,
  owner_id   int  not null references users(id) on delete cascade,
  name       text not null,
  role       text,                       -- inbox|sent|drafts|trash|spam|NULL (user folder)
  parent_id  int  references folders(id) on delete cascade,
  sort_order int  not null default 0
);

create table messages (
  id              bigserial primary key,
  owner_id        int  not null references users(id) on delete cascade,
  folder_id       int  not null references folders(id) on delete cascade,
  thread_id       bigint,
  subject         text not null default '',
  body            text,
  html_body       text,
  from_name       text,
  from_address    text not null,
  to_addrs        text[] not null default '{}',
  cc_addrs        text[] not null default '{}',
  bcc_addrs       text[] not null default '{}',
  date            timestamptz not null,
  was_read        boolean not null default false,
  important       boolean not null default false,
  was_replied     boolean not null default false,
  is_deleted      boolean not null default false,
  has_attachments boolean not null default false,
  size            int not null default 0,
  message_id      text                    -- RFC 5322 Message-ID header
);

create table attachments (
  id          bigserial primary key,
  message_id  bigint not null references messages(id) on delete cascade,
  file_name   text not null,
  mime_type   text not null,
  size        int  not null
);

create table labels (
  id        serial primary key,
  owner_id  int  not null references users(id) on delete cascade,
  name      text not null,
  unique (owner_id, name)
);

create table message_labels (
  message_id bigint not null references messages(id) on delete cascade,
  label_id   int    not null references labels(id)   on delete cascade,
  primary key (message_id, label_id)
);

-- Indexes ------------------------------------------------------------------
-- list page: newest N of a folder (id as tie-breaker, matches ORDER BY date DESC, id DESC)
create index messages_folder_date_idx  on messages (folder_id, date desc, id desc);
-- unread counters per folder (small partial index)
create index messages_folder_unread_idx on messages (folder_id) where not was_read;
create index messages_owner_date_idx   on messages (owner_id, date desc);
create index messages_thread_idx       on messages (thread_id);
create index messages_message_id_idx   on messages (message_id);
create index attachments_message_idx   on attachments (message_id);
create index folders_owner_idx         on folders (owner_id, sort_order);
create index folders_parent_idx        on folders (parent_id);
create index labels_owner_idx          on labels (owner_id);
create index message_labels_label_idx  on message_labels (label_id);

-- Computed columns for PostGraphile v4 (exposed as Folder.totalCount / Folder.unreadCount).
-- v4 has no aggregates plugin in core; these give the same numbers the Apollo peer
-- computes with one batched GROUP BY.
