-- Deterministic seed for the source schema (../shared/peers/seed.sql with the message count a
-- parameter, :messages, 200,000 in the rig); run in ONE session: setseed() only affects random()
-- calls in the same session.
--   50 users, 6 folders each (300), :messages messages (200,000 in the rig), ~240,000 attachments (0-3 per
--   message, mean 1.2), 5 labels per user, ~30% of messages labelled.
-- Bodies are 200-2000 bytes of text; ~60% of messages also carry an HTML body.
-- Dates are relative to a fixed instant (no now()) so reruns give identical data.
select setseed(0.4242);

-- users -------------------------------------------------------------------
insert into users (id, login, name, email)
select u, format('user%s', lpad(u::text, 2, '0')),
       (array['Alice','Bob','Carol','Dave','Erin','Frank','Grace','Heidi','Ivan','Judy'])[1 + (u % 10)]
         || ' ' || (array['Smith','Jones','Brown','Miller','Davis'])[1 + (u / 10) % 5] || ' ' || u,
       format('user%s@mail.example.com', lpad(u::text, 2, '0'))
from generate_series(1, 50) u;
select setval('users_id_seq', 50);

-- folders: id = (user-1)*6 + k; k: 1 inbox, 2 sent, 3 drafts, 4 trash, 5 spam, 6 "Work" (child of Inbox)
insert into folders (id, owner_id, name, role, parent_id, sort_order)
select (u - 1) * 6 + k, u,
       (array['Inbox','Sent','Drafts','Trash','Spam','Work'])[k],
       (array['inbox','sent','drafts','trash','spam',null])[k],
       case when k = 6 then (u - 1) * 6 + 1 end,
       k
from generate_series(1, 50) u, generate_series(1, 6) k
order by 1;
select setval('folders_id_seq', 300);

-- labels: 5 per user -----------------------------------------------------------
insert into labels (id, owner_id, name)
select (u - 1) * 5 + k, u, (array['Work','Personal','Finance','Travel','Urgent'])[k]
from generate_series(1, 50) u, generate_series(1, 5) k
order by 1;
select setval('labels_id_seq', 250);

-- messages: draw all random numbers once into a temp table -------------------
create temp table gen on commit drop as
select i,
       1 + floor(random() * 50)::int                       as owner,
       random()                                            as r_folder,
       random()                                            as r_att,
       200 + floor(random() * 1801)::int                   as body_len,   -- 200..2000
       floor(random() * 2000)::int                         as body_off,
       random() < 0.6                                      as has_html,
       1 + floor(random() * 40)::int                       as subj,
       floor(random() * 4)::int                            as subj_prefix,
       1 + floor(random() * 500)::int                      as contact,
       floor(random() * 3)::int                            as n_cc,
       random() < 0.05                                     as has_bcc,
       random() * 365 * 86400                              as age_s,
       1 + floor(random() * 70000)::bigint                 as thread,
       random()                                            as r_read,
       random()                                            as r_imp,
       random()                                            as r_repl,
       random()                                            as r_del,
       random()                                            as r_lab
from generate_series(1, :messages) i;

alter table gen add column folder_k int, add column n_att int;
update gen set
  folder_k = case when r_folder < 0.55 then 1   -- inbox
                  when r_folder < 0.70 then 2   -- sent
                  when r_folder < 0.72 then 3   -- drafts
                  when r_folder < 0.77 then 4   -- trash
                  when r_folder < 0.82 then 5   -- spam
                  else 6 end,                   -- Work
  n_att    = case when r_att < 0.35 then 0      -- P = .35/.25/.25/.15 -> mean 1.2
                  when r_att < 0.60 then 1
                  when r_att < 0.85 then 2
                  else 3 end;

-- attachment rows drawn up front so messages.size can include them
create temp table att on commit drop as
select g.i, a,
       (array['report','invoice','photo','scan','slides','notes','contract','data'])[1 + (g.i + a) % 8]
         || '_' || a || (array['.pdf','.pdf','.jpg','.pdf','.pptx','.txt','.docx','.csv'])[1 + (g.i + a) % 8] as file_name,
       (array['application/pdf','application/pdf','image/jpeg','application/pdf',
              'application/vnd.openxmlformats-officedocument.presentationml.presentation',
              'text/plain','application/vnd.openxmlformats-officedocument.wordprocessingml.document',
              'text/csv'])[1 + (g.i + a) % 8] as mime_type,
       floor(exp(ln(5000) + random() * (ln(5000000) - ln(5000))))::int as size   -- 5 KB .. 5 MB, log-uniform
from gen g cross join lateral generate_series(1, g.n_att) a
order by g.i, a;
create temp table att_sum on commit drop as select i, sum(size)::int as s from att group by i;

-- 4 KB of prose to slice bodies from
create temp table lorem on commit drop as
select string_agg(w, ' ') as txt
from (select (array['the','quarterly','report','meeting','please','review','attached','budget',
                    'schedule','tomorrow','thanks','regards','project','update','deadline','client',
                    'invoice','agenda','notes','follow','up','on','our','discussion','about','the',
                    'new','release','and','let','me','know','if','you','have','any','questions',
                    'we','should','sync','next','week','regarding','deployment','plan'])[1 + (g * 7 + g / 3) % 45] as w
      from generate_series(1, 800) g) s;

insert into messages (id, owner_id, folder_id, thread_id, subject, body, html_body, from_name,
                      from_address, to_addrs, cc_addrs, bcc_addrs, date, was_read, important,
                      was_replied, is_deleted, has_attachments, size, message_id)
select g.i,
       g.owner,
       (g.owner - 1) * 6 + g.folder_k,
       g.thread,
       (array['','Re: ','Fwd: ','Re: Re: '])[1 + g.subj_prefix]
         || (array['Quarterly report','Meeting notes','Project update','Invoice','Travel plans',
                   'Lunch tomorrow?','Release schedule','Budget review','Weekly sync','Action items',
                   'Contract draft','Welcome aboard','Password reset','Your order has shipped',
                   'Team offsite','Design review','Bug triage','Customer feedback','Roadmap Q3',
                   'Holiday calendar','Security notice','Newsletter','Interview schedule','Expense claim',
                   'Server maintenance','Board deck','Hiring plan','Office move','Conference talk',
                   'Performance review','Onboarding checklist','Support ticket','API deprecation',
                   'Invitation: planning','Invitation: retro','Migration status','Vendor quote',
                   'Training session','Incident postmortem','Happy birthday!'])[g.subj]
         || ' #' || (g.i % 997),
       substr(l.txt, 1 + g.body_off, g.body_len),
       case when g.has_html then '<html><body><p>' || substr(l.txt, 1 + g.body_off, g.body_len) || '</p></body></html>' end,
       'Contact ' || g.contact,
       'contact' || g.contact || '@example.org',
       array[format('user%s@mail.example.com', lpad(g.owner::text, 2, '0'))],
       case g.n_cc when 0 then '{}'::text[]
                   when 1 then array['cc' || g.contact || '@example.net']
                   else array['cc' || g.contact || '@example.net', 'cc' || (g.contact + 1) || '@example.net'] end,
       case when g.has_bcc then array['bcc' || g.contact || '@example.net'] else '{}' end,
       timestamptz '2024-06-01 00:00:00+00' - make_interval(secs => g.age_s),
       g.r_read < 0.85 or g.folder_k in (2, 3),
       g.r_imp < 0.05,
       g.r_repl < 0.20,
       g.r_del < 0.01 or g.folder_k = 4,
       g.n_att > 0,
       800 + g.body_len + case when g.has_html then g.body_len + 33 else 0 end + coalesce(asum.s, 0),  -- headers+bodies+attachments
       format('<%s.%s@example.org>', g.i, g.contact)
from gen g cross join lorem l left join att_sum asum on asum.i = g.i
order by g.i;
select setval('messages_id_seq', :messages);

-- attachments --------------------------------------------------------------
insert into attachments (message_id, file_name, mime_type, size)
select i, file_name, mime_type, size from att order by i, a;

-- message_labels: ~30% of messages get 1 label, a third of those a second one
insert into message_labels (message_id, label_id)
select g.i, (g.owner - 1) * 5 + 1 + (g.i % 5) from gen g where g.r_lab < 0.30
union all
select g.i, (g.owner - 1) * 5 + 1 + ((g.i + 2) % 5) from gen g where g.r_lab < 0.10;

